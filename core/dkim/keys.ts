// DKIM key pairs (RFC 6376, RFC 8463) made with node:crypto. The private key is kept as
// PKCS#8 PEM, the form node:crypto and mailauth's signer read for both algorithms.
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { DkimAlgorithm } from '../../storage/index.js';

const generate = promisify(generateKeyPair);

/** RSA modulus size: RFC 8301 §3.2 requires at least 1024 bits and recommends 2048. 2048 is
 *  also the largest whose record fits comfortably in common DNS hosting panels. */
export const RSA_BITS = 2048;

export interface DkimKeyPair {
  algorithm: DkimAlgorithm;
  privateKeyPem: string;
  /** Base64 as published in the `p=` tag. */
  publicKey: string;
}

export async function generateDkimKeyPair(algorithm: DkimAlgorithm): Promise<DkimKeyPair> {
  if (algorithm === 'rsa') {
    const { privateKey, publicKey } = await generate('rsa', {
      modulusLength: RSA_BITS,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    // RFC 6376 §3.6.1 names RSAPublicKey, but its own example (Appendix C) and every
    // verifier use the SubjectPublicKeyInfo DER that `openssl rsa -pubout` prints.
    return { algorithm, privateKeyPem: privateKey, publicKey: publicKey.toString('base64') };
  }
  const { privateKey, publicKey } = await generate('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  // RFC 8463 §4.2: for k=ed25519 the p= value is the bare 32-byte public key, not an SPKI
  // structure; in the SPKI DER of an Ed25519 key those are the last 32 bytes.
  return { algorithm, privateKeyPem: privateKey, publicKey: publicKey.subarray(publicKey.length - 32).toString('base64') };
}

// DKIM signing of outgoing mail with the newest key of the author's domain (RFC 6376;
// ed25519-sha256 per RFC 8463). No key for the domain: the message goes out unsigned.
import type { Store } from '../../storage/index.js';
import { dkimSignatureFor } from './dkim-sign.js';

export async function signMessage(store: Store, raw: Buffer, domain: string): Promise<Buffer> {
  const [key] = await store.accounts.listDkimKeys(domain);
  if (!key) return raw;
  const signature = await dkimSignatureFor(raw, { domain, selector: key.selector, privateKeyPem: key.privateKeyPem, algorithm: key.algorithm === 'ed25519' ? 'ed25519' : 'rsa' });
  return signature ? Buffer.concat([Buffer.from(signature, 'utf8'), raw]) : raw;
}

// DKIM signing (RFC 6376, ed25519-sha256 per RFC 8463) with mailauth's canonicalization and
// header formatting, but with each private key parsed once. mailauth's dkimSign() turns the PEM
// into a key object for every message: for a 2048-bit RSA key that costs ~600 µs, more than the
// signature itself (~400 µs), on the main thread that serves every session. Here the same steps
// run as its DkimSigner runs them for our one signature (relaxed/relaxed, default header list,
// no l=, no ARC): body hash, signed header lines, canonicalized header, signature, folded
// header line. A message with a bare LF (mailauth's parser would rewrite it) goes to dkimSign()
// itself. dkim-sign.test.ts compares both outputs byte for byte (mailauth 4.12, pinned).
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { dkimSign, type DKIMSignOptions } from 'mailauth';
import { BoundedMap } from '../bounded-map.js';
import { hasBareLf } from '../mail/bare-lf.js';
import { parseHeaderBlock } from '../mail/dkim-headers.js';

export interface DkimSigningKey {
  domain: string;
  selector: string;
  privateKeyPem: string;
  algorithm: 'rsa' | 'ed25519';
}

interface SigningLines { keys: string; headers: unknown[] }
const require = createRequire(import.meta.url);
const tools = require('mailauth/lib/tools.js') as {
  getSigningHeaderLines(parsed: unknown[], fieldNames?: string): SigningLines;
  formatSignatureHeaderLine(type: string, values: Record<string, unknown>, folded: boolean): string;
};
const { dkimBody } = require('mailauth/lib/dkim/body/index.js') as {
  dkimBody(canon: string, hash: string, maxLength: number | false): { update(chunk: Buffer): void; digest(encoding: 'base64'): string };
};
const { generateCanonicalizedHeader } = require('mailauth/lib/dkim/header/index.js') as {
  generateCanonicalizedHeader(type: string, lines: SigningLines, options: Record<string, unknown>): { canonicalizedHeader: Buffer; dkimHeaderOpts: Record<string, unknown> };
};

const CRLF2 = Buffer.from('\r\n\r\n');
/** Keys of this many selectors stay parsed (a district has a few domains, keys rotate rarely). */
const MAX_KEYS = 64;
const parsed = new BoundedMap<string, KeyObject>(MAX_KEYS);

function keyObject(pem: string): KeyObject {
  let key = parsed.get(pem);
  if (!key) {
    key = createPrivateKey({ key: pem, format: 'pem' });
    parsed.set(pem, key);
  }
  return key;
}

/** The DKIM-Signature header field (with its CRLF) for `raw`, or null when it cannot be made
 *  (the message then goes out unsigned, as with dkimSign's errors). */
export async function dkimSignatureFor(raw: Buffer, key: DkimSigningKey, signTime = new Date()): Promise<string | null> {
  // The time is fixed once. Without it mailauth writes t= from the clock each time it formats
  // the header, once into the signed text and once into the header sent, and a second turning
  // in between made the signature invalid (mailauth's own dkimSign has that race, over the
  // ~0.4 ms of an RSA signature; here the signature may wait on the thread pool).
  const algorithm = key.algorithm === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
  const end = raw.indexOf(CRLF2);
  if (end <= 0 || hasBareLf(raw)) return withMailauth(raw, key, algorithm, signTime);
  try {
    const headers = parseHeaderBlock(raw.subarray(0, end + 4));
    const body = dkimBody('relaxed', 'sha256', false);
    body.update(raw.subarray(end + 4));
    const lines = tools.getSigningHeaderLines(headers.parsed, undefined);
    const { canonicalizedHeader, dkimHeaderOpts } = generateCanonicalizedHeader('DKIM', lines, {
      type: 'DKIM', signingDomain: key.domain, selector: key.selector, maxBodyLength: '', instance: false,
      algorithm, canonicalization: 'relaxed/relaxed', signTime, expires: undefined, bodyHash: body.digest('base64'),
    });
    const rsa = key.algorithm === 'rsa';
    // RSA signs the header text with its digest; Ed25519 signs the SHA-256 of it (RFC 8463 §3).
    const data = rsa ? canonicalizedHeader : createHash('sha256').update(canonicalizedHeader).digest();
    // With a callback, the private-key operation runs on libuv's thread pool: an RSA-2048
    // signature is ~400 µs the main thread would otherwise stop for.
    const signature = await new Promise<Buffer>((resolve, reject) => {
      sign(rsa ? algorithm : null, data, keyObject(key.privateKeyPem), (error, out) => (error ? reject(error) : resolve(out)));
    });
    dkimHeaderOpts.b = signature.toString('base64');
    return `${tools.formatSignatureHeaderLine('DKIM', dkimHeaderOpts, true)}\r\n`;
  } catch {
    return null;
  }
}

async function withMailauth(raw: Buffer, key: DkimSigningKey, algorithm: string, signTime: Date): Promise<string | null> {
  const { signatures, errors } = await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed',
    signTime,
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, algorithm }],
    // mailauth@4's JS reads signatureData[]; its .d.ts describes a flat shape it ignores.
  } as unknown as DKIMSignOptions);
  return errors?.length || !signatures.trim() ? null : signatures;
}

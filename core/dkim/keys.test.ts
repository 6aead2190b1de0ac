import { createPublicKey } from 'node:crypto';
import { dkimSign, dkimVerify } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { generateDkimKeyPair, RSA_BITS } from './keys.js';
import { dkimRecordName, dkimRecordValue } from './record.js';

const message = [
  'From: Jeanne Martin <jeanne@ecole.example>',
  'To: parents@example.net',
  'Subject: Sortie scolaire',
  'Date: Mon, 02 Jun 2025 09:00:00 +0200',
  'Message-ID: <sortie@ecole.example>',
  '',
  'Le bus part à 8 h 30.',
  '',
].join('\r\n');

/** Signs with the private key, then verifies against the published record through a fake DNS. */
async function signAndVerify(algorithm: 'rsa' | 'ed25519', raw: string, tamper = false) {
  const pair = await generateDkimKeyPair(algorithm);
  const signature = {
    signingDomain: 'ecole.example', selector: 'sel1', privateKey: pair.privateKeyPem,
    algorithm: algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
  };
  const signed = await dkimSign(raw, { ...signature, signatureData: [signature] });
  expect(signed.errors).toEqual([]);
  expect(signed.signatures).toMatch(/^DKIM-Signature: /);
  const txt = dkimRecordValue(algorithm, pair.publicKey);
  const resolver = async (name: string, rrtype: string) => {
    if (rrtype === 'TXT' && name === dkimRecordName('sel1', 'ecole.example')) return [[txt]];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const body = tamper ? raw.replace('8 h 30', '9 h 30') : raw;
  const result = await dkimVerify(signed.signatures + body, { resolver });
  return { pair, status: result.results[0].status.result };
}

describe('generateDkimKeyPair', () => {
  it('makes an RSA-2048 key whose p= is the SubjectPublicKeyInfo and verifies mail it signed', async () => {
    const { pair, status } = await signAndVerify('rsa', message);
    expect(status).toBe('pass');
    const pub = createPublicKey({ key: Buffer.from(pair.publicKey, 'base64'), format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyType).toBe('rsa');
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(RSA_BITS);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('makes an Ed25519 key whose p= is the raw 32-byte key (RFC 8463) and verifies mail it signed', async () => {
    const { pair, status } = await signAndVerify('ed25519', message);
    expect(status).toBe('pass');
    expect(Buffer.from(pair.publicKey, 'base64')).toHaveLength(32);
    // The raw key is the tail of the SPKI form node:crypto derives from the private key.
    const spki = createPublicKey(pair.privateKeyPem).export({ type: 'spki', format: 'der' });
    expect(spki.subarray(-32).toString('base64')).toBe(pair.publicKey);
  });

  it('fails verification when the body was changed after signing', async () => {
    // mailauth reports a body hash mismatch as neutral (see ARCHITECTURE.md), never pass.
    expect((await signAndVerify('ed25519', message, true)).status).not.toBe('pass');
    expect((await signAndVerify('rsa', message, true)).status).not.toBe('pass');
  });

  it('makes a different key each time', async () => {
    const a = await generateDkimKeyPair('ed25519');
    const b = await generateDkimKeyPair('ed25519');
    expect(a.publicKey).not.toBe(b.publicKey);
  });
});

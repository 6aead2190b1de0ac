// Our DKIM signer against mailauth's dkimSign(): the same header, byte for byte, for RSA and
// Ed25519 keys and varied messages (both signatures are deterministic for a fixed time), and a
// signature mailauth's verifier accepts.
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, dkimVerify, type DKIMSignOptions } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { dkimSignatureFor, type DkimSigningKey } from './dkim-sign.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const keys: [DkimSigningKey, string][] = [
  [{ domain: 'ecole.test', selector: 's2026', algorithm: 'rsa', privateKeyPem: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() },
    rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
  [{ domain: 'ecole.test', selector: 'ed2026', algorithm: 'ed25519', privateKeyPem: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')],
];

const messages: Record<string, string> = {
  plain: 'From: Jeanne <jeanne@ecole.test>\r\nTo: paul@ailleurs.test\r\nSubject: Sortie\r\nDate: Sat, 28 Nov 2026 10:00:00 +0100\r\nMessage-ID: <a@ecole.test>\r\n\r\nBonjour,\r\n\r\nà demain.\r\n',
  folded: 'From: jeanne@ecole.test\r\nSubject: =?UTF-8?Q?R=C3=A9union?=\r\n  du   conseil\t de classe\r\nTo: a@x.test,\r\n b@y.test\r\nX-Other: not signed\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLigne  avec   espaces   \r\n\r\n\r\n\r\n',
  emptyBody: 'From: jeanne@ecole.test\r\nSubject: vide\r\n\r\n',
  repeated: 'From: jeanne@ecole.test\r\nTo: a@x.test\r\nTo: b@x.test\r\nSubject: deux fois\r\nReferences: <1@x>\r\n <2@x>\r\n\r\n' + 'x'.repeat(200_000) + '\r\n',
  bareLf: 'From: jeanne@ecole.test\nSubject: LF seuls\n\ncorps\n',
};

async function theirs(raw: Buffer, key: DkimSigningKey, signTime: Date): Promise<string> {
  const { signatures } = await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed', signTime,
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, algorithm: key.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256' }],
  } as unknown as DKIMSignOptions);
  return signatures;
}

describe('DKIM signing', () => {
  for (const [key] of keys) {
    for (const [name, text] of Object.entries(messages)) {
      it(`gives mailauth's signature (${key.algorithm}, ${name})`, async () => {
        const raw = Buffer.from(text);
        const signTime = new Date('2026-11-29T03:00:00Z');
        const ours = await dkimSignatureFor(raw, key, signTime);
        expect(ours).not.toBeNull();
        expect(ours).toBe(await theirs(raw, key, signTime));
      });
    }
  }

  it('signs so that a verifier finds the key in DNS and passes the message', async () => {
    for (const [key, publicKey] of keys) {
      const raw = Buffer.from(messages.folded);
      const signed = Buffer.concat([Buffer.from((await dkimSignatureFor(raw, key))!), raw]);
      const txt = `v=DKIM1; k=${key.algorithm}; p=${publicKey}`;
      const result = await dkimVerify(signed, {
        resolver: async (name: string, type: string) => {
          if (type === 'TXT' && name === `${key.selector}._domainkey.${key.domain}`) return [[txt]];
          throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
        },
      } as never);
      expect(result.results.map((r) => r.status.result)).toEqual(['pass']);
    }
  });

  it('gives valid signatures when many messages are signed at once with one key', async () => {
    const [key, publicKey] = keys[0];
    const body = Array.from({ length: 52 }, (_, n) => `${n + 1}`.padEnd(78, 'X')).join('\r\n');
    const raws = Array.from({ length: 2000 }, (_, i) => Buffer.from(`From: <a@ecole.test>\r\nTo: <u${i % 100}@x.test>\r\nMessage-Id: <${i}@t>\r\n\r\n${body}`));
    const signatures = await Promise.all(raws.map((raw) => dkimSignatureFor(raw, key)));
    const resolver = async (name: string, type: string) => (type === 'TXT' ? [[`v=DKIM1; k=rsa; p=${publicKey}`]] : []);
    for (let i = 0; i < raws.length; i += 25) {
      const result = await dkimVerify(Buffer.concat([Buffer.from(signatures[i]!), raws[i]]), { resolver } as never);
      expect(result.results[0].status.result).toBe('pass');
    }
  });

  it('keeps the message unsigned when the key cannot sign', async () => {
    const broken = { ...keys[0][0], privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' };
    expect(await dkimSignatureFor(Buffer.from(messages.plain), broken)).toBeNull();
  });
});

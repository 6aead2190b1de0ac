// The DKIM verifier's last step with parsed keys kept (dkim-finish.ts) against mailauth's own
// dkimVerify: the same results, field for field, for passing, failing and broken signatures,
// and no stale key once a selector's record changes.
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, dkimVerify, type DKIMSignOptions } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { verifyDkim } from './dkim-verify.js';

function rsaKey(bits: number) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), p: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}
const good = rsaKey(2048);
const other = rsaKey(2048);
const weak = rsaKey(1024);
const ed = generateKeyPairSync('ed25519');
const edPem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const edP = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');

let records: Record<string, string> = {};
const resolver = async (name: string, rrtype: string) => {
  if (rrtype === 'TXT' && name in records) return [[records[name]]];
  throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
};

const base = 'From: Jeanne <jeanne@q.example>\r\nTo: paul@facteur.test\r\nSubject: Sortie\r\nDate: Sat, 28 Nov 2026 10:00:00 +0100\r\n\r\nBonjour,\r\nà demain.\r\n';

async function sign(raw: string, selector: string, privateKey: string, algorithm: string, extra: Record<string, unknown> = {}): Promise<string> {
  const data = { signingDomain: 'q.example', selector, privateKey, algorithm };
  return (await dkimSign(raw, { canonicalization: 'relaxed/relaxed', signatureData: [data], ...extra } as unknown as DKIMSignOptions)).signatures + raw;
}

async function same(raw: string, options: Record<string, unknown> = {}) {
  const message = Buffer.from(raw);
  const stock = await dkimVerify(message, { resolver, ...options } as never);
  const ours = await verifyDkim(message, { resolver, ...options } as never);
  expect(JSON.parse(JSON.stringify(ours.results))).toEqual(JSON.parse(JSON.stringify(stock.results)));
  return ours.results.map((r) => `${r.status.result}${r.status.comment ? ` (${r.status.comment})` : ''}`);
}

describe('DKIM verification with parsed keys kept', () => {
  it('gives mailauth\'s results for good, broken and unverifiable signatures', async () => {
    records = {
      'rsa._domainkey.q.example': `v=DKIM1; k=rsa; p=${good.p}`,
      'ed._domainkey.q.example': `v=DKIM1; k=ed25519; p=${edP}`,
      'weak._domainkey.q.example': `v=DKIM1; k=rsa; p=${weak.p}`,
      'bad._domainkey.q.example': 'v=DKIM1; k=rsa; p=%%%not-base64%%%',
      'old._domainkey.q.example': `v=DKIM2; k=rsa; p=${good.p}`,
      'wrong._domainkey.q.example': `v=DKIM1; k=rsa; p=${other.p}`,
    };
    const rsa = await sign(base, 'rsa', good.pem, 'rsa-sha256');
    expect(await same(rsa)).toEqual(['pass']);
    expect(await same(rsa)).toEqual(['pass']);
    expect(await same(await sign(base, 'ed', edPem, 'ed25519-sha256'))).toEqual(['pass']);
    expect(await same(rsa.replace('Bonjour', 'Bonsoir'))).toEqual(['neutral (body hash did not verify)']);
    expect(await same(rsa.replace('Subject: Sortie', 'Subject: Sortie annulée'))).toEqual(['fail (bad signature)']);
    expect(await same(await sign(base, 'wrong', good.pem, 'rsa-sha256'))).toEqual(['fail (bad signature)']);
    expect(await same(await sign(base, 'missing', good.pem, 'rsa-sha256'))).toEqual(['neutral (no key)']);
    expect(await same(await sign(base, 'bad', good.pem, 'rsa-sha256'))).toEqual(['neutral (invalid public key)']);
    expect(await same(await sign(base, 'old', good.pem, 'rsa-sha256'))).toEqual(['neutral (unknown key version)']);
    expect((await same(await sign(base, 'weak', weak.pem, 'rsa-sha256'), { minBitLength: 2048 }))[0]).toBe('policy');
    expect(await same(await sign(base, 'rsa', good.pem, 'rsa-sha256', { signTime: new Date(Date.now() - 7200_000), expires: new Date(Date.now() - 3600_000) })))
      .toEqual(['neutral (expired)']);
    const twice = await sign(await sign(base, 'rsa', good.pem, 'rsa-sha256'), 'missing', good.pem, 'rsa-sha256');
    expect(await same(twice)).toEqual(['neutral (no key)', 'pass']);
    expect(await same(base)).toEqual(['none (message not signed)']);
  });

  it('reads the key again once the selector\'s record changes', async () => {
    records = { 'rot._domainkey.q.example': `v=DKIM1; k=rsa; p=${good.p}` };
    const signed = await sign(base, 'rot', good.pem, 'rsa-sha256');
    expect(await same(signed)).toEqual(['pass']);
    records = { 'rot._domainkey.q.example': `v=DKIM1; k=rsa; p=${other.p}` };
    expect(await same(signed)).toEqual(['fail (bad signature)']);
    expect(await same(await sign(base, 'rot', other.pem, 'rsa-sha256'))).toEqual(['pass']);
  });
});

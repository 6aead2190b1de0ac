// The zone resolver handed to mailauth as it is: SPF, DKIM (a 2048-bit key, whose TXT record
// needs several strings) and DMARC all read it, proving the answer shapes and error codes fit.

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, dkimSign } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from './types.js';
import { zoneFileResolver } from './zone-resolver.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

function message(from: string): string {
  return [
    `From: <${from}>`,
    'To: <carol@facteur.test>',
    'Subject: zone resolver and mailauth',
    'Date: Mon, 02 Jun 2025 10:00:00 +0000',
    'Message-ID: <zone-test@facteur.test>',
    '',
    'Hello.',
    '',
  ].join('\r\n');
}

describe('mailauth authenticate() with the zone file resolver', () => {
  let dir: string;
  let resolver: Resolver;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-mailauth-'));
    const path = join(dir, 'auth.zone');
    expect(publicKeyB64.length).toBeGreaterThan(255); // so the record must be split
    writeFileSync(path, [
      'pass.example              TXT "v=spf1 ip4:127.0.0.1 -all"',
      'fail.example              TXT "v=spf1 -all"',
      '_dmarc.pass.example       TXT "v=DMARC1; p=reject"',
      '_dmarc.fail.example       TXT "v=DMARC1; p=reject"',
      `sel._domainkey.pass.example TXT "v=DKIM1; k=rsa; " "p=${publicKeyB64.slice(0, 200)}" "${publicKeyB64.slice(200)}"`,
      '',
    ].join('\n'));
    resolver = zoneFileResolver(path);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes SPF, DKIM and DMARC for a signed message from an allowed IP', async () => {
    const raw = message('alice@pass.example');
    const signature = {
      signingDomain: 'pass.example',
      selector: 'sel',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    };
    // mailauth@4's JS reads signatureData[]; its .d.ts only describes the flat fields.
    const { signatures, errors } = await dkimSign(raw, { ...signature, signatureData: [signature] } as Parameters<typeof dkimSign>[1]);
    expect(errors).toEqual([]);
    expect(signatures).toMatch(/^DKIM-Signature: .*d=pass\.example/);

    const res = await authenticate(signatures + raw, {
      ip: '127.0.0.1',
      helo: 'client.pass.example',
      sender: 'alice@pass.example',
      mta: 'mx.facteur.test',
      resolver,
    });
    expect(res.spf && res.spf.status.result).toBe('pass');
    expect(res.dkim.results.map((r) => r.status.result)).toEqual(['pass']);
    expect(res.dmarc && res.dmarc.status.result).toBe('pass');
    expect(res.headers).toMatch(/spf=pass/);
  });

  it('fails SPF (and so DMARC) for a domain publishing "-all"', async () => {
    const res = await authenticate(message('bob@fail.example'), {
      ip: '127.0.0.1',
      helo: 'client.fail.example',
      sender: 'bob@fail.example',
      mta: 'mx.facteur.test',
      resolver,
    });
    expect(res.spf && res.spf.status.result).toBe('fail');
    expect(res.dkim.results.map((r) => r.status.result)).toEqual(['none']);
    expect(res.dmarc && res.dmarc.status.result).toBe('fail');
    expect(res.dmarc && res.dmarc.policy).toBe('reject');
  });

  it('reports SPF none (not temperror) for a domain the zone does not list', async () => {
    const res = await authenticate(message('dave@unlisted.example'), {
      ip: '127.0.0.1',
      sender: 'dave@unlisted.example',
      mta: 'mx.facteur.test',
      resolver,
    });
    expect(res.spf && res.spf.status.result).toBe('none');
  });
});

// SPF, DKIM and DMARC on the MX listener, with the outside world's DNS in a zone file: what
// passes, what fails, and what each DMARC policy does to a failing message.
import { dkimSign } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDkimKeyPair, type DkimKeyPair } from '../../core/index.js';
import { HOSTNAME, dkimZoneLine, folder, header, message, serverLines, startHarness, swaks, type Harness } from './harness.js';

let h: Harness;
let rsa: DkimKeyPair;
let ed: DkimKeyPair;

beforeAll(async () => {
  [rsa, ed] = await Promise.all([generateDkimKeyPair('rsa'), generateDkimKeyPair('ed25519')]);
  h = await startHarness({
    zone: [
      // Everything passes: SPF for our client address, a DKIM key, DMARC reject.
      'good.example TXT "v=spf1 ip4:127.0.0.1 -all"',
      '_dmarc.good.example TXT "v=DMARC1; p=reject"',
      dkimZoneLine('good.example', 's1', rsa),
      // SPF fails, an aligned ed25519 signature carries DMARC.
      'signed.example TXT "v=spf1 -all"',
      '_dmarc.signed.example TXT "v=DMARC1; p=reject"',
      dkimZoneLine('signed.example', 'ed', ed),
      // SPF fails and nothing else: the DMARC policy decides.
      'reject.example TXT "v=spf1 -all"',
      '_dmarc.reject.example TXT "v=DMARC1; p=reject"',
      'quarantine.example TXT "v=spf1 -all"',
      '_dmarc.quarantine.example TXT "v=DMARC1; p=quarantine"',
      'monitor.example TXT "v=spf1 -all"',
      '_dmarc.monitor.example TXT "v=DMARC1; p=none"',
      '',
    ].join('\n'),
  });
  await h.accounts.addDomain('facteur.test');
  await h.accounts.createUser({ address: 'alice@facteur.test' });
});
afterAll(() => h?.stop());

async function sign(raw: string, domain: string, selector: string, key: DkimKeyPair): Promise<string> {
  const signature = {
    signingDomain: domain, selector, privateKey: key.privateKeyPem,
    algorithm: key.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
  };
  // mailauth@4's JS reads signatureData[]; its .d.ts describes only the flat fields.
  const { signatures, errors } = await dkimSign(raw, { ...signature, signatureData: [signature] } as unknown as Parameters<typeof dkimSign>[1]);
  expect(errors).toEqual([]);
  return signatures + raw;
}

async function send(from: string, raw: string): Promise<{ ok: true; response: string } | { ok: false; response: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, tls: { rejectUnauthorized: false }, name: 'client.example' });
  try {
    const info = await transport.sendMail({ envelope: { from, to: ['alice@facteur.test'] }, raw });
    return { ok: true, response: info.response };
  } catch (err) {
    return { ok: false, response: String((err as { response?: string }).response) };
  } finally {
    transport.close();
  }
}

const counts = async () => ({ inbox: (await folder(h.store, 'alice@facteur.test')).length, junk: (await folder(h.store, 'alice@facteur.test', 'Junk')).length });
const results = (raw: string) => header(raw, 'Authentication-Results') ?? '';

describe('SPF, DKIM and DMARC on the MX listener', () => {
  it('SPF, DKIM and DMARC pass: INBOX, with the results recorded', async () => {
    const raw = await sign(message({ From: 'Paul <paul@good.example>', To: 'alice@facteur.test', Subject: 'all pass' }), 'good.example', 's1', rsa);
    expect(await send('paul@good.example', raw)).toMatchObject({ ok: true });
    const copy = (await folder(h.store, 'alice@facteur.test')).at(-1)!.raw;
    expect(header(copy, 'Subject')).toBe('all pass');
    expect(results(copy)).toMatch(new RegExp(`^${HOSTNAME}; dkim=pass header\\.i=@good\\.example .*; spf=pass .*; dmarc=pass .*header\\.from=good\\.example`));
    expect(header(copy, 'Received-SPF')).toMatch(/^pass /);
    // The signature still verifies in the stored copy: nothing above it was signed, nothing in it changed.
    expect(copy).toContain(raw);
  });

  it('an aligned ed25519 signature passes DMARC where SPF fails', async () => {
    const raw = await sign(message({ From: 'sig@signed.example', Subject: 'dkim only' }), 'signed.example', 'ed', ed);
    expect(await send('sig@signed.example', raw)).toMatchObject({ ok: true });
    const copy = (await folder(h.store, 'alice@facteur.test')).at(-1)!.raw;
    expect(results(copy)).toMatch(/dkim=pass header\.i=@signed\.example .*header\.a=ed25519-sha256/);
    expect(results(copy)).toMatch(/spf=fail /);
    expect(results(copy)).toMatch(/dmarc=pass /);
  });

  it('a body changed after signing fails DKIM, and so DMARC p=reject: 550 5.7.1, nothing stored', async () => {
    const before = await counts();
    const raw = await sign(message({ From: 'sig@signed.example', Subject: 'tampered' }, 'Pay 10 EUR.\r\n'), 'signed.example', 'ed', ed);
    const result = await send('sig@signed.example', raw.replace('10 EUR', '10000 EUR'));
    expect(result).toEqual({ ok: false, response: '550 5.7.1 Message refused: it fails the DMARC policy of signed.example' });
    expect(await counts()).toEqual(before);
  });

  it('DMARC p=reject failing (swaks): 550 5.7.1', async () => {
    const before = await counts();
    const run = await swaks(['--port', String(h.ports.smtp), '--from', 'ceo@reject.example', '--to', 'alice@facteur.test', '--header', 'Subject: wire transfer']);
    expect(run.code).not.toBe(0);
    expect(serverLines(run)).toContain('550 5.7.1 Message refused: it fails the DMARC policy of reject.example');
    expect(await counts()).toEqual(before);
  });

  it('a second From: field cannot slip a p=reject domain past DMARC: 550 5.6.0, nothing stored', async () => {
    const before = await counts();
    const raw = message({ From: 'ceo@reject.example', 'from': 'someone@monitor.example', Subject: 'two authors' });
    expect(await send('ceo@reject.example', raw)).toEqual({ ok: false, response: '550 5.6.0 Message refused: it has more than one From: header field' });
    expect(await counts()).toEqual(before);
  });

  it('a From: listing several authors is judged for each domain, the strictest policy decides', async () => {
    const before = await counts();
    // mailauth skips DMARC for a From: with more than one address: this passed unjudged.
    const raw = message({ From: 'ceo@reject.example, friend@monitor.example', Sender: 'friend@monitor.example', Subject: 'two in one' });
    expect(await send('ceo@reject.example', raw)).toEqual({ ok: false, response: '550 5.7.1 Message refused: it fails the DMARC policy of reject.example' });
    // With only lenient domains among the authors, the message is delivered and each evaluation recorded.
    const mild = message({ From: 'a@monitor.example, b@quarantine.example', Sender: 'a@monitor.example', Subject: 'two mild' });
    expect(await send('a@monitor.example', mild)).toMatchObject({ ok: true });
    expect(await counts()).toEqual({ inbox: before.inbox, junk: before.junk + 1 });
    const copy = (await folder(h.store, 'alice@facteur.test', 'Junk')).at(-1)!.raw;
    expect(header(copy, 'Subject')).toBe('two mild');
    expect(results(copy)).toMatch(/dmarc=fail .*header\.from=monitor\.example.*dmarc=fail .*header\.from=quarantine\.example/s);
  });

  it('DMARC p=quarantine failing: delivered to Junk, not INBOX', async () => {
    const before = await counts();
    const run = await swaks(['--port', String(h.ports.smtp), '--from', 'news@quarantine.example', '--to', 'alice@facteur.test', '--header', 'Subject: promo']);
    expect(run.code).toBe(0);
    expect(await counts()).toEqual({ inbox: before.inbox, junk: before.junk + 1 });
    const copy = (await folder(h.store, 'alice@facteur.test', 'Junk')).at(-1)!.raw;
    expect(header(copy, 'Subject')).toBe('promo');
    expect(results(copy)).toMatch(/spf=fail .*dmarc=fail .*p=QUARANTINE/);
  });

  it('DMARC p=none failing, and a domain without records: INBOX, the results say so', async () => {
    const monitor = await swaks(['--port', String(h.ports.smtp), '--from', 'a@monitor.example', '--to', 'alice@facteur.test', '--header', 'Subject: monitored']);
    expect(monitor.code).toBe(0);
    expect(results((await folder(h.store, 'alice@facteur.test')).at(-1)!.raw)).toMatch(/spf=fail .*dmarc=fail .*p=NONE/);

    const unknown = await swaks(['--port', String(h.ports.smtp), '--from', 'b@unlisted.example', '--to', 'alice@facteur.test', '--header', 'Subject: unlisted']);
    expect(unknown.code).toBe(0);
    const copy = (await folder(h.store, 'alice@facteur.test')).at(-1)!.raw;
    expect(header(copy, 'Subject')).toBe('unlisted');
    expect(results(copy)).toMatch(/spf=none .*dmarc=none/);
  });
});

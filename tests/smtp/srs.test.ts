// SRS on the real MX listener: mail from outside that an alias forwards to another domain is
// queued with an SRS0 sender of ours (so that SPF passes at the destination), and a bounce sent
// back to that address is accepted and returned to the original sender; a forged one is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTNAME, RawSmtp, startHarness, swaks, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    zone: 'ext.example TXT "v=spf1 ip4:127.0.0.1 -all"\n',
    env: { FACTEUR_SRS_SECRET: 'srs-test-key-0123456789abcdef' },
  });
  await h.accounts.addDomain('facteur.test');
  await h.accounts.createUser({ address: 'erin@facteur.test' });
  await h.accounts.addAlias('fwd@facteur.test', ['erin@facteur.test', 'someone@remote.example']);
});
afterAll(() => h?.stop());

async function bounceTo(rcpt: string): Promise<{ rcpt: string; data?: string }> {
  const c = await RawSmtp.connect(h.ports.smtp);
  await c.hello('mx.remote.example');
  expect(await c.command('MAIL FROM:<>')).toMatch(/^250 /);
  const reply = await c.command(`RCPT TO:<${rcpt}>`);
  if (!reply.startsWith('250')) {
    c.close();
    return { rcpt: reply };
  }
  await c.command('DATA');
  const data = await c.command('From: MAILER-DAEMON@remote.example\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nsomeone@remote.example: no such user\r\n.');
  c.close();
  return { rcpt: reply, data };
}

describe('SRS (Sender Rewriting Scheme)', () => {
  let srsAddress = '';

  it('queues mail forwarded to another domain with an SRS0 sender of ours; local copies keep the sender', async () => {
    const run = await swaks(['--port', String(h.ports.smtp), '--helo', 'client.ext.example', '--from', 'bob@ext.example', '--to', 'fwd@facteur.test', '--header', 'Subject: forwarded']);
    expect(run.code).toBe(0);
    const entry = (await h.store.queue.list()).find((e) => e.domain === 'remote.example');
    expect(entry?.recipients.map((r) => r.address)).toEqual(['someone@remote.example']);
    expect(entry!.from).toMatch(new RegExp(`^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=ext\\.example=bob@${HOSTNAME.replace(/\./g, '\\.')}$`));
    srsAddress = entry!.from;
  });

  it('returns a bounce sent to that address to the original sender', async () => {
    const { rcpt, data } = await bounceTo(srsAddress);
    expect(rcpt).toMatch(/^250 /);
    expect(data).toMatch(/^250 /);
    const back = (await h.store.queue.list()).find((e) => e.domain === 'ext.example');
    expect(back).toMatchObject({ from: '', recipients: [{ address: 'bob@ext.example', status: 'pending' }] });
    expect((await h.store.blobs.get(back!.blobId)).toString('utf8')).toContain('Undelivered Mail Returned to Sender');
  });

  it('refuses a forged or altered SRS address, and stays closed to relaying otherwise', async () => {
    const forged = srsAddress.replace(/^SRS0=([A-Z2-7]{6})/, (_m, hash: string) => `SRS0=${hash === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`);
    expect((await bounceTo(forged)).rcpt).toMatch(/^550 5\.1\.1 .*invalid or expired forwarding address/);
    expect((await bounceTo(srsAddress.replace('=bob@', '=mallory@'))).rcpt).toMatch(/^550 5\.1\.1 /);
    expect((await bounceTo('someone@remote.example')).rcpt).toMatch(/^550 5\.7\.1 /);
  });
});

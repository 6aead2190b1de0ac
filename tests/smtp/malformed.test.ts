// What no well-behaved client sends, over a bare socket: each gets a clear reply or a clean
// close, nothing half-stored, and the server keeps serving everyone else.
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REFUSED_RECIPIENTS } from '../../smtp/mx.js';
import { RawSmtp, dataPayload, folder, header, message, startHarness, swaks, type Harness } from './harness.js';

const MAX_RECIPIENTS = 50;
const MAX_PER_ADDRESS = 8;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    zone: 'ext.example TXT "v=spf1 ip4:127.0.0.1 -all"\n',
    env: {
      FACTEUR_SMTP_SOCKET_TIMEOUT_SECONDS: '5', FACTEUR_SMTP_MAX_RECIPIENTS: String(MAX_RECIPIENTS),
      FACTEUR_SMTP_MAX_CONNECTIONS_PER_IP: String(MAX_PER_ADDRESS),
    },
  });
  await h.accounts.addDomain('facteur.test');
  await h.accounts.createUser({ address: 'alice@facteur.test' });
  await h.accounts.createUser({ address: 'bob@facteur.test' });
  for (let i = 0; i < MAX_RECIPIENTS + 5; i++) await h.accounts.addAlias(`list${i}@facteur.test`, ['bob@facteur.test']);
});
afterAll(() => h?.stop());

/** Opens a session ready for DATA to alice. */
async function toAlice(): Promise<RawSmtp> {
  const c = await RawSmtp.connect(h.ports.smtp);
  await c.hello('client.ext.example');
  expect(await c.command('MAIL FROM:<bob@ext.example>')).toMatch(/^250 /);
  expect(await c.command('RCPT TO:<alice@facteur.test>')).toMatch(/^250 /);
  expect(await c.command('DATA')).toMatch(/^354 /);
  return c;
}

const last = async (address = 'alice@facteur.test') => (await folder(h.store, address)).at(-1)!;
const count = async (address = 'alice@facteur.test') => (await folder(h.store, address)).length;

/** A normal delivery by swaks, proving the server still serves. */
async function stillServes(subject: string) {
  const run = await swaks(['--port', String(h.ports.smtp), '--from', 'bob@ext.example', '--to', 'bob@facteur.test', '--header', `Subject: ${subject}`]);
  expect(run.code).toBe(0);
  expect(header((await last('bob@facteur.test')).raw, 'Subject')).toBe(subject);
}

describe('malformed input on the MX listener', () => {
  it('bare LF line ends are taken as CRLF; only CRLF.CRLF ends DATA, so no command can be smuggled', async () => {
    const c = await toAlice();
    // "\n.\n" and "\r\n.\n" look like the end of DATA to a lax parser (SMTP smuggling).
    c.write('From: bob@ext.example\nSubject: bare lf\n\nline one\n.\nMAIL FROM:<evil@ext.example>\r\n.\nRCPT TO:<bob@facteur.test>\nlast line\r\n.\r\n');
    expect(await c.reply()).toMatch(/^250 2\.6\.0 /);
    expect(await c.command('NOOP')).toMatch(/^250 /);
    c.close();
    const raw = (await last()).raw;
    expect(raw).not.toMatch(/[^\r]\n/);
    expect(header(raw, 'Subject')).toBe('bare lf');
    expect(raw).toContain('line one\r\n.\r\nMAIL FROM:<evil@ext.example>\r\n.\r\nRCPT TO:<bob@facteur.test>\r\nlast line\r\n');
  });

  it('keeps lines over 1000 bytes byte-exact', async () => {
    const long = `${'abcdefghij'.repeat(700)}END`;
    const c = await toAlice();
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'long line' }, `${long}\r\n`)));
    expect(await c.reply()).toMatch(/^250 /);
    c.close();
    expect((await last()).raw).toContain(`\r\n\r\n${long}\r\n`);
  });

  it('refuses a message with NUL bytes (554 5.6.0) and an address with one (501)', async () => {
    const before = await count();
    const c = await toAlice();
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'nul' }, 'a\0b\r\n')));
    expect(await c.reply()).toBe('554 5.6.0 Message refused: it contains NUL characters');
    expect(await c.command('MAIL FROM:<bob@ext.example>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<ali\0ce@facteur.test>')).toMatch(/^501 /);
    c.close();
    expect(await count()).toBe(before);
  });

  it('a DATA that never ends is closed at the idle timeout (421), nothing stored, others served meanwhile', async () => {
    const before = await count();
    const c = await toAlice();
    c.write('From: bob@ext.example\r\nSubject: never ends\r\n\r\nstill typing');
    const started = Date.now();
    await stillServes('during a stuck session');
    const reply = await c.reply(15_000);
    expect(reply).toMatch(/^421 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(await c.reply()).toBe(''); // closed
    expect(await count()).toBe(before);
  });

  it('a field folded over 100,000 lines is taken in time, others served meanwhile', async () => {
    // mailauth's header parser is quadratic in the folds: this message held the MX thread for
    // about a minute (core/mail/dkim-headers.ts).
    const c = await toAlice();
    const start = performance.now();
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'folded', 'X-Fold': `a${'\r\n b'.repeat(100_000)}` })));
    const [reply] = await Promise.all([c.reply(), stillServes('beside the folds')]);
    expect(reply).toMatch(/^250 /);
    expect(performance.now() - start).toBeLessThan(10_000);
    c.close();
    expect(header((await last()).raw, 'Subject')).toBe('folded');
  });

  it(`one address holds at most ${MAX_PER_ADDRESS} connections (421 4.7.0 past them), not every slot until the idle timeout`, async () => {
    const idle = await Promise.all(Array.from({ length: MAX_PER_ADDRESS }, () => RawSmtp.connect(h.ports.smtp)));
    const extra = net.connect({ host: '127.0.0.1', port: h.ports.smtp });
    extra.setEncoding('latin1');
    const [line] = await once(extra, 'data') as [string];
    expect(line).toBe('421 4.7.0 Too many connections from your address, try again later\r\n');
    await once(extra, 'close');
    for (const c of idle) c.close();
    await new Promise((r) => setTimeout(r, 200));
    await stillServes('after the idle ones left');
  });

  it('stores broken MIME as it came', async () => {
    const broken = [
      'From: bob@ext.example', 'Subject: broken mime', 'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="never-closed"', '',
      '--never-closed', 'Content-Type: text/plain; charset=x-unknown-charset', 'Content-Transfer-Encoding: base64', '',
      '!!!not base64 at all***', '--never-closed', 'Content-Type: message/rfc822', '', 'garbage without headers', '',
    ].join('\r\n');
    const c = await toAlice();
    c.write(dataPayload(broken));
    expect(await c.reply()).toMatch(/^250 /);
    c.close();
    expect((await last()).raw.endsWith(broken)).toBe(true);
  });

  it('takes 8-bit headers, with and without SMTPUTF8, and indexes them decoded', async () => {
    for (const params of [' SMTPUTF8 BODY=8BITMIME', '']) {
      const c = await RawSmtp.connect(h.ports.smtp);
      await c.hello('client.ext.example');
      expect(await c.command(`MAIL FROM:<bob@ext.example>${params}`)).toMatch(/^250 /);
      expect(await c.command('RCPT TO:<alice@facteur.test>')).toMatch(/^250 /);
      expect(await c.command('DATA')).toMatch(/^354 /);
      c.write(Buffer.from(dataPayload(message({ From: 'Hélène Dupré <bob@ext.example>', Subject: `Réunion — café${params ? ' utf8' : ''}` }, 'Voilà.\r\n')), 'utf8'));
      expect(await c.reply()).toMatch(/^250 /);
      c.close();
    }
    const user = (await h.store.accounts.getUserByAddress('alice@facteur.test'))!;
    const inbox = (await h.store.mail.findMailbox(user.id, 'INBOX'))!;
    const index = await h.store.mail.listMessageIndex(inbox.id);
    const records = await h.store.mail.getMessages(inbox.id, index.slice(-2).map((m) => m.uid));
    expect(records.map((r) => (r.summary as { subject: string }).subject)).toEqual(['Réunion — café utf8', 'Réunion — café']);
    expect(await h.store.mail.searchText(inbox.id, [{ field: 'subject', value: 'reunion' }])).toHaveLength(2);
  });

  it(`closes a session after ${MAX_REFUSED_RECIPIENTS} refused recipients (421 4.7.0): no harvesting our addresses`, async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello('client.ext.example');
    expect(await c.command('MAIL FROM:<bob@ext.example>')).toMatch(/^250 /);
    for (let i = 0; i < MAX_REFUSED_RECIPIENTS; i++) expect(await c.command(`RCPT TO:<nobody${i}@facteur.test>`)).toMatch(/^550 5\.1\.1 /);
    expect(await c.command('RCPT TO:<alice@facteur.test>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<one-too-many@facteur.test>')).toBe('421 4.7.0 Too many unknown recipients in this session, closing');
    expect(await c.reply()).toBe('');
    expect(c.closed).toBe(true);
  });

  it('takes a non-ASCII address only with SMTPUTF8, and never bytes that are not UTF-8 (553 5.6.7)', async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello('client.ext.example');
    expect(await c.command('MAIL FROM:<élève@ext.example>')).toBe('553 5.6.7 Address refused: non-ASCII addresses need the SMTPUTF8 parameter on MAIL FROM');
    c.write(Buffer.concat([Buffer.from('MAIL FROM:<'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('@ext.example> SMTPUTF8\r\n')]));
    expect(await c.reply()).toBe('553 5.6.7 Address refused: it is not valid UTF-8');
    expect(await c.command('MAIL FROM:<élève@ext.example> SMTPUTF8')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<alice@facteur.test>')).toMatch(/^250 /);
    c.close();
  });

  it(`10,000 pipelined RCPTs: ${MAX_RECIPIENTS} accepted, the excess 452 4.5.3, one copy delivered`, async () => {
    const before = await count('bob@facteur.test');
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello('client.ext.example');
    const rcpts = Array.from({ length: 10_000 }, (_, i) => `RCPT TO:<list${i}@facteur.test>\r\n`).join('');
    c.write(`MAIL FROM:<bob@ext.example>\r\n${rcpts}DATA\r\n`);
    expect(await c.reply()).toMatch(/^250 /);
    const codes = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const r = await c.reply();
      const key = r.slice(0, 9);
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ '250 2.1.5': MAX_RECIPIENTS, '452 4.5.3': 10_000 - MAX_RECIPIENTS });
    expect(await c.reply()).toMatch(/^354 /);
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'many rcpts' })));
    expect(await c.reply()).toMatch(/^250 /);
    c.close();
    expect(await count('bob@facteur.test')).toBe(before + 1);
  });

  it('answers garbage, HTTP and over-long command lines, then closes; others are served', async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    expect(await c.command('\x01\x02\xff\xfe junk')).toMatch(/^500 /);
    expect(await c.command('MAIL FROM:<bob@ext.example>')).toMatch(/^503 /); // no EHLO yet
    c.close();

    const web = await RawSmtp.connect(h.ports.smtp);
    expect(await web.command('GET / HTTP/1.1')).toMatch(/^421 /);
    expect(await web.reply()).toBe('');

    const long = await RawSmtp.connect(h.ports.smtp);
    await long.hello();
    long.write(`MAIL FROM:<${'a'.repeat(40_000)}@ext.example>\r\n`);
    expect(await long.reply()).toMatch(/^421 /);
    expect(await long.reply()).toBe('');

    await stillServes('after garbage');
  });
});

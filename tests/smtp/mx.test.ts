// The MX listener against real clients (swaks, nodemailer, a bare socket): what other
// servers see when they bring mail for the district, and what lands in the mailboxes.
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Unavailable } from '../../core/index.js';
import { HOSTNAME, RawSmtp, dataPayload, folder, header, headerNames, message, serverLines, startHarness, swaks, type Harness } from './harness.js';

const MAX_BYTES = 64 * 1024;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    zone: 'ext.example TXT "v=spf1 ip4:127.0.0.1 -all"\n',
    env: { FACTEUR_SMTP_MAX_MESSAGE_BYTES: String(MAX_BYTES) },
  });
  const a = h.accounts;
  await a.addDomain('facteur.test');
  for (const name of ['alice', 'bob', 'carol', 'dave', 'full', 'small', 'erin']) await a.createUser({ address: `${name}@facteur.test` });
  await a.setEnabled('dave@facteur.test', false);
  await a.setQuota('small@facteur.test', 1500);
  await a.addAlias('team@facteur.test', ['alice@facteur.test', 'bob@facteur.test']);
  await a.addAlias('everyone@facteur.test', ['team@facteur.test', 'carol@facteur.test']);
  await a.addAlias('fwd@facteur.test', ['erin@facteur.test', 'someone@remote.example']);
  await a.addAlias('postmaster@facteur.test', ['carol@facteur.test']);
  await a.createGroup({ address: 'profs@facteur.test', members: ['alice@facteur.test', 'carol@facteur.test', 'dave@facteur.test'] });
  // "full" gets a message while unlimited, then a quota below what it uses.
  const r = await swaks(['--port', String(h.ports.smtp), '--from', 'x@ext.example', '--to', 'full@facteur.test', '--body', 'x'.repeat(2000)]);
  expect(r.code).toBe(0);
  await a.setQuota('full@facteur.test', 1000);
});
afterAll(() => h?.stop());

const mx = () => ['--port', String(h.ports.smtp), '--helo', 'client.ext.example'];

describe('MX listener', () => {
  it('greets with the host name and advertises the extensions, without AUTH', async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    const ehlo = await c.hello();
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', `SIZE ${MAX_BYTES}`, 'STARTTLS', 'DSN']) {
      expect(ehlo).toMatch(new RegExp(`^250[- ]${ext}$`, 'm'));
    }
    expect(ehlo).not.toMatch(/AUTH/);
    expect(await c.command('AUTH PLAIN AGFsaWNlAHNlY3JldDEyMw==')).toMatch(/^5\d\d /);
    expect(await c.command('QUIT')).toMatch(/^221 /);
    c.close();
  });

  it('delivers to a local user over STARTTLS (swaks), with trace and authentication headers', async () => {
    const before = (await folder(h.store, 'alice@facteur.test')).length;
    const run = await swaks([...mx(), '--tls', '--from', 'bob@ext.example', '--to', 'alice@facteur.test',
      '--header', 'Subject: Conseil de classe', '--body', 'Bonjour Alice.']);
    expect(run.code).toBe(0);
    expect(serverLines(run)).toContainEqual(expect.stringMatching(/^250 2\.6\.0 Message accepted \(id \S+\)$/));

    const inbox = await folder(h.store, 'alice@facteur.test');
    expect(inbox).toHaveLength(before + 1);
    const raw = inbox.at(-1)!.raw;
    expect(header(raw, 'Subject')).toBe('Conseil de classe');
    expect(raw).toContain('Bonjour Alice.');
    // Newest first: ours, then what the message came with.
    expect(headerNames(raw).slice(0, 5)).toEqual(['return-path', 'delivered-to', 'received-spf', 'authentication-results', 'received']);
    expect(header(raw, 'Return-Path')).toBe('<bob@ext.example>');
    expect(header(raw, 'Delivered-To')).toBe('alice@facteur.test');
    expect(header(raw, 'Received')).toMatch(new RegExp(
      `^from client\\.ext\\.example \\(unknown \\[127\\.0\\.0\\.1\\]\\) by ${HOSTNAME} \\(Facteur\\) with ESMTPS id \\S+ `
      + '\\(version=TLSv1\\.[23] cipher=\\S+\\) for <alice@facteur\\.test>; \\w{3}, \\d{2} \\w{3} \\d{4} [\\d:]{8} \\+0000$'));
    expect(header(raw, 'Authentication-Results')).toMatch(new RegExp(`^${HOSTNAME}; .*spf=pass .*smtp\\.mailfrom=bob@ext\\.example`));
    expect(header(raw, 'Received-SPF')).toMatch(/^pass /);
  });

  it('delivers what nodemailer sends, and answers 250 only once it is stored', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, tls: { rejectUnauthorized: false }, name: 'client.ext.example' });
    const info = await transport.sendMail({ from: 'paul@ext.example', to: 'bob@facteur.test', subject: 'Sortie scolaire', text: 'Départ à 8h.' });
    transport.close();
    expect(info.response).toMatch(/^250 2\.6\.0 /);
    expect(info.accepted).toEqual(['bob@facteur.test']);
    const last = (await folder(h.store, 'bob@facteur.test')).at(-1)!;
    expect(header(last.raw, 'Subject')).toBe('Sortie scolaire');
    expect(header(last.raw, 'Message-ID')).toBe(info.messageId);
  });

  it('is not an open relay: other domains get 550 5.7.1 and nothing is queued', async () => {
    const run = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'victim@elsewhere.example']);
    expect(run.code).not.toBe(0);
    expect(serverLines(run)).toContain('550 5.7.1 Relaying denied: this server only accepts mail for its own domains');

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, tls: { rejectUnauthorized: false } });
    await expect(transport.sendMail({ from: 'bob@ext.example', to: 'victim@elsewhere.example', text: 'x' }))
      .rejects.toMatchObject({ responseCode: 550, response: expect.stringMatching(/^550 5\.7\.1 /) });
    transport.close();
    expect((await h.store.queue.list()).filter((e) => e.domain === 'elsewhere.example')).toEqual([]);
  });

  it('refuses unknown users (550 5.1.1) and disabled ones (550 5.2.1) at RCPT', async () => {
    const unknown = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'nobody@facteur.test', '--quit-after', 'RCPT']);
    expect(serverLines(unknown)).toContain('550 5.1.1 <nobody@facteur.test>: no such user here');
    const disabled = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'dave@facteur.test', '--quit-after', 'RCPT']);
    expect(serverLines(disabled)).toContain('550 5.2.1 <dave@facteur.test>: mailbox disabled');
  });

  it('answers 452 4.2.2 at RCPT for a full mailbox, 552 5.2.2 after DATA for a message that does not fit', async () => {
    const full = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'full@facteur.test', '--quit-after', 'RCPT']);
    expect(serverLines(full)).toContain('452 4.2.2 <full@facteur.test>: mailbox full, try again later');

    const big = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'small@facteur.test', '--body', 'y'.repeat(3000)]);
    expect(serverLines(big)).toContain('552 5.2.2 Mailbox full: this message does not fit in the quota');
    expect(await folder(h.store, 'small@facteur.test')).toEqual([]);
    // A small one still fits.
    const fits = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'small@facteur.test', '--body', 'ok']);
    expect(fits.code).toBe(0);
    expect(await folder(h.store, 'small@facteur.test')).toHaveLength(1);
  });

  it('enforces the size limit: 552 5.3.4 for SIZE= over it at MAIL FROM, and after DATA', async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello();
    expect(await c.command(`MAIL FROM:<bob@ext.example> SIZE=${MAX_BYTES + 1}`)).toMatch(/^552 5\.3\.4 /);
    expect(await c.command('MAIL FROM:<bob@ext.example>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<carol@facteur.test>')).toMatch(/^250 /);
    expect(await c.command('DATA')).toMatch(/^354 /);
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'big' }, `${'z'.repeat(998)}\r\n`.repeat(70))));
    expect(await c.reply()).toBe(`552 5.3.4 Message too big: the limit is ${MAX_BYTES} bytes`);
    // The session goes on.
    expect(await c.command('NOOP')).toMatch(/^250 /);
    c.close();
    expect((await folder(h.store, 'carol@facteur.test')).some((m) => header(m.raw, 'Subject') === 'big')).toBe(false);
  });

  it('expands aliases and groups: one copy per person, each with its own Delivered-To', async () => {
    const inboxes = ['alice', 'bob', 'carol', 'dave'].map((n) => `${n}@facteur.test`);
    const before = await Promise.all(inboxes.map(async (a) => (await folder(h.store, a)).length));
    const run = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'everyone@facteur.test,profs@facteur.test,alice@facteur.test',
      '--header', 'Subject: Reunion']);
    expect(run.code).toBe(0);
    const after = await Promise.all(inboxes.map((a) => folder(h.store, a)));
    // alice is reached three ways, carol two, bob one; dave is disabled (skipped in the group).
    expect(after.map((f, i) => f.length - before[i])).toEqual([1, 1, 1, 0]);
    for (const [i, address] of inboxes.slice(0, 3).entries()) {
      const raw = after[i].at(-1)!.raw;
      expect(header(raw, 'Subject')).toBe('Reunion');
      expect(header(raw, 'Delivered-To')).toBe(address);
    }
  });

  it('forwards through an alias to an outside address: the remote copy is queued with our trace headers', async () => {
    const run = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'fwd@facteur.test', '--header', 'Subject: forwarded']);
    expect(run.code).toBe(0);
    expect((await folder(h.store, 'erin@facteur.test')).at(-1)!.raw).toContain('Subject: forwarded');
    const entry = (await h.store.queue.list()).find((e) => e.domain === 'remote.example');
    expect(entry).toMatchObject({ from: 'bob@ext.example', recipients: [{ address: 'someone@remote.example', status: 'pending' }] });
    const queued = (await h.store.blobs.get(entry!.blobId)).toString('utf8');
    expect(headerNames(queued).slice(0, 3)).toEqual(['received-spf', 'authentication-results', 'received']);
    expect(queued).toContain('Subject: forwarded');
  });

  it('takes the DSN parameters (RFC 3461) and keeps ENVID and RET with the queued copy', async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello('client.ext.example');
    expect(await c.command('MAIL FROM:<bob@ext.example> RET=HDRS ENVID=QQ314159')).toMatch(/^250 2\.1\.0 /);
    expect(await c.command('RCPT TO:<fwd@facteur.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;fwd@facteur.test')).toMatch(/^250 2\.1\.5 /);
    expect(await c.command('DATA')).toMatch(/^354 /);
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'with dsn' })));
    expect(await c.reply()).toMatch(/^250 2\.6\.0 /);
    c.close();
    const entries = await h.store.queue.list();
    const entry = entries.filter((e) => e.domain === 'remote.example').at(-1)!;
    expect(entry.meta).toMatchObject({ envid: 'QQ314159', ret: 'HDRS', origin: 'mx' });
    // NOTIFY and ORCPT follow the alias's expansion to the final address.
    expect(entry.meta.recipients).toEqual({ 'someone@remote.example': { notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;fwd@facteur.test' } });
  });

  it('answers each recipient on its own: refused ones do not stop the others', async () => {
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello('client.ext.example');
    // Pipelined, as PIPELINING allows (RFC 2920).
    c.write('MAIL FROM:<bob@ext.example>\r\nRCPT TO:<nobody@facteur.test>\r\nRCPT TO:<carol@facteur.test>\r\nRCPT TO:<x@elsewhere.example>\r\nDATA\r\n');
    expect(await c.reply()).toMatch(/^250 /);
    expect(await c.reply()).toMatch(/^550 5\.1\.1 /);
    expect(await c.reply()).toMatch(/^250 /);
    expect(await c.reply()).toMatch(/^550 5\.7\.1 /);
    expect(await c.reply()).toMatch(/^354 /);
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: 'partial' })));
    expect(await c.reply()).toMatch(/^250 /);
    c.close();
    expect(header((await folder(h.store, 'carol@facteur.test')).at(-1)!.raw, 'Subject')).toBe('partial');
  });

  /** One message from bob@ext.example over a bare session; `rcpts` with the reply each expects. */
  async function rawSession(rcpts: [string, RegExp][], subject: string): Promise<void> {
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello('client.ext.example');
    await c.command('MAIL FROM:<bob@ext.example>');
    for (const [rcpt, reply] of rcpts) expect(await c.command(`RCPT TO:<${rcpt}>`)).toMatch(reply);
    await c.command('DATA');
    c.write(dataPayload(message({ From: 'bob@ext.example', Subject: subject })));
    expect(await c.reply()).toMatch(/^250 /);
    c.close();
  }

  it('takes "RCPT TO:<Postmaster>" without a domain (RFC 5321 §4.5.1) for the postmaster of our domain', async () => {
    await rawSession([['Postmaster', /^250 /]], 'to the postmaster');
    const raw = (await folder(h.store, 'carol@facteur.test')).at(-1)!.raw;
    expect(header(raw, 'Subject')).toBe('to the postmaster');
    expect(header(raw, 'Received')).toMatch(/ for <postmaster@facteur\.test>; /);
  });

  it('takes postmaster@ a domain that has none for the server\'s postmaster (RFC 5321 §4.5.1); other unknown users stay unknown', async () => {
    await h.accounts.addDomain('autre.test');
    await rawSession([['nobody@autre.test', /^550 5\.1\.1 /], ['PostMaster@autre.test', /^250 /]], 'to the postmaster of autre.test');
    const raw = (await folder(h.store, 'carol@facteur.test')).at(-1)!.raw;
    expect(header(raw, 'Subject')).toBe('to the postmaster of autre.test');
  });

  it('answers 451 4.3.0 when storage fails, and leaves no copy behind', async () => {
    const bob = (await h.store.accounts.getUserByAddress('bob@facteur.test'))!;
    const bobInbox = (await h.store.mail.findMailbox(bob.id, 'INBOX'))!;
    const before = { alice: (await folder(h.store, 'alice@facteur.test')).length, bob: (await folder(h.store, 'bob@facteur.test')).length };
    const mail = h.store.mail;
    const append = mail.appendMessage;
    // A disk fault on bob's copy, after alice's may already be stored.
    mail.appendMessage = async (mailboxId, input) => {
      if (mailboxId === bobInbox.id) throw new Unavailable('disk I/O error');
      return append.call(mail, mailboxId, input);
    };
    try {
      const run = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'alice@facteur.test,bob@facteur.test', '--header', 'Subject: faulty']);
      expect(serverLines(run)).toContain('451 4.3.0 Temporary storage failure, try again later');
    } finally {
      mail.appendMessage = append;
    }
    expect((await folder(h.store, 'alice@facteur.test')).length).toBe(before.alice);
    expect((await folder(h.store, 'bob@facteur.test')).length).toBe(before.bob);
    // And the sender's retry goes through, once.
    const retry = await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'alice@facteur.test,bob@facteur.test', '--header', 'Subject: faulty']);
    expect(retry.code).toBe(0);
    expect((await folder(h.store, 'alice@facteur.test')).length).toBe(before.alice + 1);
  });

  it('removes an Authentication-Results field forged in our name, keeps the others', async () => {
    const forged = [
      `Authentication-Results: ${HOSTNAME.toUpperCase()}; dkim=pass`,
      ' header.d=bank.example; dmarc=pass',
      'Authentication-Results: mx.other.example; spf=pass smtp.mailfrom=ext.example',
      message({ From: 'bob@ext.example', Subject: 'forged results' }),
    ].join('\r\n');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ envelope: { from: 'bob@ext.example', to: ['carol@facteur.test'] }, raw: forged });
    transport.close();
    const raw = (await folder(h.store, 'carol@facteur.test')).at(-1)!.raw;
    const results = [...raw.matchAll(/^Authentication-Results\s*:\s*(\S+?);/gim)].map((m) => m[1]);
    expect(results).toEqual([HOSTNAME, 'mx.other.example']);
    expect(raw).not.toContain('header.d=bank.example');
  });

  it('refuses a message that went through too many hops (554 5.4.6), a mail loop', async () => {
    const hops = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Mon, 2 Jun 2025 10:00:00 +0000`).join('\r\n');
    const c = await RawSmtp.connect(h.ports.smtp);
    await c.hello();
    await c.command('MAIL FROM:<bob@ext.example>');
    await c.command('RCPT TO:<carol@facteur.test>');
    await c.command('DATA');
    c.write(dataPayload(`${hops}\r\n${message({ From: 'bob@ext.example', Subject: 'loop' })}`));
    expect(await c.reply()).toMatch(/^554 5\.4\.6 /);
    c.close();
  });

  it('logs each session with svc, cid and remote, and never the message body', async () => {
    await swaks([...mx(), '--from', 'bob@ext.example', '--to', 'carol@facteur.test', '--body', 'SECRET-BODY-MARKER-42']);
    const lines = h.logs().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const accepted = lines.filter((l) => l.msg === 'message accepted' && l.listener === 'smtp');
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.at(-1)).toMatchObject({ svc: 'smtp', remote: '127.0.0.1', cid: expect.any(String), from: 'bob@ext.example', spf: 'pass' });
    expect(h.logs()).not.toContain('SECRET-BODY-MARKER-42');
  });
});

// The submission listeners (587 STARTTLS, 465 implicit TLS) against nodemailer, swaks and a
// bare socket: authentication, its throttling, sender ownership, DKIM signing, and where the
// message goes (local mailboxes at once, the outbound queue for the rest).
import { authenticate } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, zoneTextResolver, type DkimRecord } from '../../core/index.js';
import { HOSTNAME, RawSmtp, dataPayload, folder, header, message, serverLines, startHarness, swaks, type Harness } from './harness.js';

const PW = { alice: 'alice-password-1', bob: 'bob-password-1', carol: 'carol-password-1', dave: 'dave-password-1', eve: 'eve-password-1', frank: 'frank-password-1', zoe: 'zoe-password-1' };
const APP_PASSWORD = 'thunderbird-app-pw-7f3a';
const SEND_LIMIT = 5;
let h: Harness;
let rsaRecord: DkimRecord;
let edRecord: DkimRecord;

beforeAll(async () => {
  h = await startHarness({ env: { FACTEUR_AUTH_LOCK_ACCOUNT_AFTER: '3', FACTEUR_SUBMISSION_SEND_LIMIT_PER_HOUR: String(SEND_LIMIT) } });
  const a = h.accounts;
  await a.addDomain('facteur.test');
  await a.addDomain('second.test');
  for (const [name, password] of Object.entries(PW)) {
    await a.createUser({ address: `${name}@${name === 'zoe' ? 'second.test' : 'facteur.test'}`, password });
  }
  await a.setEnabled('dave@facteur.test', false);
  await a.addAlias('contact@facteur.test', ['alice@facteur.test']);
  await a.createGroup({ address: 'profs@facteur.test', members: ['alice@facteur.test', 'bob@facteur.test'] });
  const alice = await a.getUser('alice@facteur.test');
  await h.store.accounts.addAppPassword(alice.id, 'Thunderbird', await hashPassword(APP_PASSWORD, { memoryKib: 1024, iterations: 1, parallelism: 1 }));
  rsaRecord = await h.dkim.generate('facteur.test', { selector: 'mail2026', algorithm: 'rsa' });
  edRecord = await h.dkim.generate('second.test', { selector: 'ed2026', algorithm: 'ed25519' });
});
afterAll(() => h?.stop());

type TransportOptions = { port?: number; secure?: boolean; user?: string; pass?: string; authMethod?: string };
function transport(o: TransportOptions = {}) {
  return nodemailer.createTransport({
    host: '127.0.0.1', port: o.port ?? h.ports.submission, secure: o.secure ?? false, requireTLS: !o.secure,
    tls: { rejectUnauthorized: false, servername: HOSTNAME },
    auth: o.user ? { user: o.user, pass: o.pass ?? '' } : undefined,
    authMethod: o.authMethod,
  });
}

async function sendAs(o: TransportOptions, mail: Parameters<ReturnType<typeof transport>['sendMail']>[0]) {
  const t = transport(o);
  try {
    return await t.sendMail(mail);
  } finally {
    t.close();
  }
}

/** Verifies the DKIM signature of a stored copy with DNS holding only the published record. */
async function dkimOf(raw: string, record: DkimRecord) {
  const resolver = zoneTextResolver(`${record.name} TXT ${record.value.match(/.{1,255}/g)!.map((s) => `"${s}"`).join(' ')}\n`);
  const res = await authenticate(Buffer.from(raw), { ip: '127.0.0.1', sender: 'x@facteur.test', mta: 'verifier.example', resolver, disableBimi: true, disableArc: true });
  // mailauth@4 reports the algorithm as `algo`; its .d.ts calls it `algorithm`.
  return res.dkim.results.map((r) => ({ result: r.status.result, domain: r.signingDomain, algo: (r as unknown as { algo?: string }).algo }));
}

const asAlice = { user: 'alice@facteur.test', pass: PW.alice };

describe('submission: authentication', () => {
  it('offers AUTH PLAIN LOGIN and STARTTLS, and wants AUTH before MAIL (530 5.7.0)', async () => {
    const c = await RawSmtp.connect(h.ports.submission);
    const ehlo = await c.hello();
    expect(ehlo).toMatch(/^250-AUTH PLAIN LOGIN$/m);
    expect(ehlo).toMatch(/^250[- ]STARTTLS$/m);
    expect(await c.command('MAIL FROM:<alice@facteur.test>')).toBe('530 5.7.0 Authentication required');
    c.close();
  });

  it('nodemailer over STARTTLS with AUTH PLAIN: delivered at once, DKIM-signed (rsa-sha256), Received says ESMTPSA', async () => {
    const info = await sendAs(asAlice, { from: 'Alice <alice@facteur.test>', to: 'bob@facteur.test', subject: 'Emploi du temps', text: 'Voici le planning.' });
    expect(info.response).toMatch(/^250 2\.6\.0 /);
    const copy = (await folder(h.store, 'bob@facteur.test')).at(-1)!.raw;
    expect(header(copy, 'Subject')).toBe('Emploi du temps');
    expect(await dkimOf(copy, rsaRecord)).toEqual([{ result: 'pass', domain: 'facteur.test', algo: 'rsa-sha256' }]);
    expect(header(copy, 'Received')).toMatch(new RegExp(`^from unknown by ${HOSTNAME} \\(Facteur\\) with ESMTPSA id \\S+ \\(version=TLSv1\\.[23] cipher=\\S+\\) for <bob@facteur\\.test>;`));
    // The user's own address stays out of the headers (nodemailer says EHLO [127.0.0.1]).
    expect(copy).not.toContain('127.0.0.1');
  });

  it('implicit TLS (port 465) with AUTH LOGIN; a domain with an ed25519 key signs with it', async () => {
    const info = await sendAs({ port: h.ports.submissions, secure: true, user: 'zoe@second.test', pass: PW.zoe, authMethod: 'LOGIN' },
      { from: 'zoe@second.test', to: 'alice@facteur.test', subject: 'via 465', text: 'Bonjour.' });
    expect(info.response).toMatch(/^250 2\.6\.0 /);
    const copy = (await folder(h.store, 'alice@facteur.test')).at(-1)!.raw;
    expect(header(copy, 'Subject')).toBe('via 465');
    expect(await dkimOf(copy, edRecord)).toEqual([{ result: 'pass', domain: 'second.test', algo: 'ed25519-sha256' }]);
  });

  it('a loopback client may authenticate without TLS, as on the same machine (swaks, AUTH PLAIN)', async () => {
    const run = await swaks(['--port', String(h.ports.submission), '--auth', 'PLAIN', '--auth-user', 'alice@facteur.test', '--auth-password', PW.alice,
      '--from', 'alice@facteur.test', '--to', 'bob@facteur.test', '--header', 'From: alice@facteur.test', '--header', 'Subject: plain loopback']);
    expect(run.code).toBe(0);
    expect(serverLines(run)).toContain('235 2.7.0 Authentication successful');
    expect(header((await folder(h.store, 'bob@facteur.test')).at(-1)!.raw, 'Subject')).toBe('plain loopback');
  });

  it('an app password works like the account password (swaks, STARTTLS, AUTH LOGIN)', async () => {
    const run = await swaks(['--port', String(h.ports.submission), '--tls', '--auth', 'LOGIN', '--auth-user', 'alice@facteur.test', '--auth-password', APP_PASSWORD,
      '--from', 'alice@facteur.test', '--to', 'bob@facteur.test', '--header', 'From: alice@facteur.test', '--header', 'Subject: app password']);
    expect(run.code).toBe(0);
    expect(header((await folder(h.store, 'bob@facteur.test')).at(-1)!.raw, 'Subject')).toBe('app password');
  });

  it('a wrong password gets 535 5.7.8; after repeated failures 454 4.7.0 even with the right one, other users unaffected', async () => {
    const attempt = async (user: string, pass: string) => {
      const c = await RawSmtp.connect(h.ports.submission);
      await c.hello();
      const r = await c.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`);
      c.close();
      return r;
    };
    for (let i = 0; i < 3; i++) expect(await attempt('eve@facteur.test', 'guess-1234')).toBe('535 5.7.8 Authentication credentials invalid');
    expect(await attempt('eve@facteur.test', PW.eve)).toMatch(/^454 4\.7\.0 Too many failed logins: try again in \d+ seconds$/);
    // Alice, from the same address, is not locked out by someone guessing Eve's password.
    expect(await attempt('alice@facteur.test', PW.alice)).toBe('235 2.7.0 Authentication successful');
    const audit = await h.store.audit.query({ action: 'login.smtp', target: 'eve@facteur.test' });
    expect(audit.map((e) => e.success)).toEqual([false, false, false]);
  });

  it('a disabled account gets 525 5.7.13 with its right password; PLAIN for another identity is refused', async () => {
    const c = await RawSmtp.connect(h.ports.submission);
    await c.hello('client', { starttls: true });
    expect(await c.command(`AUTH PLAIN ${Buffer.from(`\0dave@facteur.test\0${PW.dave}`).toString('base64')}`)).toBe('525 5.7.13 Account disabled: ask your administrator');
    expect(await c.command(`AUTH PLAIN ${Buffer.from(`bob@facteur.test\0alice@facteur.test\0${PW.alice}`).toString('base64')}`)).toBe('535 5.7.8 Authentication credentials invalid');
    c.close();
  });

  it('a user disabled after logging in can no longer send (550 5.7.13)', async () => {
    const c = await RawSmtp.connect(h.ports.submission);
    await c.hello('client', { starttls: true });
    expect(await c.command(`AUTH PLAIN ${Buffer.from(`\0frank@facteur.test\0${PW.frank}`).toString('base64')}`)).toMatch(/^235 /);
    await h.accounts.setEnabled('frank@facteur.test', false);
    expect(await c.command('MAIL FROM:<frank@facteur.test>')).toBe('550 5.7.13 Account disabled: ask your administrator');
    c.close();
  });
});

describe('submission: senders and destinations', () => {
  it('refuses an envelope sender that is not the user\'s (553 5.7.1), the null sender included', async () => {
    await expect(sendAs(asAlice, { envelope: { from: 'bob@facteur.test', to: ['carol@facteur.test'] }, from: 'alice@facteur.test', text: 'x' }))
      .rejects.toMatchObject({ responseCode: 553, response: '553 5.7.1 Sender address <bob@facteur.test> does not belong to the authenticated user' });
    const c = await RawSmtp.connect(h.ports.submission);
    await c.hello('client', { starttls: true });
    await c.command(`AUTH PLAIN ${Buffer.from(`\0alice@facteur.test\0${PW.alice}`).toString('base64')}`);
    expect(await c.command('MAIL FROM:<>')).toMatch(/^553 5\.7\.1 /);
    c.close();
  });

  it('refuses a From: that is not the user\'s (553 5.7.1), and a second From: field (550 5.6.0)', async () => {
    const before = (await folder(h.store, 'carol@facteur.test')).length;
    await expect(sendAs(asAlice, { envelope: { from: 'alice@facteur.test', to: ['carol@facteur.test'] }, from: 'Le Principal <principal@facteur.test>', text: 'x' }))
      .rejects.toMatchObject({ responseCode: 553, response: '553 5.7.1 From: address <principal@facteur.test> does not belong to the authenticated user' });
    const twoFroms = `From: alice@facteur.test\r\n${message({ From: 'bob@facteur.test', To: 'carol@facteur.test', Subject: 'two authors' })}`;
    await expect(sendAs(asAlice, { envelope: { from: 'alice@facteur.test', to: ['carol@facteur.test'] }, raw: twoFroms }))
      .rejects.toMatchObject({ responseCode: 550, response: expect.stringMatching(/^550 5\.6\.0 /) });
    expect((await folder(h.store, 'carol@facteur.test')).length).toBe(before);
  });

  it('lets the user send as an alias that reaches them and as a group they belong to', async () => {
    for (const address of ['contact@facteur.test', 'profs@facteur.test']) {
      const info = await sendAs(asAlice, { envelope: { from: address, to: ['carol@facteur.test'] }, from: address, subject: `as ${address}`, text: 'x' });
      expect(info.response).toMatch(/^250 /);
    }
    const subjects = (await folder(h.store, 'carol@facteur.test')).map((m) => header(m.raw, 'Subject'));
    expect(subjects).toEqual(expect.arrayContaining(['as contact@facteur.test', 'as profs@facteur.test']));
  });

  it('queues remote recipients (signed, with our Received) and delivers the local ones at once', async () => {
    const before = (await folder(h.store, 'carol@facteur.test')).length;
    const info = await sendAs({ user: 'bob@facteur.test', pass: PW.bob }, {
      from: 'bob@facteur.test', to: ['parent@famille.example', 'other@famille.example', 'carol@facteur.test'], cc: 'mairie@ville.example',
      subject: 'Sortie', text: 'Autorisation jointe.', dsn: { id: 'ENV-42', return: 'headers', notify: ['failure'] },
    });
    expect(info.accepted).toHaveLength(4);
    expect((await folder(h.store, 'carol@facteur.test')).length).toBe(before + 1);
    const entries = (await h.store.queue.list()).filter((e) => e.from === 'bob@facteur.test');
    expect(entries.map((e) => [e.domain, e.recipients.map((r) => r.address).sort()]).sort()).toEqual([
      ['famille.example', ['other@famille.example', 'parent@famille.example']],
      ['ville.example', ['mairie@ville.example']],
    ]);
    expect(entries[0].meta).toMatchObject({ envid: 'ENV-42', ret: 'HDRS', origin: 'submission' });
    const queued = (await h.store.blobs.get(entries[0].blobId)).toString('utf8');
    expect(header(queued, 'Received')).toMatch(/with ESMTPSA id /);
    expect(await dkimOf(queued, rsaRecord)).toEqual([{ result: 'pass', domain: 'facteur.test', algo: 'rsa-sha256' }]);
  });

  it(`stops a user at ${SEND_LIMIT} messages an hour (450 4.7.1), others still send`, async () => {
    const c = await RawSmtp.connect(h.ports.submission);
    await c.hello();
    expect(await c.command(`AUTH PLAIN ${Buffer.from(`\0carol@facteur.test\0${PW.carol}`).toString('base64')}`)).toMatch(/^235 /);
    const replies: string[] = [];
    for (let i = 0; i <= SEND_LIMIT; i++) {
      await c.command('MAIL FROM:<carol@facteur.test>');
      await c.command('RCPT TO:<bob@facteur.test>');
      await c.command('DATA');
      c.write(dataPayload(message({ From: 'carol@facteur.test', Subject: `n${i}` })));
      replies.push(await c.reply());
    }
    c.close();
    expect(replies.slice(0, SEND_LIMIT).every((r) => r.startsWith('250 '))).toBe(true);
    expect(replies[SEND_LIMIT]).toBe('450 4.7.1 Sending limit reached: too many messages this hour, try again later');
    const info = await sendAs({ user: 'bob@facteur.test', pass: PW.bob }, { from: 'bob@facteur.test', to: 'carol@facteur.test', text: 'still fine' });
    expect(info.response).toMatch(/^250 /);
  });

  it('never logs a password', () => {
    for (const password of [...Object.values(PW), APP_PASSWORD]) expect(h.logs()).not.toContain(password);
    expect(h.logs()).toContain('"msg":"authenticated"');
  });
});

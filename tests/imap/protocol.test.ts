// The IMAP server on the wire, with a bare socket: greeting and capabilities, malformed and
// hostile input (BAD and the session goes on), literal and line limits, STARTTLS (no plaintext
// injection), LOGINDISABLED, AUTHENTICATE PLAIN, sequence numbers across sessions, and a
// client that does not read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage, Authenticator } from '../../core/index.js';
import { createLogger } from '../../core/log.js';
import type { Service } from '../../core/service.js';
import { createImapService } from '../../imap/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

const APPEND_LIMIT = 2 * 1024 * 1024;
let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness({ FACTEUR_SMTP_MAX_MESSAGE_BYTES: String(APPEND_LIMIT) });
  user = await h.user('dora');
});
afterAll(() => h?.stop());

async function connect(port = h.ports.imap, tls = false): Promise<{ c: RawImap; greeting: string }> {
  const c = await RawImap.connect(port, { tls });
  const greeting = await c.until(/^\* OK .*\r\n/);
  return { c, greeting };
}

async function loggedIn(): Promise<RawImap> {
  const { c } = await connect();
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  return c;
}

const plain = (authz: string, authc: string, pass: string) => Buffer.from(`${authz}\0${authc}\0${pass}`).toString('base64');

describe('IMAP on the wire', () => {
  it('greets with its capabilities; from loopback, LOGIN is allowed without TLS', async () => {
    const { c, greeting } = await connect();
    expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 [^\]]*\] /);
    const caps = await c.command('a', 'CAPABILITY');
    expect(caps).toMatch(/^\* CAPABILITY IMAP4rev1 .*STARTTLS.*AUTH=PLAIN/m);
    expect(caps).toContain(`APPENDLIMIT=${APPEND_LIMIT}`);
    expect(caps).not.toContain('LOGINDISABLED');
    expect(caps).toContain('CONDSTORE');
    expect(await c.command('b', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^b OK \[CAPABILITY IMAP4rev1 [^\]]*\] Logged in/m);
    const after = await c.command('c', 'CAPABILITY');
    expect(after).not.toMatch(/STARTTLS|AUTH=/);
    expect(await c.command('d', 'LOGOUT')).toMatch(/^\* BYE .*\r\nd OK /m);
    c.close();
  });

  it('answers malformed commands with BAD and goes on', async () => {
    const c = await loggedIn();
    await c.command('s', 'SELECT INBOX');
    const bad: [string, RegExp][] = [
      ['a1 FOO', /^a1 BAD Unknown command FOO/m],
      ['a2 FETCH', /^a2 BAD /m],
      ['a3 FETCH 0 FLAGS', /^a3 BAD /m],
      ['a4 FETCH 1:* (FLAGS', /^a4 BAD /m],
      ['a5 FETCH 1 BODY[1.]', /^a5 BAD /m],
      ['a6 FETCH 99 FLAGS', /^a6 BAD Invalid message sequence number/m],
      ['a7 UID FETCH x FLAGS', /^a7 BAD /m],
      ['a8 STORE 1 +FLAGS (\\Bogus)', /^a8 BAD /m],
      ['a9 SEARCH FOO', /^a9 BAD /m],
      ['b1 SEARCH OR SEEN', /^b1 BAD /m],
      ['b2 SELECT "unterminated', /^b2 BAD /m],
      ['b3 NOOP extra', /^b3 BAD /m],
      ['b4 UID NOOP', /^b4 BAD /m],
      ['b5 LIST', /^b5 BAD /m],
      ['b6 STATUS INBOX (BOGUS)', /^b6 BAD /m],
      ['b7 LOGIN a b', /^b7 BAD /m], // wrong state
      ['b8 FETCH 1:2,$ FLAGS', /^b8 BAD /m],
      ['b9 APPEND INBOX (\\Seen) "not a date" {1+}\r\nx', /^b9 BAD /m],
      ['c1 SEARCH CHARSET KOI8-R ALL', /^c1 NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/m],
      ['c2 SELECT No&AOk', /^c2 NO /m],
      ['c3 FETCH 1 (BODY[HEADER.FIELDS ()])', /^c3 BAD /m],
      ['c4 ID ("a")', /^c4 BAD /m],
      ['c5 SEARCH ' + 'NOT '.repeat(200) + 'ALL', /^c5 BAD /m],
      ['+ NOOP', /^\* BAD /m],
    ];
    for (const [command, expected] of bad) {
      const [tag, ...rest] = command.split(' ');
      c.send(`${tag} ${rest.join(' ')}\r\n`);
      expect(await c.until(/(BAD|NO|OK)[^\r\n]*\r\n$/)).toMatch(expected);
    }
    c.send('\x00\x01\xff garbage\r\n');
    expect(await c.until(/\r\n$/)).toMatch(/^\* BAD /);
    expect(await c.command('z', 'NOOP')).toMatch(/^z OK /m);
    c.close();
  });

  it('survives a stream of random commands and still answers', async () => {
    const c = await loggedIn();
    await c.command('s', 'SELECT INBOX');
    const names = ['FETCH', 'UID FETCH', 'STORE', 'UID STORE', 'SEARCH', 'UID SEARCH', 'COPY', 'MOVE', 'LIST', 'LSUB', 'STATUS',
      'SELECT', 'EXAMINE', 'CREATE', 'RENAME', 'APPEND', 'EXPUNGE', 'UID EXPUNGE', 'ENABLE', 'ID', 'NOOP', 'XYZZY'];
    const tokens = [' ', '(', ')', '[', ']', '<0.5>', '1', '1:*', '*', '$', '"', '"x"', '\\Seen', 'BODY', 'BODY[]', 'HEADER.FIELDS',
      'NIL', 'INBOX', 'OR', 'NOT', 'UID', 'ALL', '%', '\\', '\xe9', '\x01', 'FLAGS', '+FLAGS', 'CHARSET', '{3+}\r\nabc'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    let batch = '';
    for (let i = 0; i < 300; i++) {
      let args = '';
      for (let j = Math.floor(rnd() * 8); j > 0; j--) args += tokens[Math.floor(rnd() * tokens.length)];
      const name = names[Math.floor(rnd() * names.length)];
      if (name === 'RENAME' || name === 'CREATE') continue; // would really rename or create things
      batch += `r${i} ${name} ${args}\r\n`;
    }
    c.send(Buffer.from(batch, 'latin1'));
    c.send('z NOOP\r\n');
    const out = await c.until(/^z OK .*\r\n/m, 20_000);
    expect(out).not.toMatch(/SERVERBUG/);
    expect(await c.command('y', 'NOOP')).toMatch(/^y OK/m);
    c.close();
  });

  it('refuses a synchronizing literal above the limit before reading it, and drops a LITERAL+ one', async () => {
    const c = await loggedIn();
    c.send(`t1 APPEND INBOX {${APPEND_LIMIT + 1}}\r\n`);
    const refused = await c.until(/t1 .*\r\n/);
    expect(refused).toMatch(/^t1 NO \[TOOBIG\] /m);
    expect(refused).not.toMatch(/^\+/m);
    c.send('t2 LOGIN {100000}\r\n');
    expect(await c.until(/t2 .*\r\n/)).toMatch(/^t2 BAD |^t2 NO \[TOOBIG\]/m);
    // The client sends a LITERAL+ anyway: the server reads past it and answers.
    c.send(`t3 APPEND INBOX {${APPEND_LIMIT + 10}+}\r\n`);
    c.send(Buffer.alloc(APPEND_LIMIT + 10, 'a'));
    c.send('\r\nt4 NOOP\r\n');
    const out = await c.until(/t4 OK.*\r\n/, 10_000);
    expect(out).toMatch(/^t3 NO \[TOOBIG\]/m);
    c.close();
  });

  it('refuses an over-long line and goes on', async () => {
    const c = await loggedIn();
    c.send(`t1 SEARCH SUBJECT ${'x'.repeat(200_000)}\r\nt2 NOOP\r\n`);
    const out = await c.until(/t2 OK.*\r\n/);
    expect(out).toMatch(/^t1 BAD \[TOOBIG\]/m);
    c.close();
  });

  it('accepts literals in arguments, with and without LITERAL+', async () => {
    const { c } = await connect();
    c.send(`a LOGIN {${user.length}}\r\n`);
    expect(await c.until(/^\+ .*\r\n/)).toMatch(/^\+ /);
    c.send(`${user} {${PASSWORD.length}+}\r\n${PASSWORD}\r\n`);
    expect(await c.until(/^a .*\r\n/m)).toMatch(/^a OK /m);
    c.close();
  });

  it('STARTTLS drops commands pipelined before the handshake (no plaintext injection)', async () => {
    const { c } = await connect();
    c.send('s1 STARTTLS\r\ns2 LOGIN injected x\r\n');
    expect(await c.until(/s1 .*\r\n/)).toMatch(/^s1 OK /m);
    await c.startTls();
    const caps = await c.command('s3', 'CAPABILITY');
    expect(caps).not.toContain('s2');
    expect(caps).not.toMatch(/STARTTLS/);
    expect(caps).toMatch(/AUTH=PLAIN/);
    expect(await c.command('s4', 'STARTTLS')).toMatch(/^s4 BAD /m);
    expect(await c.command('s5', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^s5 OK /m);
    c.close();
  });

  it('AUTHENTICATE PLAIN with an initial response, with a continuation, and cancelled', async () => {
    const { c } = await connect(h.ports.imaps, true);
    c.send('a1 AUTHENTICATE PLAIN\r\n');
    expect(await c.until(/^\+ \r\n/)).toBe('+ \r\n');
    c.send('*\r\n');
    expect(await c.until(/a1 .*\r\n/)).toMatch(/^a1 BAD /m);
    expect(await c.command('a2', `AUTHENTICATE PLAIN ${plain('', user, 'wrong')}`)).toMatch(/^a2 NO \[AUTHENTICATIONFAILED\]/m);
    expect(await c.command('a3', `AUTHENTICATE PLAIN ${plain('someone@else', user, PASSWORD)}`)).toMatch(/^a3 NO \[AUTHORIZATIONFAILED\]/m);
    expect(await c.command('a4', 'AUTHENTICATE PLAIN not-base64!')).toMatch(/^a4 BAD /m);
    expect(await c.command('a5', 'AUTHENTICATE CRAM-MD5')).toMatch(/^a5 NO /m);
    c.send('a6 AUTHENTICATE PLAIN\r\n');
    await c.until(/^\+ \r\n/);
    c.send(`${plain(user, user, PASSWORD)}\r\n`);
    expect(await c.until(/a6 .*\r\n/)).toMatch(/^a6 OK \[CAPABILITY /m);
    c.close();
    const { c: d } = await connect();
    expect(await d.command('b1', `AUTHENTICATE PLAIN ${plain('', user, PASSWORD)}`)).toMatch(/^b1 OK /m);
    d.close();
  });

  it('lists mailbox names in modified UTF-7 and takes them back', async () => {
    const c = await loggedIn();
    expect(await c.command('a', 'CREATE "Envoy&AOk-s/Pi&AOg-ces"')).toMatch(/^a OK /m);
    const list = await c.command('b', 'LIST "" "Envoy&AOk-s*"');
    expect(list).toContain('* LIST (\\HasChildren) "/" "Envoy&AOk-s"\r\n');
    expect(list).toContain('* LIST (\\HasNoChildren) "/" "Envoy&AOk-s/Pi&AOg-ces"\r\n');
    expect(await c.command('c', 'LIST "" %')).toMatch(/^\* LIST \(\\HasNoChildren\) "\/" "INBOX"\r\n/m);
    expect(await c.command('d', 'LIST "" ""')).toMatch(/^\* LIST \(\\Noselect\) "\/" ""\r\n/m);
    expect(await c.command('e', 'LIST (SPECIAL-USE) "" *')).toMatch(/^\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent"\r\n(?:\* LIST \([^)]*\\(?:Drafts|Trash|Junk|Archive)\) [^\r]*\r\n)*e OK/m);
    expect(await c.command('f', 'STATUS "Envoy&AOk-s" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN SIZE)')).toMatch(/^\* STATUS "Envoy&AOk-s" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 SIZE 0\)\r\n/m);
    c.close();
  });

  it('a CREATE refused for its name leaves no superior mailbox behind; LIST with many wildcards answers at once', async () => {
    const c = await loggedIn();
    expect(await c.command('a', `CREATE "Deep/${'W'.repeat(1200)}"`)).toMatch(/^a NO /m);
    expect(await c.command('b', 'LIST "" "Deep*"')).toMatch(/^b OK /);
    // Ten stars against a 30-character name took seconds with a regular expression; twenty, hours.
    expect(await c.command('c', `CREATE ${'A'.repeat(30)}`)).toMatch(/^c OK /m);
    const start = performance.now();
    expect(await c.command('d', `LIST "" "${'*'.repeat(10)}x"`)).toMatch(/^d OK /);
    expect(await c.command('e', `LIST "" "${'*A'.repeat(40)}x"`)).toMatch(/^e OK /);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(await c.command('f', `LIST "" "${'A'.repeat(300)}"`)).toMatch(/^f BAD .*longer than 256/m);
    c.close();
  });

  it('keeps sequence numbers stable during FETCH and tells of expunges at the next allowed command', async () => {
    const a = await loggedIn();
    const b = await loggedIn();
    await a.command('c', 'CREATE Seq');
    for (let i = 1; i <= 3; i++) {
      const m = message({ Subject: `n${i}` });
      expect(await a.command(`p${i}`, `APPEND Seq {${m.length}+}\r\n${m}`)).toMatch(new RegExp(`^p${i} OK \\[APPENDUID \\d+ ${i}\\]`, 'm'));
    }
    expect(await a.command('s', 'SELECT Seq')).toMatch(/^\* 3 EXISTS\r\n/m);
    await b.command('s', 'SELECT Seq');
    expect(await b.command('d', 'STORE 2 +FLAGS.SILENT (\\Deleted)')).toMatch(/^d OK/m);
    expect(await b.command('e', 'EXPUNGE')).toMatch(/^\* 2 EXPUNGE\r\ne OK/m);
    // A still counts 3 messages; no EXPUNGE while answering FETCH (RFC 9051 §7.5.1).
    const fetched = await a.command('f', 'FETCH 1:3 (UID FLAGS)');
    expect(fetched).not.toMatch(/^\* \d+ EXPUNGE/m);
    expect(fetched).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\)\)\r\n\* 3 FETCH \(UID 3 FLAGS \(\)\)\r\nf NO \[EXPUNGEISSUED\]/m);
    expect(await a.command('n', 'NOOP')).toMatch(/^\* 2 EXPUNGE\r\nn OK/m);
    expect(await a.command('g', 'FETCH 2 (UID)')).toMatch(/^\* 2 FETCH \(UID 3\)\r\n/m);
    // MOVE: COPYUID first, then the EXPUNGE (RFC 6851 §4.3).
    expect(await a.command('m', 'MOVE 1 Trash')).toMatch(/^\* OK \[COPYUID \d+ 1 \d+\] Moved\r\n\* 1 EXPUNGE\r\nm OK/m);
    // B learns of the move, and of a flag change made by A.
    expect(await a.command('h', 'STORE 1 +FLAGS (\\Flagged)')).toMatch(/^\* 1 FETCH \(FLAGS \(\\Flagged\)\)\r\nh OK/m);
    expect(await b.command('n', 'NOOP')).toMatch(/^\* 1 EXPUNGE\r\n\* 1 FETCH \(UID 3 FLAGS \(\\Flagged\)\)\r\nn OK/m);
    a.close();
    b.close();
  });

  it('IDLE sends another session’s changes at once and ends on DONE', async () => {
    const a = await loggedIn();
    const b = await loggedIn();
    await a.command('c', 'CREATE Idle');
    await a.command('s', 'SELECT Idle');
    a.send('i IDLE\r\n');
    expect(await a.until(/^\+ .*\r\n/)).toMatch(/^\+ idling/);
    const m = message({ Subject: 'ping' });
    await b.command('p', `APPEND Idle {${m.length}+}\r\n${m}`);
    expect(await a.until(/\* 1 EXISTS\r\n/)).toContain('* 1 EXISTS');
    a.send('DONE\r\n');
    expect(await a.until(/^i .*\r\n/m)).toMatch(/^i OK /m);
    a.close();
    b.close();
  });

  it('LSUB, RENAME of INBOX, and DELETE of a mailbox another session has selected', async () => {
    const a = await loggedIn();
    await a.command('c1', 'CREATE Club/Echecs');
    expect(await a.command('s1', 'SUBSCRIBE Club/Echecs')).toMatch(/^s1 OK/m);
    expect(await a.command('l1', 'LSUB "" Club/*')).toMatch(/^\* LSUB \(\) "\/" "Club\/Echecs"\r\nl1 OK/m);
    expect(await a.command('l2', 'LSUB "" %')).toMatch(/^\* LSUB \(\\Noselect\) "\/" "Club"\r\n/m);
    expect(await a.command('s2', 'UNSUBSCRIBE Club/Echecs')).toMatch(/^s2 OK/m);
    expect(await a.command('l3', 'LSUB "" Club/*')).toMatch(/^l3 OK/);
    expect(await a.command('s3', 'SUBSCRIBE Nowhere')).toMatch(/^s3 NO \[NONEXISTENT\]/m);

    const m = message({ Subject: 'in inbox' });
    await a.command('p', `APPEND INBOX {${m.length}+}\r\n${m}`);
    const before = Number(/MESSAGES (\d+)/.exec(await a.command('st', 'STATUS INBOX (MESSAGES)'))![1]);
    expect(before).toBeGreaterThan(0);
    expect(await a.command('r', 'RENAME INBOX "Old inbox"')).toMatch(/^r OK/m);
    expect(await a.command('st2', 'STATUS INBOX (MESSAGES)')).toMatch(/MESSAGES 0\)/);
    expect(await a.command('st3', 'STATUS "Old inbox" (MESSAGES)')).toMatch(new RegExp(`MESSAGES ${before}\\)`));
    expect(await a.command('d0', 'DELETE INBOX')).toMatch(/^d0 NO /m);

    const b = await loggedIn();
    expect(await b.command('s', 'SELECT "Old inbox"')).toMatch(/^s OK/m);
    expect(await a.command('d', 'DELETE "Old inbox"')).toMatch(/^d OK/m);
    expect(await b.command('n', 'NOOP', 5000).catch((e: Error) => e.message)).toMatch(/\* BYE Selected mailbox was deleted/);
    a.close();
    b.close();
  });

  it('never writes passwords to the log, and logs each connection with its id and user', () => {
    const logs = h.logs();
    expect(logs).not.toContain(PASSWORD);
    expect(logs).toMatch(/"svc":"imap","cid":"i[0-9a-z]+","remote":"127\.0\.0\.1","listener":"imap","user":"dora@ecole\.test".*"msg":"logged in"/);
  });

  it('CONDSTORE: HIGHESTMODSEQ, MODSEQ in FETCH, CHANGEDSINCE, UNCHANGEDSINCE and SEARCH MODSEQ', async () => {
    const c = await loggedIn();
    await c.command('c', 'CREATE Cond');
    for (let i = 1; i <= 3; i++) {
      const m = message({ Subject: `c${i}` });
      await c.command(`p${i}`, `APPEND Cond {${m.length}+}\r\n${m}`);
    }
    expect(await c.command('e', 'ENABLE CONDSTORE X-UNKNOWN')).toMatch(/^\* ENABLED CONDSTORE\r\ne OK/m);
    expect(await c.command('e2', 'ENABLE CONDSTORE')).toMatch(/^\* ENABLED\r\ne2 OK/m); // already enabled
    const status = await c.command('s', 'STATUS Cond (HIGHESTMODSEQ)');
    const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(status)![1]);
    const selected = await c.command('t', 'SELECT Cond (CONDSTORE)');
    expect(selected).toContain(`* OK [HIGHESTMODSEQ ${highest}]`);
    expect(await c.command('e3', 'ENABLE CONDSTORE')).toMatch(/^e3 BAD /m); // not with a mailbox selected (RFC 5161 §3.1)
    const stored = await c.command('u', 'STORE 2 +FLAGS (\\Seen)');
    const m2 = Number(/^\* 2 FETCH \(FLAGS \(\\Seen\) MODSEQ \((\d+)\)\)/m.exec(stored)![1]);
    expect(m2).toBeGreaterThan(highest);
    expect(await c.command('f', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`)).toMatch(new RegExp(`^\\* 2 FETCH \\(FLAGS \\(\\\\Seen\\) MODSEQ \\(${m2}\\)\\)\\r\\nf OK`, 'm'));
    expect(await c.command('g', `UID STORE 1:3 (UNCHANGEDSINCE ${highest}) +FLAGS.SILENT (\\Flagged)`))
      .toMatch(/^\* 1 FETCH \(UID 1 MODSEQ \(\d+\)\)\r\n\* 3 FETCH \(UID 3 MODSEQ \(\d+\)\)\r\ng OK \[MODIFIED 2\]/m);
    expect(await c.command('h', `SEARCH MODSEQ ${m2}`)).toMatch(/^\* SEARCH 1 2 3 \(MODSEQ \d+\)\r\n/m);
    expect(await c.command('i', `SEARCH MODSEQ "/flags/\\\\seen" all ${m2 + 100}`)).toMatch(/^\* SEARCH\r\n/m);
    c.close();
  });

  it('a client that does not read makes the server wait, not buffer the whole FETCH', async () => {
    const owner = await h.store.accounts.getUserByAddress(user);
    const mailbox = await h.store.mail.createMailbox(owner!.id, 'Big');
    const big = Buffer.from(message({ Subject: 'big' }, `${'y'.repeat(76)}\r\n`.repeat(20_000))); // ~1.5 MB
    await appendRawMessage(h.store, mailbox.id, big);
    // Copies share the stored blob: cheap to make, but each is read and sent on its own.
    for (let i = 1; i < 30; i++) await h.store.mail.copyMessages(mailbox.id, [1], mailbox.id);
    const c = await loggedIn();
    await c.command('s', 'EXAMINE Big');
    const before = process.memoryUsage().arrayBuffers;
    c.pause();
    c.send('f FETCH 1:* BODY.PEEK[]\r\n');
    await new Promise((r) => setTimeout(r, 1500));
    const grown = process.memoryUsage().arrayBuffers - before;
    // 30 messages of 1.5 MB are 45 MB; with backpressure only a few are in flight.
    expect(grown).toBeLessThan(20 * 1024 * 1024);
    c.resume();
    const out = await c.until(/^f OK .*\r\n/m, 30_000);
    expect(out.match(/^\* \d+ FETCH /gm)).toHaveLength(30);
    c.close();
  });
});

describe('after all of the above', () => {
  it('logged no internal error (malformed input is the client\'s fault, not a fault)', () => {
    const errors = h.logs().split('\n').filter((l) => /"level":50/.test(l));
    expect(errors).toEqual([]);
  });
});

describe('IMAP without loopback exemption', () => {
  let service: Service;
  let port: number;

  beforeAll(async () => {
    const { readFileSync } = await import('node:fs');
    const dataDir = h.dataDir;
    service = createImapService({
      host: '127.0.0.1', ports: { imap: 0, imaps: 0 },
      tls: { cert: readFileSync(`${dataDir}/tls/cert.pem`, 'utf8'), key: readFileSync(`${dataDir}/tls/key.pem`, 'utf8') },
      store: h.store, authenticator: new Authenticator(h.store, { hash: { memoryKib: 1024, iterations: 1, parallelism: 1 } }),
      log: createLogger({ level: 'silent' }), maxMessageBytes: APPEND_LIMIT, loopbackIsSecure: false, preAuthTimeoutMs: 2000,
    });
    port = (await service.start()).listeners.find((l) => l.name === 'imap')!.port;
  });
  afterAll(() => service?.stop(1000));

  it('advertises LOGINDISABLED and refuses LOGIN until STARTTLS', async () => {
    const { c, greeting } = await connect(port);
    expect(greeting).toMatch(/LOGINDISABLED/);
    expect(greeting).not.toMatch(/AUTH=PLAIN/);
    expect(await c.command('a', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^a NO \[PRIVACYREQUIRED\]/m);
    expect(await c.command('b', `AUTHENTICATE PLAIN ${plain('', user, PASSWORD)}`)).toMatch(/^b NO \[PRIVACYREQUIRED\]/m);
    await c.command('c', 'STARTTLS');
    await c.startTls();
    const caps = await c.command('d', 'CAPABILITY');
    expect(caps).toMatch(/AUTH=PLAIN/);
    expect(caps).not.toMatch(/LOGINDISABLED/);
    expect(await c.command('e', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^e OK /m);
    c.close();
  });

  it('closes a connection that does not log in in time', async () => {
    const { c } = await connect(port);
    expect(await c.until(/\* BYE .*\r\n/, 5000)).toMatch(/^\* BYE Autologout/m);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.closed).toBe(true);
  });

  it('says BYE to connected clients when the service stops (last: it stops the service)', async () => {
    const { c } = await connect(port);
    await c.command('s', 'STARTTLS');
    await c.startTls();
    await c.command('l', `LOGIN ${user} "${PASSWORD}"`);
    c.send('i IDLE\r\n');
    await c.until(/^\+ /m);
    const { c: d } = await connect(port);
    const stopped = service.stop(2000);
    expect(await d.until(/\* BYE .*\r\n/)).toMatch(/^\* BYE Server shutting down/m);
    expect(await c.until(/\* BYE .*\r\n/)).toMatch(/^i OK IDLE terminated.*\r\n\* BYE Server shutting down/m);
    await stopped;
  });
});

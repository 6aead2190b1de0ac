// BINARY (RFC 3516), OBJECTID (RFC 8474), UTF8=ACCEPT (RFC 6855) and IMAP4rev2 (RFC 9051)
// behaviour after ENABLE, on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;
let userId: string;

const MULTI = [
  'From: a@x.test', 'Subject: pj', 'Message-ID: <root@x>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=b', '',
  '--b', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
  'caf=C3=A9 cr=C3=A8me=', ' br=FBl=E9e', // soft break joins the lines
  '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '',
  Buffer.from([0, 1, 2, 0xff, 0x41]).toString('base64'),
  '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: x-uuencode', '', 'begin 644 x', '--b--', '',
].join('\r\n');

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('remi');
  userId = (await h.store.accounts.getUserByAddress(user))!.id;
  const box = await h.store.mail.createMailbox(userId, 'B');
  await appendRawMessage(h.store, box.id, Buffer.from(MULTI));
  await appendRawMessage(h.store, box.id, Buffer.from(message({ Subject: 'Re: pj', 'Message-ID': '<r2@x>', References: '<root@x>' })));
  await appendRawMessage(h.store, box.id, Buffer.from(message({ Subject: 'autre' })));
});
afterAll(() => h?.stop());

async function login(): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  return c;
}

describe('BINARY', () => {
  it('serves decoded parts, literal8 where there is NUL, sizes, partials, and NO [UNKNOWN-CTE]', async () => {
    const c = await login();
    expect(await c.command('c', 'CAPABILITY')).toMatch(/ BINARY /);
    await c.command('s', 'EXAMINE B');
    let r = await c.command('a', 'FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])');
    // =FB and =E9 decode to single Latin-1 octets, the rest to UTF-8 ones; the soft break joins the lines.
    expect(Buffer.from(r, 'latin1').includes(Buffer.from('caf\xc3\xa9 cr\xc3\xa8me br\xfbl\xe9e', 'latin1'))).toBe(true);
    expect(r).toMatch(/BINARY\[1\] \{19\}\r\n/);
    expect(r).toMatch(/BINARY\.SIZE\[1\] 19/);
    r = await c.command('b', 'FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])');
    expect(r).toContain('BINARY[2] ~{5}\r\n\x00\x01\x02\xffA');
    expect(r).toMatch(/BINARY\.SIZE\[2\] 5/);
    r = await c.command('d', 'FETCH 1 (BINARY.PEEK[2]<0.2> BINARY.PEEK[2]<1.2>)');
    expect(r).toContain('BINARY[2]<0> ~{2}\r\n\x00\x01');
    expect(r).toContain('BINARY[2]<1> {2}\r\n\x01\x02'); // no NUL left: a plain literal
    expect(await c.command('e', 'FETCH 1 (BINARY.PEEK[3])')).toMatch(/^e NO \[UNKNOWN-CTE\]/m);
    expect(await c.command('f', 'FETCH 1 (BINARY.PEEK[9])')).toMatch(/BINARY\[9\] NIL/);
    expect(await c.command('g', 'FETCH 1 (BINARY.PEEK[1.x])')).toMatch(/^g BAD /m);
    c.close();
  });

  it('takes a literal8 in APPEND (NUL octets included) and BINARY[] gives it back whole', async () => {
    const c = await login();
    const raw = Buffer.concat([Buffer.from('Subject: bin\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'), Buffer.from([0, 0x41, 0, 0x0d, 0x0a])]);
    c.send(Buffer.concat([Buffer.from(`a APPEND B ~{${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
    expect(await c.until(/^a (OK|NO|BAD).*\r\n/m)).toMatch(/^a OK \[APPENDUID \d+ 4\]/m);
    await c.command('s', 'EXAMINE B');
    const r = await c.command('b', 'UID FETCH 4 (BINARY.PEEK[] BINARY.PEEK[1])');
    expect(r).toContain(`BINARY[] ~{${raw.length}}\r\n${raw.toString('latin1')}`);
    c.close();
  });
});

describe('OBJECTID', () => {
  it('EMAILID and THREADID in FETCH and SEARCH, MAILBOXID at SELECT, CREATE and STATUS', async () => {
    const c = await login();
    expect(await c.command('c', 'CAPABILITY')).toMatch(/ OBJECTID/);
    const sel = await c.command('s', 'SELECT B');
    const mailboxId = /\* OK \[MAILBOXID \(([\w-]+)\)\]/.exec(sel)![1];
    expect(await c.command('t', 'STATUS B (MAILBOXID)')).toContain(`MAILBOXID (${mailboxId})`);
    const r = await c.command('a', 'FETCH 1:3 (EMAILID THREADID)');
    const ids = [...r.matchAll(/\* (\d) FETCH \(EMAILID \(([\w-]+)\) THREADID \(([\w-]+)\)\)/g)].map((m) => ({ email: m[2], thread: m[3] }));
    expect(ids).toHaveLength(3);
    expect(new Set(ids.map((i) => i.email)).size).toBe(3);
    expect(ids[1].thread).toBe(ids[0].thread); // the reply joined its parent's thread
    expect(ids[2].thread).not.toBe(ids[0].thread);
    expect(await c.command('b', `SEARCH THREADID ${ids[0].thread}`)).toMatch(/^\* SEARCH 1 2\r\n/m);
    expect(await c.command('d', `SEARCH EMAILID ${ids[2].email}`)).toMatch(/^\* SEARCH 3\r\n/m);
    // A copy keeps its EMAILID (RFC 8474 §5.1: same message, same id).
    await c.command('e', 'COPY 3 Archive');
    await c.command('f', 'EXAMINE Archive');
    expect(await c.command('g', 'FETCH 1 (EMAILID)')).toContain(`EMAILID (${ids[2].email})`);
    const created = await c.command('h', 'CREATE Neuf');
    expect(created).toMatch(/^h OK \[MAILBOXID \([\w-]+\)\]/m);
    c.close();
  });
});

describe('UTF8=ACCEPT and IMAP4rev2', () => {
  it('UTF8=ACCEPT: mailbox names in UTF-8 both ways, APPEND UTF8 (~{n})', async () => {
    const c = await login();
    expect(await c.command('x', 'APPEND B UTF8 (~{12+}\r\nSubject: x\r\n)')).toMatch(/^x BAD /m);
    expect(await c.command('e', 'ENABLE UTF8=ACCEPT')).toMatch(/^\* ENABLED UTF8=ACCEPT\r\n/m);
    const name = Buffer.from('Élèves 6e', 'utf8');
    c.send(Buffer.concat([Buffer.from(`a CREATE {${name.length}+}\r\n`), name, Buffer.from('\r\n')]));
    expect(await c.until(/^a (OK|NO|BAD).*\r\n/m)).toMatch(/^a OK /m);
    expect((await h.store.mail.listMailboxes(userId)).map((m) => m.name)).toContain('Élèves 6e');
    const r = await c.command('b', 'LIST "" "*ves*"');
    expect(Buffer.from(r, 'latin1').toString('utf8')).toContain('Élèves 6e');
    expect(r).not.toContain('&AMk-');
    const msg = Buffer.from('Subject: Année scolaire\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDéjà là\r\n', 'utf8');
    c.send(Buffer.concat([Buffer.from(`u APPEND B UTF8 (~{${msg.length}+}\r\n`), msg, Buffer.from(')\r\n')]));
    expect(await c.until(/^u (OK|NO|BAD).*\r\n/m)).toMatch(/^u OK \[APPENDUID/m);
    c.close();
  });

  it('ENABLE IMAP4rev2: ESEARCH for SEARCH, no RECENT, LIST in SELECT, UTF-8 names, no LSUB', async () => {
    const c = await login();
    expect(await c.command('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY IMAP4rev1 IMAP4rev2 /m);
    // Before: a rev1 session.
    let r = await c.command('s', 'SELECT B');
    expect(r).toMatch(/^\* 0 RECENT/m);
    await c.command('u', 'UNSELECT');
    expect(await c.command('e', 'ENABLE IMAP4rev2')).toMatch(/^\* ENABLED IMAP4rev2\r\n/m);
    r = await c.command('s2', 'SELECT B');
    expect(r).not.toMatch(/RECENT|\[UNSEEN/);
    expect(r).toMatch(/^\* LIST \(\) "\/" "B"\r\n/m);
    r = await c.command('a', 'SEARCH SUBJECT pj');
    expect(r).toMatch(/^\* ESEARCH \(TAG "a"\) ALL 1:2\r\n/m);
    expect(r).not.toMatch(/^\* SEARCH/m);
    r = await c.command('b', 'UID SEARCH NOT SUBJECT pj');
    expect(r).toMatch(/^\* ESEARCH \(TAG "b"\) UID ALL 3:\d+\r\n/m);
    r = await c.command('d', 'STATUS INBOX (MESSAGES RECENT)');
    expect(r).toMatch(/^\* STATUS "INBOX" \(MESSAGES 0\)\r\n/m);
    expect(await c.command('f', 'LSUB "" "*"')).toMatch(/^f BAD /m);
    r = await c.command('g', 'LIST "" "É*"');
    // 8-bit names go as literals, in UTF-8.
    expect(Buffer.from(r, 'latin1').toString('utf8')).toMatch(/\* LIST \(\\HasNoChildren\) "\/" \{11\}\r\nÉlèves 6e\r\n/);
    c.close();
  });
});

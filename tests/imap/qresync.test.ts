// QRESYNC (RFC 7162 §3.2): ENABLE, SELECT (QRESYNC ...), UID FETCH (CHANGEDSINCE VANISHED),
// VANISHED instead of EXPUNGE, HIGHESTMODSEQ after EXPUNGE, [CLOSED]; with a bare socket and
// with imapflow's qresync mode.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import type { Mailbox } from '../../storage/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;
let userId: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('quentin');
  userId = (await h.store.accounts.getUserByAddress(user))!.id;
});
afterAll(() => h?.stop());

async function login(enable = true): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  if (enable) expect(await c.command('e', 'ENABLE QRESYNC')).toMatch(/^\* ENABLED QRESYNC\r\ne OK /m);
  return c;
}

async function mailbox(name: string, n: number): Promise<Mailbox> {
  const box = await h.store.mail.createMailbox(userId, name);
  for (let i = 1; i <= n; i++) await appendRawMessage(h.store, box.id, Buffer.from(message({ Subject: `m${i}` })));
  return (await h.store.mail.getMailbox(box.id))!;
}

const num = (text: string, re: RegExp) => Number(re.exec(text)![1]);

describe('QRESYNC', () => {
  it('is advertised, and SELECT (QRESYNC ...) without ENABLE QRESYNC is a BAD', async () => {
    const c = await login(false);
    expect(await c.command('c', 'CAPABILITY')).toMatch(/ QRESYNC/);
    expect(await c.command('s', 'SELECT INBOX (QRESYNC (1 1))')).toMatch(/^s BAD /m);
    c.close();
  });

  it('resyncs at SELECT: VANISHED (EARLIER) for expunged UIDs, FETCH for changed ones', async () => {
    const box = await mailbox('Q1', 5);
    const first = await login();
    const selected = await first.command('s', 'SELECT Q1');
    const modseq = num(selected, /HIGHESTMODSEQ (\d+)/);
    expect(num(selected, /UIDVALIDITY (\d+)/)).toBe(box.uidValidity);
    first.close();

    // Meanwhile, elsewhere: 2 and 4 go, 3 is flagged, a sixth message arrives.
    await h.store.mail.expunge(box.id, { uids: [2, 4], onlyDeleted: false });
    await h.store.mail.updateFlags(box.id, [3], 'add', ['\\Flagged']);
    await appendRawMessage(h.store, box.id, Buffer.from(message({ Subject: 'm6' })));

    const c = await login();
    let r = await c.command('s', `SELECT Q1 (QRESYNC (${box.uidValidity} ${modseq} 1:5))`);
    expect(r).toMatch(/^\* 4 EXISTS\r\n/m);
    expect(r).toMatch(/^\* VANISHED \(EARLIER\) 2,4\r\n/m);
    expect(r).toMatch(/^\* 2 FETCH \(UID 3 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)\r\n/m);
    expect(r).not.toMatch(/UID 6/); // not among the known UIDs given
    expect(r.indexOf('VANISHED')).toBeLessThan(r.indexOf('FETCH'));
    expect(r).toMatch(/^s OK \[READ-WRITE\]/m);

    // Without known-uids every change is told; [CLOSED] first as a mailbox was selected.
    r = await c.command('t', `EXAMINE Q1 (QRESYNC (${box.uidValidity} ${modseq}))`);
    expect(r).toMatch(/^\* OK \[CLOSED\]/);
    expect(r).toMatch(/^\* 4 FETCH \(UID 6 FLAGS \(\) MODSEQ \(\d+\)\)\r\n/m);

    // Another UIDVALIDITY: the client's cache is worthless, nothing is said.
    r = await c.command('u', `EXAMINE Q1 (QRESYNC (${box.uidValidity + 1} ${modseq}))`);
    expect(r).not.toMatch(/VANISHED|FETCH/);

    // The same through UID FETCH ... (CHANGEDSINCE VANISHED).
    r = await c.command('f', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
    expect(r).toMatch(/^\* VANISHED \(EARLIER\) 2,4\r\n\* 2 FETCH \(UID 3 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)\r\n\* 4 FETCH \(UID 6 FLAGS \(\) MODSEQ \(\d+\)\)\r\nf OK/m);
    r = await c.command('g', `UID FETCH 3:4 (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
    expect(r).toMatch(/^\* VANISHED \(EARLIER\) 4\r\n/m);
    expect(await c.command('h', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`)).toMatch(/^h BAD /m);
    expect(await c.command('i', 'UID FETCH 1:* (FLAGS) (VANISHED)')).toMatch(/^i BAD /m);
    c.close();
  });

  it('sends VANISHED instead of EXPUNGE once enabled, and HIGHESTMODSEQ in the tagged OK of EXPUNGE', async () => {
    const box = await mailbox('Q2', 4);
    const c = await login();
    await c.command('s', 'SELECT Q2');
    const plain = await RawImap.connect(h.ports.imap);
    await plain.until(/^\* OK .*\r\n/);
    await plain.command('l', `LOGIN ${user} "${PASSWORD}"`);
    await plain.command('s', 'SELECT Q2');

    await h.store.mail.expunge(box.id, { uids: [2, 3], onlyDeleted: false });
    let r = await c.command('n', 'NOOP');
    expect(r).toMatch(/^\* VANISHED 2:3\r\nn OK/m);
    expect(r).not.toMatch(/EXPUNGE/);
    // A session without QRESYNC still gets EXPUNGE, highest sequence number first.
    expect(await plain.command('n', 'NOOP')).toMatch(/^\* 3 EXPUNGE\r\n\* 2 EXPUNGE\r\nn OK/m);

    // MOVE: COPYUID first, then VANISHED for what left (RFC 6851 §4.3 with QRESYNC).
    r = await c.command('m', 'UID MOVE 1 Trash');
    expect(r).toMatch(/^\* OK \[COPYUID \d+ 1 \d+\] Moved\r\n\* VANISHED 1\r\nm OK/m);
    await c.command('d', 'UID STORE 4 +FLAGS.SILENT (\\Deleted)');
    r = await c.command('x', 'EXPUNGE');
    expect(r).toMatch(/^\* VANISHED 4\r\nx OK \[HIGHESTMODSEQ (\d+)\]/m);
    const status = await h.store.mail.mailboxStatus(box.id);
    expect(num(r, /HIGHESTMODSEQ (\d+)/)).toBe(status.highestModseq);
    c.close();
    plain.close();
  });

  it('while a VANISHED is held back during FETCH, says a HIGHESTMODSEQ below the expunge', async () => {
    const box = await mailbox('Q4', 3);
    const c = await login();
    const before = num(await c.command('s', 'SELECT Q4'), /HIGHESTMODSEQ (\d+)/);
    const gone = await h.store.mail.expunge(box.id, { uids: [1], onlyDeleted: false });
    await h.store.mail.updateFlags(box.id, [2], 'add', ['\\Flagged']);
    // FETCH by sequence number may not be told of the expunge (RFC 9051 §7.5.1).
    let r = await c.command('f', 'FETCH 2 (FLAGS)');
    expect(r).not.toMatch(/VANISHED/);
    expect(r).toMatch(/^\* 2 FETCH \(FLAGS \(\\Flagged\) MODSEQ \((\d+)\)\)/m);
    const safe = num(r, /\* OK \[HIGHESTMODSEQ (\d+)\]/);
    expect(safe).toBeLessThan(gone.modseq);
    expect(safe).toBeGreaterThanOrEqual(before);
    r = await c.command('n', 'NOOP');
    expect(r).toMatch(/^\* VANISHED 1\r\n/m);
    expect(r).not.toMatch(/HIGHESTMODSEQ/);
    c.close();
  });

  it('imapflow in qresync mode hears of another session\'s expunge as vanished UIDs', async () => {
    const box = await mailbox('Q3', 3);
    const c = new ImapFlow({ host: '127.0.0.1', port: h.ports.imap, secure: false, doSTARTTLS: false, qresync: true,
      auth: { user, pass: PASSWORD }, logger: false });
    c.on('error', () => undefined);
    await c.connect();
    expect(c.enabled.has('QRESYNC')).toBe(true);
    const lock = await c.getMailboxLock('Q3');
    const events: { uid?: number; vanished?: boolean }[] = [];
    c.on('expunge', (e) => events.push(e));
    await h.store.mail.expunge(box.id, { uids: [2], onlyDeleted: false });
    await c.noop();
    expect(events).toEqual([expect.objectContaining({ uid: 2, vanished: true })]);
    lock.release();
    await c.logout();
  });
});

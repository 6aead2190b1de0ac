// ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and the SEARCH keys of RFC 9051 with CHARSET,
// on the wire with a bare socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('sam');
  const owner = await h.store.accounts.getUserByAddress(user);
  const box = await h.store.mail.createMailbox(owner!.id, 'S');
  const msgs: [Record<string, string>, string, string[], string][] = [
    [{ From: 'Anne <anne@x.test>', Subject: 'Conseil de classe', Date: 'Mon, 03 Mar 2025 09:00:00 +0000', 'X-Prio': 'haute' }, 'ordre du jour\r\n', ['\\Seen'], '2025-03-03T09:00:00Z'],
    [{ From: 'Bruno <bruno@x.test>', Subject: '=?UTF-8?Q?R=C3=A9union?= parents', Date: 'Tue, 04 Mar 2025 09:00:00 +0000' }, 'Salle 12, élèves bienvenus\r\n', [], '2025-03-04T09:00:00Z'],
    [{ From: 'Anne <anne@x.test>', To: 'sam@ecole.test', Subject: 'Cantine', Date: 'Wed, 05 Mar 2025 09:00:00 +0000' }, 'menu\r\n', ['\\Flagged', 'projet'], '2025-03-05T09:00:00Z'],
    [{ From: 'Chloé <chloe@x.test>', Subject: 'Sortie', Date: 'Thu, 06 Mar 2025 09:00:00 +0000' }, `${'long '.repeat(400)}\r\n`, ['\\Seen', '\\Answered'], '2025-03-06T09:00:00Z'],
  ];
  for (const [headers, body, flags, date] of msgs) {
    await appendRawMessage(h.store, box.id, Buffer.from(message(headers, body)), { flags, internalDate: new Date(date) });
  }
});
afterAll(() => h?.stop());

async function session(): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  expect(await c.command('s', 'SELECT S')).toMatch(/^s OK /m);
  return c;
}

describe('ESEARCH', () => {
  it('advertises ESEARCH and SEARCHRES', async () => {
    const c = await session();
    expect(await c.command('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .* ESEARCH SEARCHRES/m);
    c.close();
  });

  it('answers RETURN (MIN MAX COUNT ALL) with one ESEARCH response tagged with the command', async () => {
    const c = await session();
    let r = await c.command('A1', 'SEARCH RETURN (MIN MAX COUNT ALL) FROM anne');
    expect(r).toMatch(/^\* ESEARCH \(TAG "A1"\) MIN 1 MAX 3 ALL 1,3 COUNT 2\r\nA1 OK /m);
    expect(r).not.toMatch(/^\* SEARCH/m);
    r = await c.command('A2', 'UID SEARCH RETURN () ALL');
    expect(r).toMatch(/^\* ESEARCH \(TAG "A2"\) UID ALL 1:4\r\n/m);
    // Nothing found: COUNT 0, no MIN/MAX/ALL (RFC 4731 §3.1).
    r = await c.command('A3', 'SEARCH RETURN (MIN COUNT ALL) SUBJECT nulle-part');
    expect(r).toMatch(/^\* ESEARCH \(TAG "A3"\) COUNT 0\r\n/m);
    r = await c.command('A4', 'SEARCH RETURN (COUNT) UNSEEN');
    expect(r).toMatch(/^\* ESEARCH \(TAG "A4"\) COUNT 2\r\n/m);
    expect(await c.command('A5', 'SEARCH RETURN (FOO) ALL')).toMatch(/^A5 BAD /m);
    // With MODSEQ the highest modseq of the result comes last (RFC 7162 §3.1.5).
    r = await c.command('A6', 'SEARCH RETURN (ALL) MODSEQ 1');
    expect(r).toMatch(/^\* ESEARCH \(TAG "A6"\) ALL 1:4 MODSEQ \d+\r\n/m);
    c.close();
  });
});

describe('SEARCHRES', () => {
  it('saves the result in $ for FETCH, STORE, SEARCH and UID forms, without an ESEARCH of its own', async () => {
    const c = await session();
    let r = await c.command('B1', 'SEARCH RETURN (SAVE) FROM anne');
    expect(r).not.toMatch(/ESEARCH|\* SEARCH/);
    expect(r).toMatch(/^B1 OK /m);
    r = await c.command('B2', 'FETCH $ (UID)');
    expect(r.match(/^\* \d+ FETCH/gm)).toHaveLength(2);
    expect(r).toMatch(/^\* 1 FETCH \(UID 1\)\r\n\* 3 FETCH \(UID 3\)\r\n/m);
    r = await c.command('B3', 'UID SEARCH $ SEEN');
    expect(r).toMatch(/^\* SEARCH 1\r\n/m);
    r = await c.command('B4', 'SEARCH NOT $');
    expect(r).toMatch(/^\* SEARCH 2 4\r\n/m);
    r = await c.command('B5', 'STORE $ +FLAGS.SILENT (tag-b5)');
    expect(r).toMatch(/^B5 OK /m);
    r = await c.command('B6', 'SEARCH KEYWORD tag-b5');
    expect(r).toMatch(/^\* SEARCH 1 3\r\n/m);
    // SAVE with MIN alone keeps only the minimum (RFC 5182 §2.4); the ESEARCH shows MIN.
    r = await c.command('B7', 'SEARCH RETURN (SAVE MIN) FROM anne');
    expect(r).toMatch(/^\* ESEARCH \(TAG "B7"\) MIN 1\r\n/m);
    r = await c.command('B8', 'UID FETCH $ (UID)');
    expect(r.match(/^\* \d+ FETCH/gm)).toHaveLength(1);
    // A failed SEARCH with SAVE empties $: FETCH $ then returns nothing, and is no error.
    expect(await c.command('B9', 'SEARCH RETURN (SAVE) CHARSET KOI8-R ALL')).toMatch(/^B9 NO \[BADCHARSET/m);
    r = await c.command('B10', 'FETCH $ (UID)');
    expect(r).toMatch(/^B10 OK /m);
    expect(r).not.toMatch(/FETCH \(/);
    // Re-selecting forgets it.
    await c.command('B11', 'SEARCH RETURN (SAVE) ALL');
    await c.command('B12', 'SELECT S');
    r = await c.command('B13', 'FETCH $ (UID)');
    expect(r).not.toMatch(/FETCH \(/);
    c.close();
  });

  it('$ follows expunges made by another session', async () => {
    const owner = await h.store.accounts.getUserByAddress(user);
    const box = await h.store.mail.createMailbox(owner!.id, 'S2');
    for (let i = 0; i < 3; i++) await appendRawMessage(h.store, box.id, Buffer.from(message({ Subject: `m${i}` })));
    const c = await RawImap.connect(h.ports.imap);
    await c.until(/^\* OK .*\r\n/);
    await c.command('l', `LOGIN ${user} "${PASSWORD}"`);
    await c.command('s', 'SELECT S2');
    await c.command('C1', 'UID SEARCH RETURN (SAVE) ALL');
    await h.store.mail.expunge(box.id, { uids: [2], onlyDeleted: false });
    expect(await c.command('C2', 'NOOP')).toMatch(/^\* 2 EXPUNGE\r\n/m);
    const r = await c.command('C3', 'UID FETCH $ (FLAGS)');
    expect(r.match(/UID (\d+)/g)).toEqual(['UID 1', 'UID 3']);
    c.close();
  });
});

describe('SEARCH keys (RFC 9051 §6.4.4)', () => {
  const cases: [string, string][] = [
    ['CHARSET UTF-8 SUBJECT "réunion"', '2'],
    ['CHARSET UTF-8 BODY {8+}\r\nélèves', '2'],
    ['CHARSET US-ASCII TEXT "ordre"', '1'],
    ['SUBJECT ""', '1 2 3 4'],
    ['HEADER X-Prio ""', '1'],
    ['HEADER X-Prio haute', '1'],
    ['TO sam', '3'],
    ['KEYWORD projet', '3'],
    ['UNKEYWORD projet', '1 2 4'],
    ['FLAGGED', '3'],
    ['UNFLAGGED SEEN', '1 4'],
    ['ANSWERED', '4'],
    ['UNANSWERED UNSEEN', '2 3'],
    ['DRAFT', ''],
    ['UNDRAFT', '1 2 3 4'],
    ['DELETED', ''],
    ['UNDELETED', '1 2 3 4'],
    ['LARGER 1000', '4'],
    ['SMALLER 1000', '1 2 3'],
    ['BEFORE 05-Mar-2025', '1 2'],
    ['ON 05-Mar-2025', '3'],
    ['SINCE 05-Mar-2025', '3 4'],
    ['SENTBEFORE 04-Mar-2025', '1'],
    ['SENTON 04-Mar-2025', '2'],
    ['SENTSINCE 06-Mar-2025', '4'],
    ['OR FROM bruno FROM "chloé"', '2 4'],
    ['NOT FROM anne', '2 4'],
    ['(FROM anne SEEN)', '1'],
    // Text keys narrow the messages looked at; the other keys still apply to those.
    ['FROM anne UNSEEN', '3'],
    ['FROM anne 2:4', '3'],
    ['FROM anne FROM ""', '1 3'],
    ['NOT SUBJECT cantine FROM anne', '1'],
    ['OR FROM anne SUBJECT sortie', '1 3 4'],
    ['NOT FROM anne NOT FROM bruno', '4'],
    ['2:3', '2 3'],
    ['UID 3:*', '3 4'],
    ['ALL', '1 2 3 4'],
  ];
  it.each(cases)('SEARCH %s', async (criteria, expected) => {
    const c = await session();
    const r = await c.command('K', `SEARCH ${criteria}`);
    expect(r).toMatch(new RegExp(`^\\* SEARCH${expected ? ` ${expected}` : ''}\\r\\nK OK `, 'm'));
    c.close();
  });

  it('refuses an unknown charset with BADCHARSET and an unknown key with BAD', async () => {
    const c = await session();
    expect(await c.command('K1', 'SEARCH CHARSET ISO-2022-JP ALL')).toMatch(/^K1 NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/m);
    expect(await c.command('K2', 'SEARCH FOOBAR')).toMatch(/^K2 BAD /m);
    c.close();
  });
});

// SORT, ESORT (RFC 5256, RFC 5267 §3.1, SORT=DISPLAY RFC 5957) and THREAD=REFERENCES /
// ORDEREDSUBJECT on the wire, over messages appended through IMAP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;

// seq: from, to, subject, date, message-id, references, size padding, arrival day
const MESSAGES: [string, string, string, string, string, string | null, number, number][] = [
  ['"Zoé" <zoe@x.test>', 'bob@x.test', 'Conseil de classe', 'Mon, 03 Mar 2025 10:00:00 +0000', 'a@x', null, 10, 5],
  ['"Anne" <anne@x.test>', 'carl@x.test', 'Re: Conseil de classe', 'Tue, 04 Mar 2025 10:00:00 +0000', 'b@x', '<a@x>', 300, 4],
  ['"Marc" <marc@x.test>', 'alice@x.test', 'Cantine', 'Sun, 02 Mar 2025 23:30:00 -0200', 'c@x', null, 50, 3],
  ['"Bea" <bea@x.test>', 'dan@x.test', 'Re: Re: Conseil de classe', 'Wed, 05 Mar 2025 10:00:00 +0000', 'd@x', '<a@x> <b@x>', 20, 2],
  ['"Anne" <anne@x.test>', 'eve@x.test', '[profs] Fwd: Cantine', 'Thu, 06 Mar 2025 10:00:00 +0000', 'e@x', null, 1000, 1],
];

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('sophie');
  const id = (await h.store.accounts.getUserByAddress(user))!.id;
  const box = await h.store.mail.createMailbox(id, 'T');
  for (const [from, to, subject, date, mid, refs, pad, day] of MESSAGES) {
    const headers: Record<string, string> = { From: from, To: to, Subject: subject, Date: date, 'Message-ID': `<${mid}>` };
    if (refs) headers.References = refs;
    await appendRawMessage(h.store, box.id, Buffer.from(message(headers, `${'x'.repeat(pad)}\r\n`)), { internalDate: new Date(Date.UTC(2025, 2, day)) });
  }
});
afterAll(() => h?.stop());

async function session(): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  expect(await c.command('s', 'SELECT T')).toMatch(/^s OK /m);
  return c;
}

describe('SORT', () => {
  it.each([
    ['(DATE)', '3 1 2 4 5'], // 02 Mar 23:30 -0200 is 03 Mar 01:30 UTC, still before 03 Mar 10:00
    ['(REVERSE DATE)', '5 4 2 1 3'],
    ['(ARRIVAL)', '5 4 3 2 1'],
    ['(SIZE)', '1 3 4 2 5'],
    ['(FROM)', '2 5 4 3 1'],
    ['(FROM REVERSE SIZE)', '5 2 4 3 1'],
    ['(TO)', '3 1 2 4 5'],
    ['(SUBJECT DATE)', '3 5 1 2 4'],
    ['(DISPLAYFROM)', '2 5 4 3 1'],
  ])('SORT %s', async (criteria, expected) => {
    const c = await session();
    expect(await c.command('a', `SORT ${criteria} UTF-8 ALL`)).toMatch(new RegExp(`^\\* SORT ${expected}\\r\\na OK`, 'm'));
    c.close();
  });

  it('UID SORT with search keys, ESORT RETURN options, and errors', async () => {
    const c = await session();
    const caps = await c.command('c', 'CAPABILITY');
    for (const cap of ['SORT', 'ESORT', 'THREAD=REFERENCES', 'THREAD=ORDEREDSUBJECT']) expect(caps).toContain(` ${cap}`);
    expect(await c.command('a', 'UID SORT (REVERSE SIZE) US-ASCII FROM anne')).toMatch(/^\* SORT 5 2\r\n/m);
    expect(await c.command('b', 'SORT RETURN (MIN MAX COUNT ALL) (SIZE) UTF-8 ALL')).toMatch(/^\* ESEARCH \(TAG "b"\) MIN 1 MAX 5 ALL 1,3,4,2,5 COUNT 5\r\n/m);
    expect(await c.command('d', 'SORT (SIZE) KOI8-R ALL')).toMatch(/^d NO \[BADCHARSET/m);
    expect(await c.command('e', 'SORT (COLOR) UTF-8 ALL')).toMatch(/^e BAD /m);
    expect(await c.command('f', 'SORT (SIZE) ALL')).toMatch(/^f (BAD|NO) /m);
    c.close();
  });
});

describe('THREAD', () => {
  it('REFERENCES links replies by References and gathers the forward by subject', async () => {
    const c = await session();
    // 1 <- 2 <- 4 by References; 3 and 5 ("[profs] Fwd: Cantine") share a base subject.
    expect(await c.command('a', 'THREAD REFERENCES UTF-8 ALL')).toMatch(/^\* THREAD \(3 5\)\(1 2 4\)\r\na OK/m);
    expect(await c.command('b', 'UID THREAD REFERENCES UTF-8 NOT FROM bea')).toMatch(/^\* THREAD \(3 5\)\(1 2\)\r\n/m);
    expect(await c.command('c', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toMatch(/^\* THREAD \(3 5\)\(1 \(2\)\(4\)\)\r\n/m);
    expect(await c.command('d', 'THREAD REFERENCES UTF-8 SUBJECT nothing-matches')).toMatch(/^\* THREAD\r\n/m);
    expect(await c.command('e', 'THREAD FOO UTF-8 ALL')).toMatch(/^e BAD /m);
    c.close();
  });
});

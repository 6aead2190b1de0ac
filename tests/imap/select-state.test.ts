// What a session knows of its selected mailbox, now read as columns at SELECT: the SELECT
// responses (FLAGS with keywords in use, UNSEEN, EXISTS), then the changes others make
// (EXPUNGE, FETCH FLAGS, EXISTS), the session's own STORE not echoed again, SEARCH over the
// updated state and QRESYNC's report of what changed since a modseq.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import type { Id } from '../../storage/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;
let boxId: Id;

const FLAGS = [['\\Seen'], ['\\Seen', '$Work'], [], ['\\Seen'], []];

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('noemie');
  const id = (await h.store.accounts.getUserByAddress(user))!.id;
  boxId = (await h.store.mail.createMailbox(id, 'S')).id;
  for (const [i, flags] of FLAGS.entries()) {
    await appendRawMessage(h.store, boxId, Buffer.from(message({ From: 'a@x.test', Subject: `m${i + 1}`, 'Message-ID': `<s${i}@x>` })), { flags });
  }
});
afterAll(() => h?.stop());

async function session(): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  return c;
}

it('SELECT answers from the index, and later changes reach the session in order', async () => {
  const a = await session();
  const selected = await a.command('s', 'SELECT S');
  expect(selected).toMatch(/^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Work\)\r\n/m);
  expect(selected).toMatch(/^\* 5 EXISTS\r\n/m);
  expect(selected).toMatch(/^\* OK \[UNSEEN 3\]/m);
  const modseq0 = Number(/HIGHESTMODSEQ (\d+)/.exec(selected)![1]);

  // Another party flags uid 4 and expunges uid 2 (the only one with $Work), then a message arrives.
  await h.store.mail.updateFlags(boxId, [4], 'add', ['\\Flagged']);
  await h.store.mail.updateFlags(boxId, [2], 'add', ['\\Deleted']);
  await h.store.mail.expunge(boxId, { onlyDeleted: true });
  await appendRawMessage(h.store, boxId, Buffer.from(message({ From: 'b@x.test', Subject: 'm6' })));
  const noop = await a.command('n', 'NOOP');
  expect(noop).toMatch(/^\* 2 EXPUNGE\r\n\* 5 EXISTS\r\n/m);
  expect(noop).toMatch(/^\* 3 FETCH \(UID 4 FLAGS \(\\Flagged \\Seen\)\)\r\n/m);
  expect(noop.match(/FETCH/g)).toHaveLength(1);

  // The session's own change is answered once, not again at the next NOOP.
  expect(await a.command('t', 'STORE 1 +FLAGS (\\Answered)')).toMatch(/^\* 1 FETCH \(FLAGS \(\\Answered \\Seen\)\)\r\nt OK/m);
  expect(await a.command('n2', 'NOOP')).not.toMatch(/FETCH|EXISTS|EXPUNGE/);
  expect(await a.command('f', 'FETCH 5 (UID FLAGS)')).toMatch(/^\* 5 FETCH \(UID 6 FLAGS \(\)\)\r\n/m);
  expect(await a.command('u', 'SEARCH UNSEEN')).toMatch(/^\* SEARCH 2 4 5\r\n/m);
  expect(await a.command('k', 'SEARCH FLAGGED')).toMatch(/^\* SEARCH 3\r\n/m);
  a.close();

  // A new selection no longer lists $Work, and counts the first unseen among 4 messages + 1.
  const b = await session();
  const examined = await b.command('e', 'EXAMINE S');
  expect(examined).toMatch(/^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)\r\n/m);
  expect(examined).toMatch(/^\* 5 EXISTS\r\n/m);
  expect(examined).toMatch(/^\* OK \[UNSEEN 2\]/m);
  b.close();

  // QRESYNC from the first selection's modseq: uid 2 vanished; uids 1, 4 and 6 changed.
  const c = await session();
  expect(await c.command('q', 'ENABLE QRESYNC')).toMatch(/^q OK/m);
  const uidValidity = /UIDVALIDITY (\d+)/.exec(selected)![1];
  const resync = await c.command('r', `SELECT S (QRESYNC (${uidValidity} ${modseq0}))`);
  expect(resync).toMatch(/^\* VANISHED \(EARLIER\) 2\r\n/m);
  const fetched = [...resync.matchAll(/^\* (\d+) FETCH \(UID (\d+) /gm)].map((m) => `${m[1]}:${m[2]}`);
  expect(fetched).toEqual(['1:1', '3:4', '5:6']);
  c.close();
});

it('a mailbox emptied and refilled selects with the right counts', async () => {
  const id = (await h.store.accounts.getUserByAddress(user))!.id;
  const box = await h.store.mail.createMailbox(id, 'Empty');
  const c = await session();
  const empty = await c.command('s', 'SELECT Empty');
  expect(empty).toMatch(/^\* 0 EXISTS\r\n/m);
  expect(empty).not.toMatch(/UNSEEN/);
  await appendRawMessage(h.store, box.id, Buffer.from(message({ Subject: 'one' })), { flags: ['\\Seen', 'Projet'] });
  expect(await c.command('n', 'NOOP')).toMatch(/^\* 1 EXISTS\r\n/m);
  expect(await c.command('f', 'FETCH 1 FLAGS')).toMatch(/^\* 1 FETCH \(FLAGS \(\\Seen Projet\)\)\r\n/m);
  expect(await c.command('s2', 'SELECT Empty')).toMatch(/^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft Projet\)\r\n/m);
  c.close();
});

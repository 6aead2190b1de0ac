// LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and CREATE-SPECIAL-USE (RFC 6154 §3) on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { message, PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('lise');
  const id = (await h.store.accounts.getUserByAddress(user))!.id;
  const cours = await h.store.mail.createMailbox(id, 'Cours', { subscribed: false });
  const maths = await h.store.mail.createMailbox(id, 'Cours/Maths', { subscribed: true });
  await h.store.mail.createMailbox(id, 'Cours/Histoire', { subscribed: false });
  await appendRawMessage(h.store, maths.id, Buffer.from(message({ Subject: 'a' })), { flags: ['\\Seen'] });
  await appendRawMessage(h.store, maths.id, Buffer.from(message({ Subject: 'b' })));
  void cours;
});
afterAll(() => h?.stop());

async function login(): Promise<RawImap> {
  const c = await RawImap.connect(h.ports.imap);
  await c.until(/^\* OK .*\r\n/);
  expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
  return c;
}

const lists = (r: string) => r.split('\r\n').filter((l) => l.startsWith('* LIST') || l.startsWith('* STATUS'));

describe('LIST-EXTENDED, LIST-STATUS, CREATE-SPECIAL-USE', () => {
  it('advertises the three', async () => {
    const c = await login();
    const caps = await c.command('c', 'CAPABILITY');
    for (const cap of ['LIST-EXTENDED', 'LIST-STATUS', 'CREATE-SPECIAL-USE']) expect(caps).toContain(` ${cap}`);
    c.close();
  });

  it('lists several patterns, subscribed ones, and parents with CHILDINFO under RECURSIVEMATCH', async () => {
    const c = await login();
    let r = await c.command('a', 'LIST "" ("INBOX" "Cours/%")');
    expect(lists(r)).toEqual([
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasNoChildren) "/" "Cours/Histoire"',
      '* LIST (\\HasNoChildren) "/" "Cours/Maths"',
    ]);
    r = await c.command('b', 'LIST (SUBSCRIBED) "" "Cours*"');
    expect(lists(r)).toEqual(['* LIST (\\HasNoChildren \\Subscribed) "/" "Cours/Maths"']);
    r = await c.command('d', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
    expect(lists(r)).toContain('* LIST (\\HasChildren) "/" "Cours" ("CHILDINFO" ("SUBSCRIBED"))');
    expect(lists(r).some((l) => l.includes('Maths'))).toBe(false);
    r = await c.command('e', 'LIST () "" "Cours" RETURN (SUBSCRIBED CHILDREN)');
    expect(lists(r)).toEqual(['* LIST (\\HasChildren) "/" "Cours"']);
    r = await c.command('f', 'LIST (SPECIAL-USE) "" "*"');
    expect(lists(r).map((l) => l.replace(/.*"\/" /, ''))).toEqual(['"Archive"', '"Drafts"', '"Junk"', '"Sent"', '"Trash"']);
    expect(await c.command('g', 'LIST (RECURSIVEMATCH) "" "*"')).toMatch(/^g BAD /m);
    expect(await c.command('h', 'LIST (BOGUS) "" "*"')).toMatch(/^h BAD /m);
    c.close();
  });

  it('RETURN (STATUS (...)) follows each selectable mailbox with its STATUS', async () => {
    const c = await login();
    const r = await c.command('a', 'LIST "" "Cours*" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))');
    expect(lists(r)).toEqual([
      '* LIST (\\HasChildren) "/" "Cours"',
      '* STATUS "Cours" (MESSAGES 0 UNSEEN 0 UIDNEXT 1)',
      '* LIST (\\HasNoChildren) "/" "Cours/Histoire"',
      '* STATUS "Cours/Histoire" (MESSAGES 0 UNSEEN 0 UIDNEXT 1)',
      '* LIST (\\HasNoChildren) "/" "Cours/Maths"',
      '* STATUS "Cours/Maths" (MESSAGES 2 UNSEEN 1 UIDNEXT 3)',
    ]);
    c.close();
  });

  it('CREATE ... (USE (\\Archive)) makes a special-use folder; an unknown use is NO [USEATTR]', async () => {
    const c = await login();
    expect(await c.command('a', 'CREATE "Archives 2024" (USE (\\Archive))')).toMatch(/^a OK /m);
    let r = await c.command('b', 'LIST "" "Archives 2024"');
    expect(lists(r)).toEqual(['* LIST (\\HasNoChildren \\Archive) "/" "Archives 2024"']);
    expect(await c.command('c', 'CREATE Tout (USE (\\All))')).toMatch(/^c NO \[USEATTR\]/m);
    expect(await c.command('d', 'CREATE Imp (USE (\\Important))')).toMatch(/^d NO \[USEATTR\]/m);
    r = await c.command('e', 'LIST "" "Tout"');
    expect(lists(r)).toEqual([]);
    expect(await c.command('f', 'CREATE X (USE)')).toMatch(/^f BAD /m);
    c.close();
  });
});

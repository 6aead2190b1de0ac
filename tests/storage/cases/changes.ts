// The change feed behind IDLE, webmail live updates and DAV sync: ordered, complete, and fed
// by writes from other store instances too (the CLI beside the server).
import { expect } from 'vitest';
import type { ChangeEvent } from '../../../storage/types.js';
import { append, eventually, makeUser, sleep, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerChangeFeedTests({ test }: Suite): void {
  test('mail changes are recorded in order with their UIDs and modseq', async ({ store }) => {
    expect(await store.changes.latest()).toBe(0);
    const { user, inbox } = await userWithMailboxes(store);
    const start = await store.changes.latest();
    const a = await append(store, inbox.id);
    const flags = await store.mail.updateFlags(inbox.id, [a.uid], 'add', ['\\Seen']);
    const ex = await store.mail.expunge(inbox.id, { uids: [a.uid], onlyDeleted: false });

    const events = await store.changes.since(start);
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);
    expect(await store.changes.latest()).toBe(events[events.length - 1].seq);
    const mailEvents = events.filter((e) => e.kind.startsWith('message.'));
    expect(mailEvents.map((e) => [e.kind, e.mailboxId, e.userId, e.uids, e.modseq])).toEqual([
      ['message.append', inbox.id, user.id, [a.uid], a.modseq],
      ['message.flags', inbox.id, user.id, [a.uid], flags.updated[0].modseq],
      ['message.expunge', inbox.id, user.id, [a.uid], ex.modseq],
    ]);
    for (const e of events) expect(e.at).toBeInstanceOf(Date);
  });

  test('since filters by user and honours the limit', async ({ store }) => {
    const alice = await userWithMailboxes(store, 'alice');
    const bob = await userWithMailboxes(store, 'bob');
    const start = await store.changes.latest();
    await append(store, alice.inbox.id);
    await append(store, bob.inbox.id);
    await append(store, alice.archive.id);
    const aliceEvents = await store.changes.since(start, { userId: alice.user.id });
    expect(aliceEvents.map((e) => e.mailboxId)).toEqual([alice.inbox.id, alice.archive.id]);
    const first = await store.changes.since(start, { limit: 1 });
    expect(first).toHaveLength(1);
    expect(first[0].mailboxId).toBe(alice.inbox.id);
    expect(await store.changes.since(await store.changes.latest())).toEqual([]);
  });

  test('mailbox, account and DAV changes appear in the feed', async ({ store }) => {
    const start = await store.changes.latest();
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'Projets');
    await store.mail.renameMailbox(box.id, 'Projets 2025');
    await store.mail.deleteMailbox(box.id);
    const cal = await store.dav.createCollection({ ownerType: 'user', ownerId: alice.id, kind: 'calendar', slug: 'c', displayName: 'C', description: '', color: null, components: ['VEVENT'], props: {} });
    const { item } = await store.dav.putItem(cal.id, { name: 'a.ics', uid: 'a', data: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', componentType: 'VEVENT', firstStart: null, lastEnd: null });
    const kinds = (await store.changes.since(start)).map((e) => e.kind);
    for (const k of ['account.user', 'mailbox.create', 'mailbox.rename', 'mailbox.delete', 'dav.item'] as const) expect(kinds).toContain(k);
    const davEvent = (await store.changes.since(start)).find((e) => e.kind === 'dav.item');
    expect(davEvent).toMatchObject({ collectionId: cal.id, modseq: (await store.dav.getCollection(cal.id))!.syncToken });
    expect(item.modseq).toBeGreaterThan(0);
  });

  test('subscribers receive appends, including from another store instance', async (ctx) => {
    const { user, inbox } = await userWithMailboxes(ctx.store);
    const received: ChangeEvent[] = [];
    const unsubscribe = ctx.store.changes.subscribe((e) => received.push(e));
    try {
      const own = await append(ctx.store, inbox.id);
      const cli = await ctx.openAnother();
      const remote = await append(cli, inbox.id);
      const appended = () => received.filter((e) => e.kind === 'message.append').flatMap((e) => e.uids);
      await eventually(() => appended().includes(remote.uid), 5000, 'the other instance\'s append to reach the subscriber');
      expect(appended()).toEqual([own.uid, remote.uid]);
      for (let i = 1; i < received.length; i++) expect(received[i].seq).toBeGreaterThan(received[i - 1].seq);
      expect(received.every((e) => e.userId === user.id)).toBe(true);
    } finally {
      unsubscribe();
    }
    const count = received.length;
    await append(ctx.store, inbox.id);
    await sleep(400);
    expect(received.length, 'events delivered after unsubscribe').toBe(count);
  });

  test('the feed survives a reopen', async (ctx) => {
    const { inbox } = await userWithMailboxes(ctx.store);
    const a = await append(ctx.store, inbox.id);
    const latest = await ctx.store.changes.latest();
    const store = await ctx.reopen();
    expect(await store.changes.latest()).toBe(latest);
    const b = await append(store, inbox.id);
    const after = await store.changes.since(latest);
    expect(after.map((e) => [e.kind, e.uids])).toEqual([['message.append', [b.uid]]]);
    expect(after[0].seq).toBeGreaterThan(latest);
    expect((await store.changes.since(0)).some((e) => e.kind === 'message.append' && e.uids[0] === a.uid)).toBe(true);
  });
}

// Conversation lists (listThreadPage, listThreadMessages): one row per thread of a folder,
// ordered by its newest message, with counts; a thread's messages across the user's folders.
import { expect } from 'vitest';
import { NotFound } from '../../../core/errors.js';
import type { Id, Store } from '../../../storage/types.js';
import { rawMessage, rejects, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

const NO_TEXT = { subject: '', from: '', to: '', cc: '', bcc: '', body: '' };

async function add(store: Store, mailboxId: Id, o: { id: string; refs?: string[]; day: number; seen?: boolean }) {
  return store.mail.appendMessage(mailboxId, {
    raw: rawMessage({ messageId: o.id }), internalDate: new Date(Date.UTC(2025, 8, o.day)), flags: o.seen ? ['\\Seen'] : [],
    summary: { id: o.id }, search: NO_TEXT, threading: { messageId: o.id, references: o.refs ?? [] },
  });
}

export function registerThreadPageTests({ test }: Suite): void {
  test('conversation pages group a folder by thread, newest conversation first, with counts', async ({ store }) => {
    const { user, inbox, archive } = await userWithMailboxes(store);
    // Thread A: a1 (day 1), a2 (day 5, unread); thread B: b1 (day 3); thread C: c1 (day 4, read), c2 (day 2, unread).
    const a1 = await add(store, inbox.id, { id: 'a1@t', day: 1, seen: true });
    const b1 = await add(store, inbox.id, { id: 'b1@t', day: 3 });
    const c1 = await add(store, inbox.id, { id: 'c1@t', day: 4, seen: true });
    const a2 = await add(store, inbox.id, { id: 'a2@t', refs: ['a1@t'], day: 5 });
    const c2 = await add(store, inbox.id, { id: 'c2@t', refs: ['c1@t'], day: 2 });
    // The reply filed elsewhere joins thread A but does not count in INBOX.
    const a3 = await add(store, archive.id, { id: 'a3@t', refs: ['a1@t', 'a2@t'], day: 6 });
    expect(a2.threadId).toBe(a1.threadId);
    expect(a3.threadId).toBe(a1.threadId);

    const desc = await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 0, limit: 10 });
    expect(desc.total).toBe(3);
    expect(desc.threads.map((t) => [t.threadId, t.count, t.unread, t.latest.uid, t.uids])).toEqual([
      [a1.threadId, 2, 1, a2.uid, [a2.uid, a1.uid]],
      [c1.threadId, 2, 1, c1.uid, [c1.uid, c2.uid]],
      [b1.threadId, 1, 1, b1.uid, [b1.uid]],
    ]);
    expect(desc.threads[0].latest).toEqual((await store.mail.getMessages(inbox.id, [a2.uid]))[0]);
    const asc = await store.mail.listThreadPage(inbox.id, { order: 'asc', offset: 0, limit: 10 });
    expect(asc.threads.map((t) => t.threadId)).toEqual([b1.threadId, c1.threadId, a1.threadId]);
    const second = await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 1, limit: 1 });
    expect(second).toMatchObject({ total: 3, threads: [{ threadId: c1.threadId }] });
    expect((await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 3, limit: 5 })).threads).toEqual([]);

    // Reading a message changes the unread count.
    await store.mail.updateFlags(inbox.id, [a2.uid], 'add', ['\\Seen']);
    expect((await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 0, limit: 1 })).threads[0].unread).toBe(0);

    // The count follows messages coming and going.
    const d1 = await add(store, inbox.id, { id: 'd1@t', day: 7 });
    expect(await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 0, limit: 1 })).toMatchObject({ total: 4, threads: [{ threadId: d1.threadId }] });
    await store.mail.expunge(inbox.id, { uids: [d1.uid], onlyDeleted: false });
    expect((await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 0, limit: 1 })).total).toBe(3);
    await store.mail.moveMessages(inbox.id, [b1.uid], archive.id);
    expect((await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 0, limit: 5 })).threads.map((t) => t.threadId)).toEqual([a1.threadId, c1.threadId]);
    expect((await store.mail.listThreadPage(inbox.id, { order: 'desc', offset: 0, limit: 1 })).total).toBe(2);

    // The whole conversation, every folder, oldest first; nothing for another user.
    const all = await store.mail.listThreadMessages(user.id, a1.threadId);
    expect(all.map((m) => [m.mailboxId, m.uid])).toEqual([[inbox.id, a1.uid], [inbox.id, a2.uid], [archive.id, a3.uid]]);
    const { user: bob } = await userWithMailboxes(store, 'bob');
    expect(await store.mail.listThreadMessages(bob.id, a1.threadId)).toEqual([]);
    await rejects(store.mail.listThreadPage('no-such-mailbox', { order: 'desc', offset: 0, limit: 1 }), NotFound);
  });

  test('conversation pages agree between the first pages and deep ones, ties included', async ({ store }) => {
    const { inbox } = await userWithMailboxes(store);
    // 30 single-message threads, in pairs sharing an arrival date.
    for (let i = 0; i < 30; i++) await add(store, inbox.id, { id: `s${i}@t`, day: 1 + Math.floor(i / 2) });
    const ids = async (offset: number, limit: number) => (await store.mail.listThreadPage(inbox.id, { order: 'desc', offset, limit })).threads.map((t) => t.threadId);
    const whole = await ids(0, 30);
    expect(new Set(whole).size).toBe(30);
    const paged: string[] = [];
    for (let offset = 0; offset < 30; offset += 7) paged.push(...await ids(offset, 7));
    expect(paged).toEqual(whole);
    const asc = (await store.mail.listThreadPage(inbox.id, { order: 'asc', offset: 0, limit: 30 })).threads.map((t) => t.threadId);
    expect(asc).toEqual([...whole].reverse());
  });
}

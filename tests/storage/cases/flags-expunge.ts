// Flags (add/remove/set, UNCHANGEDSINCE), expunge and the VANISHED history.
import { expect } from 'vitest';
import { append, makeUser, rawMessage, sorted, uidsOf } from '../fixtures.js';
import type { Suite } from '../suite.js';

const norm = (flags: string[]) => [...flags].sort();

export function registerFlagExpungeTests({ test }: Suite): void {
  test('flags are added, removed and set', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const a = await append(store, box.id, undefined, { flags: ['\\Seen'] });
    const b = await append(store, box.id);
    const flagsOf = async () => Object.fromEntries((await store.mail.listMessageIndex(box.id)).map((e) => [e.uid, norm(e.flags)]));

    const added = await store.mail.updateFlags(box.id, [a.uid, b.uid], 'add', ['\\Flagged', '$Label1']);
    expect(sorted(added.updated.map((u) => u.uid))).toEqual([a.uid, b.uid]);
    expect(norm(added.updated.find((u) => u.uid === a.uid)!.flags)).toEqual(['$Label1', '\\Flagged', '\\Seen']);
    expect(await flagsOf()).toEqual({ [a.uid]: ['$Label1', '\\Flagged', '\\Seen'], [b.uid]: ['$Label1', '\\Flagged'] });

    const removed = await store.mail.updateFlags(box.id, [a.uid, b.uid], 'remove', ['\\Seen']);
    expect(removed.updated.map((u) => u.uid)).toEqual([a.uid]);
    expect(await flagsOf()).toEqual({ [a.uid]: ['$Label1', '\\Flagged'], [b.uid]: ['$Label1', '\\Flagged'] });

    const set = await store.mail.updateFlags(box.id, [b.uid], 'set', ['\\Answered']);
    expect(set.updated).toHaveLength(1);
    expect(set.updated[0].flags).toEqual(['\\Answered']);
    expect(await flagsOf()).toEqual({ [a.uid]: ['$Label1', '\\Flagged'], [b.uid]: ['\\Answered'] });

    const unknown = await store.mail.updateFlags(box.id, [9999], 'add', ['\\Seen']);
    expect(unknown).toEqual({ updated: [], modified: [] });
  });

  test('unchangedSince refuses messages changed after it', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const a = await append(store, box.id);
    const b = await append(store, box.id);
    await store.mail.updateFlags(box.id, [a.uid], 'add', ['\\Seen']);
    // RFC 7162 §3.1.3: a message whose modseq is above UNCHANGEDSINCE is not touched.
    const r = await store.mail.updateFlags(box.id, [a.uid, b.uid], 'add', ['\\Flagged'], { unchangedSince: b.modseq });
    expect(r.modified).toEqual([a.uid]);
    expect(r.updated.map((u) => u.uid)).toEqual([b.uid]);
    const index = await store.mail.listMessageIndex(box.id);
    expect(norm(index[0].flags)).toEqual(['\\Seen']);
    expect(norm(index[1].flags)).toEqual(['\\Flagged']);
  });

  test('expunge removes \\Deleted messages, optionally among given UIDs', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const r = [];
    for (let i = 0; i < 5; i++) r.push(await append(store, box.id, undefined, { flags: i % 2 === 0 ? ['\\Deleted'] : [] }));
    const [m0, m1, m2, m3, m4] = r;

    // UID EXPUNGE (RFC 4315): only the given UIDs that are \Deleted.
    const some = await store.mail.expunge(box.id, { uids: [m0.uid, m1.uid], onlyDeleted: true });
    expect(some.uids).toEqual([m0.uid]);
    expect(await uidsOf(store, box.id)).toEqual([m1.uid, m2.uid, m3.uid, m4.uid]);

    const rest = await store.mail.expunge(box.id, { onlyDeleted: true });
    expect(sorted(rest.uids)).toEqual([m2.uid, m4.uid]);
    expect(rest.modseq).toBeGreaterThan(some.modseq);
    expect(await uidsOf(store, box.id)).toEqual([m1.uid, m3.uid]);

    const forced = await store.mail.expunge(box.id, { uids: [m3.uid], onlyDeleted: false });
    expect(forced.uids).toEqual([m3.uid]);
    expect(await uidsOf(store, box.id)).toEqual([m1.uid]);
    expect(await store.mail.getMessages(box.id, [m0.uid, m1.uid, m3.uid])).toHaveLength(1);
    expect(await store.mail.getMessageById(m3.id)).toBeNull();
    const status = await store.mail.mailboxStatus(box.id);
    expect(status).toMatchObject({ messages: 1, deleted: 0 });
  });

  test('listExpunged reports UIDs expunged after a modseq', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const r = [];
    for (let i = 0; i < 4; i++) r.push(await append(store, box.id));
    const before = (await store.mail.getMailbox(box.id))!.highestModseq;
    const e1 = await store.mail.expunge(box.id, { uids: [r[1].uid], onlyDeleted: false });
    const e2 = await store.mail.expunge(box.id, { uids: [r[2].uid, r[3].uid], onlyDeleted: false });
    expect(sorted(await store.mail.listExpunged(box.id, before))).toEqual([r[1].uid, r[2].uid, r[3].uid]);
    expect(sorted(await store.mail.listExpunged(box.id, e1.modseq))).toEqual([r[2].uid, r[3].uid]);
    expect(await store.mail.listExpunged(box.id, e2.modseq)).toEqual([]);
  });

  test('getMessages returns full records in UID order and skips unknown UIDs', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const raw = rawMessage();
    const date = new Date('2025-01-15T07:45:00.000Z');
    const a = await append(store, box.id, raw, { flags: ['\\Seen'], internalDate: date });
    const b = await append(store, box.id);
    const records = await store.mail.getMessages(box.id, [b.uid, 4242, a.uid]);
    expect(records.map((m) => m.uid)).toEqual([a.uid, b.uid]);
    expect(records[0]).toMatchObject({
      id: a.id, mailboxId: box.id, uid: a.uid, modseq: a.modseq, emailId: a.emailId, threadId: a.threadId,
      flags: ['\\Seen'], size: raw.length, summary: { test: true, size: raw.length },
    });
    expect(records[0].internalDate.getTime()).toBe(date.getTime());
    expect(await store.mail.getMessageById(a.id)).toEqual(records[0]);
    expect(await store.mail.getMessageById('no-such-message')).toBeNull();
  });
}

// COPY and MOVE (RFC 4315 COPYUID, RFC 6851), EMAILID/THREADID (RFC 8474).
import { expect } from 'vitest';
import { append, rawMessage, sorted, uidsOf, usedBytes, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerCopyMoveTests({ test }: Suite): void {
  test('copy maps source UIDs to new destination UIDs and keeps flags and emailId', async ({ store }) => {
    const { user, inbox, archive } = await userWithMailboxes(store);
    await append(store, archive.id);
    const a = await append(store, inbox.id, undefined, { flags: ['\\Seen', '$Important'] });
    const b = await append(store, inbox.id);
    const c = await append(store, inbox.id);
    const before = await usedBytes(store, user.id);

    const copy = await store.mail.copyMessages(inbox.id, [c.uid, a.uid, 777], archive.id);
    expect(copy.uidValidity).toBe(archive.uidValidity);
    expect(copy.mapping.map(([src]) => src)).toEqual([a.uid, c.uid]);
    const [[, da], [, dc]] = copy.mapping;
    expect(dc).toBeGreaterThan(da);
    expect(await uidsOf(store, archive.id)).toHaveLength(3);

    const [srcA] = await store.mail.getMessages(inbox.id, [a.uid]);
    const [dstA] = await store.mail.getMessages(archive.id, [da]);
    expect(dstA.id).not.toBe(srcA.id);
    expect(dstA.emailId).toBe(srcA.emailId);
    expect(dstA.threadId).toBe(srcA.threadId);
    expect(dstA.blobId).toBe(srcA.blobId);
    expect(dstA.size).toBe(srcA.size);
    expect([...dstA.flags].sort()).toEqual(['$Important', '\\Seen']);
    expect(dstA.summary).toEqual(srcA.summary);
    expect(await uidsOf(store, inbox.id)).toEqual([a.uid, b.uid, c.uid]);
    expect(await usedBytes(store, user.id)).toBe(before + srcA.size + (await store.mail.getMessages(inbox.id, [c.uid]))[0].size);
  });

  test('move transfers messages and expunges them from the source', async ({ store }) => {
    const { user, inbox, archive } = await userWithMailboxes(store);
    const a = await append(store, inbox.id);
    const b = await append(store, inbox.id);
    const c = await append(store, inbox.id);
    const before = await usedBytes(store, user.id);
    const srcModseq = (await store.mail.getMailbox(inbox.id))!.highestModseq;

    const moved = await store.mail.moveMessages(inbox.id, [a.uid, c.uid], archive.id);
    expect(moved.uidValidity).toBe(archive.uidValidity);
    expect(moved.mapping.map(([src]) => src)).toEqual([a.uid, c.uid]);
    expect(sorted(moved.expunged.uids)).toEqual([a.uid, c.uid]);
    expect(moved.expunged.modseq).toBeGreaterThan(srcModseq);
    expect(sorted(await store.mail.listExpunged(inbox.id, srcModseq))).toEqual([a.uid, c.uid]);
    expect(await uidsOf(store, inbox.id)).toEqual([b.uid]);
    const dest = await store.mail.getMessages(archive.id, moved.mapping.map(([, d]) => d));
    expect(dest.map((m) => m.emailId)).toEqual([a.emailId, c.emailId]);
    expect(await store.mail.getMessageById(a.id)).toBeNull();
    expect(await usedBytes(store, user.id)).toBe(before);
  });

  test('a message joins the thread of any message it references', async ({ store }) => {
    const { inbox, archive } = await userWithMailboxes(store);
    const root = await append(store, inbox.id, rawMessage(), { messageId: 'root@ecole.example' });
    const reply = await append(store, archive.id, rawMessage(), { messageId: 'reply@ailleurs.example', references: ['root@ecole.example'] });
    const deeper = await append(store, inbox.id, rawMessage(), { messageId: 'deeper@ailleurs.example', references: ['unknown@nowhere.example', 'reply@ailleurs.example'] });
    const other = await append(store, inbox.id, rawMessage(), { messageId: 'other@ecole.example' });
    expect(reply.threadId).toBe(root.threadId);
    expect(deeper.threadId).toBe(root.threadId);
    expect(other.threadId).not.toBe(root.threadId);
    expect(root.emailId).not.toBe(reply.emailId);

    // Threads are per user: bob's reply to the same Message-ID starts his own conversation.
    const bob = await userWithMailboxes(store, 'bob');
    const bobs = await append(store, bob.inbox.id, rawMessage(), { messageId: 'bobreply@x.example', references: ['root@ecole.example'] });
    expect(bobs.threadId).not.toBe(root.threadId);
  });
}

// Raw message storage: byte-exact, deduplicated, reference-counted, crash-safe.
import { expect } from 'vitest';
import { NotFound } from '../../../core/errors.js';
import { append, rawMessage, rejects, uidsOf, usedBytes, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

/** Bytes a UTF-8 or line-ending "fix" would change: Latin-1, a lone continuation byte, a bare
 *  LF, a bare CR, a NUL, trailing spaces, and no final newline. */
function awkwardMessage(): Buffer {
  return Buffer.concat([
    Buffer.from('From: =?iso-8859-1?q?Ren=E9?= <rene@ailleurs.example>\r\nSubject: bytes\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
    Buffer.from([0x52, 0xe9, 0x75, 0x6e, 0x69, 0x6f, 0x6e, 0x0d, 0x0a]), // "Réunion" in Latin-1 + CRLF
    Buffer.from([0x80, 0xff, 0xfe, 0x00, 0x41, 0x0a, 0x42, 0x0d, 0x43, 0x20, 0x20, 0x0d, 0x0a]),
    Buffer.from('fin sans saut de ligne'),
  ]);
}

export function registerBlobTests({ test }: Suite): void {
  test('large raw bytes round-trip exactly too', async (ctx) => {
    const { inbox } = await userWithMailboxes(ctx.store);
    const raw = Buffer.concat([awkwardMessage(), Buffer.alloc(300 * 1024, 0xe9), Buffer.from('\r\n')]);
    const r = await append(ctx.store, inbox.id, raw);
    const [msg] = await ctx.store.mail.getMessages(inbox.id, [r.uid]);
    expect((await ctx.store.blobs.get(msg.blobId)).equals(raw)).toBe(true);
    const store = await ctx.reopen();
    expect((await store.blobs.get(msg.blobId)).equals(raw)).toBe(true);
    await store.mail.expunge(inbox.id, { uids: [r.uid], onlyDeleted: false });
    expect(await store.blobs.has(msg.blobId)).toBe(false);
  });


  test('raw bytes round-trip exactly, also after reopen', async (ctx) => {
    const { inbox } = await userWithMailboxes(ctx.store);
    const raw = awkwardMessage();
    const r = await append(ctx.store, inbox.id, raw);
    const [msg] = await ctx.store.mail.getMessages(inbox.id, [r.uid]);
    expect(msg.size).toBe(raw.length);
    const back = await ctx.store.blobs.get(msg.blobId);
    expect(back.equals(raw), 'stored bytes differ from the appended ones').toBe(true);
    const store = await ctx.reopen();
    expect((await store.blobs.get(msg.blobId)).equals(raw)).toBe(true);
  });

  test('identical bytes are stored once', async ({ store }) => {
    const { user, inbox, archive } = await userWithMailboxes(store);
    const raw = rawMessage({ body: 'the same newsletter twice' });
    const a = await append(store, inbox.id, raw);
    const b = await append(store, archive.id, raw);
    const [ma] = await store.mail.getMessages(inbox.id, [a.uid]);
    const [mb] = await store.mail.getMessages(archive.id, [b.uid]);
    expect(ma.id).not.toBe(mb.id);
    expect(mb.blobId).toBe(ma.blobId);
    // Quota counts what the user owns, not what the disk holds.
    expect(await usedBytes(store, user.id)).toBe(2 * raw.length);
  });

  test('a blob is kept while any message references it and freed with the last', async ({ store }) => {
    const { inbox, archive } = await userWithMailboxes(store);
    const raw = rawMessage({ body: 'copied then expunged' });
    const a = await append(store, inbox.id, raw);
    const [src] = await store.mail.getMessages(inbox.id, [a.uid]);
    const copy = await store.mail.copyMessages(inbox.id, [a.uid], archive.id);
    await store.mail.expunge(inbox.id, { uids: [a.uid], onlyDeleted: false });
    expect(await store.blobs.has(src.blobId)).toBe(true);
    expect((await store.blobs.get(src.blobId)).equals(raw)).toBe(true);
    await store.mail.expunge(archive.id, { uids: [copy.mapping[0][1]], onlyDeleted: false });
    expect(await store.blobs.has(src.blobId)).toBe(false);
    await rejects(store.blobs.get(src.blobId), NotFound);
  });

  test('deduplicated appends share a blob until the last one goes', async ({ store }) => {
    const { inbox } = await userWithMailboxes(store);
    const raw = rawMessage({ body: 'delivered twice' });
    const a = await append(store, inbox.id, raw);
    const b = await append(store, inbox.id, raw);
    const blobId = (await store.mail.getMessageById(a.id))!.blobId;
    await store.mail.expunge(inbox.id, { uids: [a.uid], onlyDeleted: false });
    expect(await store.blobs.has(blobId)).toBe(true);
    await store.mail.expunge(inbox.id, { uids: [b.uid], onlyDeleted: false });
    expect(await store.blobs.has(blobId)).toBe(false);
  });

  test('a blob is freed when its mailbox is deleted', async ({ store }) => {
    const { archive } = await userWithMailboxes(store);
    const r = await append(store, archive.id, rawMessage({ body: 'in a doomed folder' }));
    const blobId = (await store.mail.getMessageById(r.id))!.blobId;
    await store.mail.deleteMailbox(archive.id);
    expect(await store.blobs.has(blobId)).toBe(false);
  });

  test('unknown blob ids are absent', async ({ store }) => {
    expect(await store.blobs.has('0'.repeat(64))).toBe(false);
    expect(await store.blobs.has('../../etc/passwd')).toBe(false);
    await rejects(store.blobs.get('0'.repeat(64)), NotFound);
    await rejects(store.blobs.get('../../etc/passwd'), NotFound);
  });

  test('a crash between blob write and metadata commit leaves nothing visible and no leak', async (ctx) => {
    const { user, inbox } = await userWithMailboxes(ctx.store);
    // Large enough to be a file in backends that keep small blobs in their database (where
    // the blob and its record commit together, so a crash cannot separate them).
    const big = (text: string) => `${text}\r\n`.repeat(Math.ceil(200_000 / (text.length + 2)));
    const kept = rawMessage({ body: big('committed normally') });
    const good = await append(ctx.store, inbox.id, kept);
    const goodBlob = (await ctx.store.mail.getMessageById(good.id))!.blobId;
    const usedBefore = await usedBytes(ctx.store, user.id);
    const before = await ctx.store.mail.mailboxStatus(inbox.id);

    const orphan = await ctx.simulateCrashedAppend(rawMessage({ body: big('the process died here') }));
    const store = await ctx.reopen();
    expect(await uidsOf(store, inbox.id)).toEqual([good.uid]);
    expect(await store.mail.mailboxStatus(inbox.id)).toEqual(before);
    expect(await usedBytes(store, user.id)).toBe(usedBefore);

    // Within the grace period the orphan may be an append in flight: it must survive.
    expect(await store.collectGarbage({ graceMs: 60 * 60_000 })).toBe(0);
    expect(await store.blobs.has(orphan)).toBe(true);

    expect(await store.collectGarbage({ graceMs: 0 })).toBeGreaterThanOrEqual(1);
    expect(await store.blobs.has(orphan)).toBe(false);
    expect((await store.blobs.get(goodBlob)).equals(kept)).toBe(true);
    expect(await store.collectGarbage({ graceMs: 0 })).toBe(0);
  });
}

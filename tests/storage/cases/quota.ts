// Quota: usedBytes is exact under concurrency, and an operation that would exceed the quota
// fails with OverQuota and leaves nothing behind.
import { expect } from 'vitest';
import { OverQuota } from '../../../core/errors.js';
import { append, rawOfSize, rejects, sum, uidsOf, usedBytes, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerQuotaTests({ test }: Suite): void {
  test('usedBytes counts every stored copy', async ({ store }) => {
    const { user, inbox, archive } = await userWithMailboxes(store);
    const sizes = [300, 450, 1200];
    const results = [];
    for (const size of sizes) results.push(await append(store, inbox.id, rawOfSize(size)));
    expect(await usedBytes(store, user.id)).toBe(sum(sizes));
    expect((await store.mail.listMessageIndex(inbox.id)).map((e) => e.size)).toEqual(sizes);
    // Copies count in full even though the bytes are stored once.
    await store.mail.copyMessages(inbox.id, [results[2].uid], archive.id);
    expect(await usedBytes(store, user.id)).toBe(sum(sizes) + 1200);
    await store.mail.expunge(inbox.id, { uids: [results[0].uid], onlyDeleted: false });
    expect(await usedBytes(store, user.id)).toBe(sum(sizes) + 1200 - 300);
    await store.mail.deleteMailbox(archive.id);
    expect(await usedBytes(store, user.id)).toBe(450 + 1200);
  });

  test('usedBytes stays exact under concurrent append, expunge, copy and move', async (ctx) => {
    const { user, inbox, archive } = await userWithMailboxes(ctx.store, 'alice', 10_000_000);
    const other = await ctx.store.mail.createMailbox(user.id, 'Other');
    const sizeOf = (i: number) => 300 + i * 17;
    const initial = [];
    for (let i = 0; i < 20; i++) initial.push(await append(ctx.store, inbox.id, rawOfSize(sizeOf(i))));
    const start = sum(initial.map((_, i) => sizeOf(i)));
    expect(await usedBytes(ctx.store, user.id)).toBe(start);

    // Disjoint UID sets, so the expected total does not depend on the interleaving.
    const expunged = initial.slice(0, 5);
    const copied = initial.slice(5, 10);
    const movedOut = initial.slice(10, 15);
    const newSizes = Array.from({ length: 30 }, (_, i) => 500 + i * 13);
    const ops: Promise<unknown>[] = [
      ...newSizes.map((s, i) => append(ctx.store, i % 2 ? inbox.id : archive.id, rawOfSize(s))),
      ...expunged.map((r) => ctx.store.mail.expunge(inbox.id, { uids: [r.uid], onlyDeleted: false })),
      ...copied.map((r) => ctx.store.mail.copyMessages(inbox.id, [r.uid], archive.id)),
      ...movedOut.map((r) => ctx.store.mail.moveMessages(inbox.id, [r.uid], other.id)),
    ];
    await Promise.all(ops);

    const expected = start - sum([0, 1, 2, 3, 4].map(sizeOf)) + sum([5, 6, 7, 8, 9].map(sizeOf)) + sum(newSizes);
    const stored = async (s: typeof ctx.store) => {
      let total = 0;
      for (const box of await s.mail.listMailboxes(user.id)) total += sum((await s.mail.listMessageIndex(box.id)).map((e) => e.size));
      return total;
    };
    expect(await stored(ctx.store)).toBe(expected);
    expect(await usedBytes(ctx.store, user.id)).toBe(expected);
    const reopened = await ctx.reopen();
    expect(await usedBytes(reopened, user.id)).toBe(expected);
  });

  test('append over quota is OverQuota and leaves nothing behind', async ({ store }) => {
    const { user, inbox } = await userWithMailboxes(store, 'alice', 1000);
    const first = await append(store, inbox.id, rawOfSize(600));
    const before = await store.mail.getMailbox(inbox.id);
    const err = await rejects(append(store, inbox.id, rawOfSize(401)), OverQuota);
    expect(err.quotaBytes).toBe(1000);
    expect(err.usedBytes).toBe(600);
    expect(await uidsOf(store, inbox.id)).toEqual([first.uid]);
    expect(await usedBytes(store, user.id)).toBe(600);
    expect((await store.mail.mailboxStatus(inbox.id)).sizeBytes).toBe(600);
    expect((await store.mail.getMailbox(inbox.id))!.highestModseq).toBe(before!.highestModseq);
    // Exactly filling the quota is allowed: only exceeding it is refused.
    await append(store, inbox.id, rawOfSize(400));
    expect(await usedBytes(store, user.id)).toBe(1000);
    await rejects(append(store, inbox.id, rawOfSize(300)), OverQuota);
  });

  test('concurrent appends never exceed the quota', async ({ store }) => {
    const { user, inbox } = await userWithMailboxes(store, 'alice', 10 * 500);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => append(store, inbox.id, rawOfSize(500))));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    for (const r of refused) expect(r.reason).toBeInstanceOf(OverQuota);
    expect(ok).toHaveLength(10);
    expect(await usedBytes(store, user.id)).toBe(5000);
    expect(await uidsOf(store, inbox.id)).toHaveLength(10);
  });

  test('copy over quota is OverQuota and copies nothing', async ({ store }) => {
    const { user, inbox, archive } = await userWithMailboxes(store, 'alice', 1000);
    const a = await append(store, inbox.id, rawOfSize(300));
    const b = await append(store, inbox.id, rawOfSize(300));
    const before = await store.mail.getMailbox(archive.id);
    // 600 used + 600 copied > 1000: all or nothing, so not even the first copy that would fit.
    await rejects(store.mail.copyMessages(inbox.id, [a.uid, b.uid], archive.id), OverQuota);
    expect(await uidsOf(store, archive.id)).toEqual([]);
    expect(await usedBytes(store, user.id)).toBe(600);
    const after = await store.mail.getMailbox(archive.id);
    expect(after!.uidNext).toBeGreaterThanOrEqual(before!.uidNext);
    expect(after!.highestModseq).toBe(before!.highestModseq);
    await store.mail.copyMessages(inbox.id, [a.uid], archive.id);
    expect(await usedBytes(store, user.id)).toBe(900);
  });

  test('a user at quota can still move messages (to Trash)', async ({ store }) => {
    // Reading of the contract: a move does not change what the user owns, so it needs no room;
    // otherwise a full mailbox could not even be cleaned up from an IMAP client.
    const { user, inbox, archive } = await userWithMailboxes(store, 'alice', 1000);
    const a = await append(store, inbox.id, rawOfSize(500));
    const b = await append(store, inbox.id, rawOfSize(500));
    const moved = await store.mail.moveMessages(inbox.id, [a.uid, b.uid], archive.id);
    expect(moved.mapping).toHaveLength(2);
    expect(await usedBytes(store, user.id)).toBe(1000);
  });

  test('a lowered quota refuses further appends; quota 0 means unlimited', async ({ store }) => {
    const { user, inbox } = await userWithMailboxes(store, 'alice', 0);
    await append(store, inbox.id, rawOfSize(5000));
    await store.accounts.updateUser(user.id, { quotaBytes: 4000 });
    await rejects(append(store, inbox.id, rawOfSize(300)), OverQuota);
    await store.accounts.updateUser(user.id, { quotaBytes: 0 });
    await append(store, inbox.id, rawOfSize(300));
    expect(await usedBytes(store, user.id)).toBe(5300);
  });
}

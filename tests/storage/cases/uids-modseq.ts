// UID and MODSEQ allocation (RFC 3501 §2.3.1.1, RFC 7162 §3): UIDs strictly increase and are
// never reused within a UIDVALIDITY; MODSEQ strictly increases per mailbox on every change.
import { expect } from 'vitest';
import { append, makeUser, rawMessage, sorted, sum, uidsOf, usedBytes } from '../fixtures.js';
import type { Suite } from '../suite.js';

export function registerUidModseqTests({ test }: Suite): void {
  test('sequential appends get increasing UIDs from uidNext', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await append(store, box.id));
    expect(results[0].uid).toBeGreaterThanOrEqual(box.uidNext);
    expect(results[1].uid).toBeGreaterThan(results[0].uid);
    expect(results[2].uid).toBeGreaterThan(results[1].uid);
    for (const r of results) expect(r.uidValidity).toBe(box.uidValidity);
    const after = await store.mail.getMailbox(box.id);
    expect(after!.uidNext).toBeGreaterThan(results[2].uid);
  });

  test('100 concurrent appends get 100 distinct UIDs and MODSEQs', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const results = await Promise.all(Array.from({ length: 100 }, () => append(store, box.id)));
    const uids = results.map((r) => r.uid);
    expect(new Set(uids).size).toBe(100);
    expect(new Set(results.map((r) => r.modseq)).size).toBe(100);
    expect(new Set(results.map((r) => r.id)).size).toBe(100);
    // One atomic increment hands out both, so UID order and MODSEQ order agree.
    const byUid = [...results].sort((a, b) => a.uid - b.uid);
    for (let i = 1; i < byUid.length; i++) expect(byUid[i].modseq).toBeGreaterThan(byUid[i - 1].modseq);
    const index = await store.mail.listMessageIndex(box.id);
    expect(index.map((e) => e.uid)).toEqual(sorted(uids));
    const after = await store.mail.getMailbox(box.id);
    expect(after!.uidNext).toBeGreaterThan(Math.max(...uids));
    expect(after!.highestModseq).toBe(Math.max(...results.map((r) => r.modseq)));
    expect((await store.mail.mailboxStatus(box.id)).messages).toBe(100);
  });

  test('concurrent appends through two store instances never share a UID', async (ctx) => {
    // The CLI importing mail while the server delivers: two writers on the same data.
    const alice = await makeUser(ctx.store, 'alice');
    const box = await ctx.store.mail.createMailbox(alice.id, 'INBOX');
    const cli = await ctx.openAnother();
    const raws = Array.from({ length: 40 }, () => rawMessage());
    const results = await Promise.all(raws.map((raw, i) => append(i % 2 ? cli : ctx.store, box.id, raw)));
    const uids = results.map((r) => r.uid);
    expect(new Set(uids).size).toBe(40);
    expect(new Set(results.map((r) => r.modseq)).size).toBe(40);
    expect(await uidsOf(ctx.store, box.id)).toEqual(sorted(uids));
    expect(await usedBytes(ctx.store, alice.id)).toBe(sum(raws.map((r) => r.length)));
  });

  test('concurrent appends into several mailboxes keep each mailbox consistent', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const boxes = await Promise.all(['INBOX', 'A', 'B'].map((n) => store.mail.createMailbox(alice.id, n)));
    const jobs = Array.from({ length: 60 }, (_, i) => append(store, boxes[i % 3].id).then((r) => ({ box: boxes[i % 3].id, r })));
    const results = await Promise.all(jobs);
    for (const box of boxes) {
      const mine = results.filter((x) => x.box === box.id).map((x) => x.r.uid);
      expect(new Set(mine).size).toBe(20);
      expect((await store.mail.listMessageIndex(box.id)).map((e) => e.uid)).toEqual(sorted(mine));
    }
  });

  test('the UID of an expunged highest message is not reused', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    await append(store, box.id);
    const top = await append(store, box.id);
    const before = await store.mail.getMailbox(box.id);
    await store.mail.expunge(box.id, { uids: [top.uid], onlyDeleted: false });
    expect((await store.mail.getMailbox(box.id))!.uidNext).toBe(before!.uidNext);
    const next = await append(store, box.id);
    expect(next.uid).toBeGreaterThan(top.uid);
    expect(next.uidValidity).toBe(top.uidValidity);
  });

  test('UIDs are not reused after expunge and reopen', async (ctx) => {
    const alice = await makeUser(ctx.store, 'alice');
    const box = await ctx.store.mail.createMailbox(alice.id, 'INBOX');
    await append(ctx.store, box.id);
    const top = await append(ctx.store, box.id);
    await ctx.store.mail.expunge(box.id, { uids: [top.uid], onlyDeleted: false });
    const store = await ctx.reopen();
    const reopened = await store.mail.getMailbox(box.id);
    expect(reopened!.uidValidity).toBe(box.uidValidity);
    expect(reopened!.uidNext).toBeGreaterThan(top.uid);
    expect(reopened!.highestModseq).toBeGreaterThan(top.modseq);
    const next = await append(store, box.id);
    expect(next.uid).toBeGreaterThan(top.uid);
    expect(next.modseq).toBeGreaterThan(reopened!.highestModseq);
    expect(next.uidValidity).toBe(box.uidValidity);
  });

  test('a re-created mailbox gets a new UIDVALIDITY', async (ctx) => {
    const alice = await makeUser(ctx.store, 'alice');
    const bob = await makeUser(ctx.store, 'bob');
    const first = await ctx.store.mail.createMailbox(alice.id, 'Projets');
    const other = await ctx.store.mail.createMailbox(bob.id, 'Projets');
    await append(ctx.store, first.id);
    expect(other.uidValidity).not.toBe(first.uidValidity);
    await ctx.store.mail.deleteMailbox(first.id);
    const second = await ctx.store.mail.createMailbox(alice.id, 'Projets');
    expect(second.uidValidity).not.toBe(first.uidValidity);
    expect(second.uidValidity).not.toBe(other.uidValidity);
    // Still never-used-before after a restart: the allocator must not restart from its seed.
    const store = await ctx.reopen();
    await store.mail.deleteMailbox(second.id);
    const third = await store.mail.createMailbox(alice.id, 'Projets');
    expect([first.uidValidity, other.uidValidity, second.uidValidity]).not.toContain(third.uidValidity);
    expect((await store.mail.listMessageIndex(third.id))).toEqual([]);
  });

  test('MODSEQ strictly increases across append, flag change and expunge', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const seen: number[] = [box.highestModseq];
    const highest = async () => (await store.mail.getMailbox(box.id))!.highestModseq;

    const a = await append(store, box.id);
    const b = await append(store, box.id);
    seen.push(a.modseq, b.modseq);
    expect(await highest()).toBe(b.modseq);

    const flagged = await store.mail.updateFlags(box.id, [a.uid], 'add', ['\\Seen']);
    expect(flagged.updated).toHaveLength(1);
    seen.push(flagged.updated[0].modseq);
    expect(await highest()).toBe(flagged.updated[0].modseq);
    const entryA = (await store.mail.listMessageIndex(box.id)).find((e) => e.uid === a.uid);
    expect(entryA!.modseq).toBe(flagged.updated[0].modseq);

    const both = await store.mail.updateFlags(box.id, [a.uid, b.uid], 'add', ['\\Flagged']);
    expect(both.updated).toHaveLength(2);
    const modseqs = both.updated.map((u) => u.modseq);
    seen.push(Math.max(...modseqs));
    expect(Math.min(...modseqs)).toBeGreaterThan(flagged.updated[0].modseq);

    const ex = await store.mail.expunge(box.id, { uids: [b.uid], onlyDeleted: false });
    seen.push(ex.modseq);
    expect(await highest()).toBe(ex.modseq);
    expect((await store.mail.mailboxStatus(box.id)).highestModseq).toBe(ex.modseq);

    const c = await append(store, box.id);
    seen.push(c.modseq);
    for (let i = 1; i < seen.length; i++) expect(seen[i], `step ${i} of ${JSON.stringify(seen)}`).toBeGreaterThan(seen[i - 1]);
  });

  test('a change that changes nothing does not bump MODSEQ', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const a = await append(store, box.id, undefined, { flags: ['\\Seen'] });
    // RFC 7162 §3.1: the mod-sequence changes when metadata changes; setting a flag that is
    // already set, or expunging nothing, is not a change.
    const noop = await store.mail.updateFlags(box.id, [a.uid], 'add', ['\\Seen']);
    expect(noop.updated).toEqual([]);
    const ex = await store.mail.expunge(box.id, { onlyDeleted: true });
    expect(ex).toEqual({ uids: [], modseq: a.modseq });
    expect((await store.mail.getMailbox(box.id))!.highestModseq).toBe(a.modseq);
  });

  test('listMessageIndex with changedSince returns only later changes', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const box = await store.mail.createMailbox(alice.id, 'INBOX');
    const date = new Date('2024-12-24T18:30:00.000Z');
    const a = await append(store, box.id, undefined, { internalDate: date });
    const b = await append(store, box.id);
    const c = await append(store, box.id);
    await store.mail.updateFlags(box.id, [a.uid], 'add', ['\\Answered']);
    const changed = await store.mail.listMessageIndex(box.id, { changedSince: b.modseq });
    expect(changed.map((e) => e.uid)).toEqual([a.uid, c.uid]);
    const all = await store.mail.listMessageIndex(box.id);
    expect(all.map((e) => e.uid)).toEqual([a.uid, b.uid, c.uid]);
    expect(all[0].internalDate.getTime()).toBe(date.getTime());
    expect(all[0].flags).toEqual(['\\Answered']);
  });
}

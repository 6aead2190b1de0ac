// The outbound queue: durable entries, exclusive leases, attempts, retry, removal.
import { expect } from 'vitest';
import type { QueueEntry, Store } from '../../../storage/types.js';
import { append, rawMessage, userWithMailboxes } from '../fixtures.js';
import type { Suite } from '../suite.js';

const HOUR = 3600_000;

function enqueue(store: Store, opts: { domain?: string; raw?: Buffer; dueIn?: number; from?: string } = {}): Promise<QueueEntry> {
  const now = Date.now();
  return store.queue.enqueue({
    from: opts.from ?? 'alice@ecole.example',
    domain: opts.domain ?? 'ailleurs.example',
    recipients: ['bob@ailleurs.example', 'carol@ailleurs.example'],
    raw: opts.raw ?? rawMessage(),
    expiresAt: new Date(now + 5 * 24 * HOUR),
    nextAttemptAt: new Date(now + (opts.dueIn ?? -1000)),
    meta: { envid: 'ENV-1', ret: 'HDRS' },
  });
}

const ids = (entries: QueueEntry[]) => entries.map((e) => e.id).sort();

export function registerQueueTests({ test }: Suite): void {
  test('enqueue stores the entry and its bytes', async ({ store }) => {
    const raw = rawMessage({ body: 'vers l’extérieur' });
    const e = await enqueue(store, { raw });
    expect(e).toMatchObject({
      from: 'alice@ecole.example', domain: 'ailleurs.example', size: raw.length, attempts: 0, lastError: null, leaseUntil: null,
      meta: { envid: 'ENV-1', ret: 'HDRS' },
      recipients: [
        { address: 'bob@ailleurs.example', status: 'pending', lastResponse: null },
        { address: 'carol@ailleurs.example', status: 'pending', lastResponse: null },
      ],
    });
    expect((await store.blobs.get(e.blobId)).equals(raw)).toBe(true);
    expect(await store.queue.get(e.id)).toEqual(e);
    expect(await store.queue.get('no-such-entry')).toBeNull();
    const bounce = await enqueue(store, { from: '' });
    expect(bounce.from).toBe('');
    expect(ids(await store.queue.list())).toEqual([e.id, bounce.id].sort());
    expect(await store.queue.list({ limit: 1 })).toHaveLength(1);

    // Without nextAttemptAt the entry is due at once, and meta defaults to empty.
    const noDate = await store.queue.enqueue({ from: 'a@ecole.example', domain: 'x.example', recipients: ['y@x.example'], raw, expiresAt: new Date(Date.now() + HOUR) });
    expect(noDate.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(noDate.meta).toEqual({});
  });

  test('claimDue leases due entries once, even to concurrent callers', async ({ store }) => {
    const due = [];
    for (let i = 0; i < 10; i++) due.push(await enqueue(store, { domain: `d${i}.example` }));
    const later = await enqueue(store, { dueIn: HOUR });
    const now = new Date();
    const batches = await Promise.all(Array.from({ length: 5 }, () => store.queue.claimDue(now, 3, 60_000)));
    const claimed = batches.flat();
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(3);
    expect(ids(claimed)).toEqual(ids(due));
    // Reading of the contract: the lease runs from the `now` the caller passed, for leaseMs.
    for (const e of claimed) expect(e.leaseUntil?.getTime()).toBe(now.getTime() + 60_000);
    expect(claimed.map((e) => e.id)).not.toContain(later.id);
    expect(await store.queue.claimDue(now, 100, 60_000)).toEqual([]);
    // An expired lease makes the entry claimable again (the worker holding it died).
    const afterLease = await store.queue.claimDue(new Date(now.getTime() + 61_000), 100, 60_000);
    expect(ids(afterLease)).toEqual(ids(due));
  });

  test('claimDue takes at most the room given per domain, the earliest due first', async ({ store }) => {
    const busy = [];
    // Distinct due times: "earliest first" must not depend on ties.
    for (let i = 0; i < 4; i++) busy.push(await enqueue(store, { domain: 'busy.example', dueIn: -10_000 + i * 100 }));
    const full = await enqueue(store, { domain: 'full.example', dueIn: -9_000 });
    const other = [await enqueue(store, { domain: 'other.example', dueIn: -8_000 }), await enqueue(store, { domain: 'other.example', dueIn: -7_000 })];
    const now = new Date();
    const first = await store.queue.claimDue(now, 10, 60_000, { perDomain: 1, domainRoom: { 'busy.example': 2, 'full.example': 0 } });
    expect(ids(first)).toEqual(ids([busy[0], busy[1], other[0]]));
    const rest = await store.queue.claimDue(now, 10, 60_000, { perDomain: 5 });
    expect(ids(rest)).toEqual(ids([busy[2], busy[3], full, other[1]]));
  });

  test('claimDue is exclusive across two store instances', async (ctx) => {
    const due = [];
    for (let i = 0; i < 12; i++) due.push(await enqueue(ctx.store, { domain: `d${i}.example` }));
    const second = await ctx.openAnother();
    const now = new Date();
    const batches = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? second : ctx.store).queue.claimDue(now, 3, 60_000)));
    const claimed = batches.flat().map((e) => e.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(ids(due));
  });

  test('recordAttempt stores outcomes and releases the lease; retryNow makes it due', async ({ store }) => {
    const e = await enqueue(store);
    const now = new Date();
    const [claimed] = await store.queue.claimDue(now, 1, 60_000);
    expect(claimed.id).toBe(e.id);
    const next = new Date(now.getTime() + HOUR);
    const after = await store.queue.recordAttempt(e.id, {
      recipients: [
        { address: 'bob@ailleurs.example', status: 'delivered', lastResponse: '250 2.0.0 OK' },
        { address: 'carol@ailleurs.example', status: 'pending', lastResponse: '451 4.7.1 greylisted' },
      ],
      nextAttemptAt: next,
      lastError: '451 4.7.1 greylisted',
    });
    expect(after).toMatchObject({ id: e.id, attempts: 1, leaseUntil: null, lastError: '451 4.7.1 greylisted' });
    expect(after.nextAttemptAt.getTime()).toBe(next.getTime());
    expect(after.recipients.map((r) => r.status)).toEqual(['delivered', 'pending']);
    expect(await store.queue.get(e.id)).toEqual(after);
    expect(await store.queue.claimDue(new Date(now.getTime() + 1000), 10, 60_000)).toEqual([]);

    const retried = await store.queue.retryNow(e.id);
    expect(retried.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(ids(await store.queue.claimDue(new Date(Date.now() + 1000), 10, 60_000))).toEqual([e.id]);
  });

  test('retryNow keeps a running lease (no second sender); release gives it back', async ({ store }) => {
    const e = await enqueue(store);
    const [claimed] = await store.queue.claimDue(new Date(), 1, 60_000);
    expect(claimed.id).toBe(e.id);
    const retried = await store.queue.retryNow(e.id);
    expect(retried.leaseUntil).not.toBeNull();
    expect(await store.queue.claimDue(new Date(Date.now() + 1000), 10, 60_000)).toEqual([]);
    await store.queue.release(e.id);
    expect(ids(await store.queue.claimDue(new Date(Date.now() + 1000), 10, 60_000))).toEqual([e.id]);
    await expect(store.queue.release('no-such-entry')).rejects.toThrow();
  });

  test('removing an entry frees its blob unless a message still holds it', async ({ store }) => {
    const raw = rawMessage({ body: 'only in the queue' });
    const e = await enqueue(store, { raw });
    await store.queue.remove(e.id);
    expect(await store.queue.get(e.id)).toBeNull();
    expect(await store.blobs.has(e.blobId)).toBe(false);

    // The same bytes both delivered locally and queued for a remote recipient.
    const { inbox } = await userWithMailboxes(store);
    const shared = rawMessage({ body: 'to a local and a remote recipient' });
    const local = await append(store, inbox.id, shared);
    const q = await enqueue(store, { raw: shared });
    expect(q.blobId).toBe((await store.mail.getMessageById(local.id))!.blobId);
    await store.queue.remove(q.id);
    expect((await store.blobs.get(q.blobId)).equals(shared)).toBe(true);
  });
}

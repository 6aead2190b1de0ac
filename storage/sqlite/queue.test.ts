import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Invalid, NotFound } from '../../core/errors.js';
import type { Store } from '../types.js';
import { openSqliteStore } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../..');
const run = promisify(execFile);

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-queue-'));
  store = await openSqliteStore({ dataDir: dir });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const hour = 3600_000;

function enqueue(raw = 'Subject: hi\r\n\r\nbody\r\n', nextAttemptAt?: Date, recipients = ['a@remote.test']) {
  return store.queue.enqueue({
    from: 'teacher@school.test', domain: 'remote.test', recipients, raw: Buffer.from(raw),
    expiresAt: new Date(Date.now() + 5 * 24 * hour), nextAttemptAt, meta: { envid: 'x1', ret: 'HDRS' },
  });
}

function blobFile(id: string): string {
  return path.join(dir, 'blobs', id.slice(0, 2), id.slice(2, 4), id);
}

describe('enqueue and read back', () => {
  it('stores the raw message byte-exact with every recipient pending', async () => {
    const raw = 'Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9\r\n';
    const from = await store.changes.latest();
    const entry = await enqueue(raw, undefined, ['a@remote.test', 'b@remote.test']);
    expect(entry.recipients).toEqual([
      { address: 'a@remote.test', status: 'pending', lastResponse: null },
      { address: 'b@remote.test', status: 'pending', lastResponse: null },
    ]);
    expect(entry.attempts).toBe(0);
    expect(entry.leaseUntil).toBeNull();
    expect(entry.meta).toEqual({ envid: 'x1', ret: 'HDRS' });
    expect(entry.size).toBe(Buffer.byteLength(raw));
    expect((await store.blobs.get(entry.blobId)).equals(Buffer.from(raw))).toBe(true);
    expect(await store.queue.get(entry.id)).toEqual(entry);
    expect((await store.changes.since(from)).map((e) => e.kind)).toEqual(['queue']);
  });

  it('refuses an entry without recipients', async () => {
    await expect(enqueue('x', undefined, [])).rejects.toBeInstanceOf(Invalid);
  });

  it('lists entries by next attempt time', async () => {
    const now = Date.now();
    const late = await enqueue('late', new Date(now + 2 * hour));
    const soon = await enqueue('soon', new Date(now + hour));
    const due = await enqueue('due', new Date(now - hour));
    expect((await store.queue.list()).map((e) => e.id)).toEqual([due.id, soon.id, late.id]);
    expect((await store.queue.list({ limit: 2 })).map((e) => e.id)).toEqual([due.id, soon.id]);
  });
});

describe('leases', () => {
  it('claims only due, unleased entries, and gives them back when the lease expires', async () => {
    const now = new Date();
    const due = await enqueue('due', new Date(now.getTime() - 1000));
    await enqueue('later', new Date(now.getTime() + hour));
    const claimed = await store.queue.claimDue(now, 10, 60_000);
    expect(claimed.map((e) => e.id)).toEqual([due.id]);
    expect(claimed[0].leaseUntil?.getTime()).toBe(now.getTime() + 60_000);
    expect(await store.queue.claimDue(now, 10, 60_000)).toEqual([]);
    expect(await store.queue.claimDue(new Date(now.getTime() + 59_999), 10, 60_000)).toEqual([]);
    const reclaimed = await store.queue.claimDue(new Date(now.getTime() + 60_000), 10, 60_000);
    expect(reclaimed.map((e) => e.id)).toEqual([due.id]);
  });

  it('respects the limit, oldest due first', async () => {
    const now = Date.now();
    const a = await enqueue('a', new Date(now - 3000));
    const b = await enqueue('b', new Date(now - 2000));
    await enqueue('c', new Date(now - 1000));
    expect((await store.queue.claimDue(new Date(now), 2, 60_000)).map((e) => e.id)).toEqual([a.id, b.id]);
  });

  it('never gives one entry to two workers in different processes', async () => {
    const total = 120;
    for (let i = 0; i < total; i++) await enqueue(`message ${i}`, new Date(Date.now() - 1000));
    // Each worker opens its own connection, waits for a common start time so that they
    // contend, then claims one entry at a time until none is left.
    const script = path.join(dir, 'claimer.mts');
    writeFileSync(script, `
      import { openSqliteStore } from ${JSON.stringify(pathToFileURL(path.join(here, 'index.ts')).href)};
      const [dataDir, startAt] = process.argv.slice(2);
      const store = await openSqliteStore({ dataDir });
      while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5));
      const ids = [];
      for (;;) {
        const got = await store.queue.claimDue(new Date(), 1, 600000);
        if (got.length === 0) break;
        ids.push(...got.map((e) => e.id));
      }
      await store.close();
      process.stdout.write(JSON.stringify(ids));
    `);
    const startAt = String(Date.now() + 3000);
    const outputs = await Promise.all([0, 1, 2, 3].map(() =>
      run(process.execPath, ['--import', 'tsx', script, dir, startAt], { cwd: projectRoot })));
    const perWorker = outputs.map((o) => JSON.parse(o.stdout) as string[]);
    const all = perWorker.flat();
    expect(all.length).toBe(total);
    expect(new Set(all).size).toBe(total);
  });

  it('never gives one entry to two concurrent callers in one process', async () => {
    for (let i = 0; i < 20; i++) await enqueue(`m${i}`, new Date(Date.now() - 1000));
    const other = await openSqliteStore({ dataDir: dir });
    try {
      const now = new Date();
      const batches = await Promise.all([store, other, store, other].map((s) => s.queue.claimDue(now, 7, 60_000)));
      const ids = batches.flat().map((e) => e.id);
      expect(ids.length).toBe(20);
      expect(new Set(ids).size).toBe(20);
    } finally {
      await other.close();
    }
  });
});

describe('attempts, retry and removal', () => {
  it('records an attempt and releases the lease', async () => {
    const entry = await enqueue('m', new Date(Date.now() - 1000));
    await store.queue.claimDue(new Date(), 1, 60_000);
    const next = new Date(Date.now() + hour);
    const after = await store.queue.recordAttempt(entry.id, {
      recipients: [{ address: 'a@remote.test', status: 'pending', lastResponse: '451 4.7.1 try later' }],
      nextAttemptAt: next, lastError: '451 4.7.1 try later',
    });
    expect(after.attempts).toBe(1);
    expect(after.leaseUntil).toBeNull();
    expect(after.nextAttemptAt.getTime()).toBe(next.getTime());
    expect(after.lastError).toBe('451 4.7.1 try later');
    expect(after.recipients[0].lastResponse).toBe('451 4.7.1 try later');
    expect(await store.queue.claimDue(new Date(), 1, 60_000)).toEqual([]);

    const retried = await store.queue.retryNow(entry.id);
    expect(retried.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await store.queue.claimDue(new Date(), 1, 60_000)).map((e) => e.id)).toEqual([entry.id]);
    await expect(store.queue.recordAttempt('nope', { recipients: [], nextAttemptAt: next, lastError: null })).rejects.toBeInstanceOf(NotFound);
    await expect(store.queue.retryNow('nope')).rejects.toBeInstanceOf(NotFound);
  });

  it('frees the blob with the last entry that references it', async () => {
    const bytes = `Subject: same\r\n\r\n${'same bytes\r\n'.repeat(10_000)}`; // a file, not inline
    const one = await enqueue(bytes);
    const two = await enqueue(bytes);
    expect(two.blobId).toBe(one.blobId);
    await store.queue.remove(one.id);
    expect(existsSync(blobFile(one.blobId))).toBe(true);
    expect(await store.queue.get(one.id)).toBeNull();
    const from = await store.changes.latest();
    await store.queue.remove(two.id);
    expect(existsSync(blobFile(two.blobId))).toBe(false);
    expect(await store.blobs.has(two.blobId)).toBe(false);
    expect((await store.changes.since(from)).map((e) => e.kind)).toEqual(['queue']);
    await expect(store.queue.remove(two.id)).rejects.toBeInstanceOf(NotFound);
    expect(await store.queue.list()).toEqual([]);
  });
});

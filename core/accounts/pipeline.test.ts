import { describe, expect, it } from 'vitest';
import { AlreadyExists, Invalid, Unavailable } from '../errors.js';
import type { CreateUserOutcome, NewUserBatchItem, User } from '../../storage/index.js';
import { BATCH, HASHES_AHEAD, runPipeline, type CreateUsersResult } from './pipeline.js';

const item = (i: number): NewUserBatchItem => ({
  user: { address: `u${i}@x.example`, displayName: `u${i}`, passwordHash: null, quotaBytes: 0, role: 'user', unit: null, enabled: true },
});
const userOf = (it: NewUserBatchItem) => ({ address: it.user.address }) as User;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runPipeline', () => {
  it('writes batches while later items are still being made, with a bounded number in flight', async () => {
    let making = 0;
    let maxMaking = 0;
    let made = 0;
    const writes: { size: number; madeBefore: number }[] = [];
    const results = new Map<number, CreateUsersResult>();
    await runPipeline({
      count: 450,
      make: async (i) => {
        making++;
        maxMaking = Math.max(maxMaking, making);
        await tick();
        making--;
        made++;
        if (i === 7) throw new Invalid('bad line 7', 'x');
        return item(i);
      },
      write: async (items) => {
        writes.push({ size: items.length, madeBefore: made });
        await tick();
        return items.map((it): CreateUserOutcome => (it.user.address === 'u9@x.example'
          ? { ok: false, error: new AlreadyExists('taken') } : { ok: true, user: userOf(it) }));
      },
      done: (i, r) => {
        expect(results.has(i), `item ${i} reported twice`).toBe(false);
        results.set(i, r);
      },
    });
    expect(results.size).toBe(450);
    expect(maxMaking).toBeGreaterThan(1);
    expect(maxMaking).toBe(HASHES_AHEAD);
    // Every write but the last holds at least a batch; the first starts long before the end.
    expect(writes.slice(0, -1).every((w) => w.size >= BATCH)).toBe(true);
    expect(writes.reduce((n, w) => n + w.size, 0)).toBe(449);
    expect(writes[0].madeBefore).toBeLessThan(BATCH + 2 * HASHES_AHEAD);
    expect(results.get(7)).toMatchObject({ ok: false, error: { message: 'bad line 7' } });
    expect(results.get(9)?.ok).toBe(false);
    expect(results.get(8)).toEqual({ ok: true, user: { address: 'u8@x.example' } });
  });

  it('reports every user of a batch the store refused as a whole, and goes on', async () => {
    const results: CreateUsersResult[] = [];
    let calls = 0;
    await runPipeline({
      count: 250,
      make: async (i) => item(i),
      write: async (items) => {
        if (calls++ === 0) throw new Unavailable('database unavailable (SQLITE_BUSY)');
        return items.map((it) => ({ ok: true, user: userOf(it) }));
      },
      done: (i, r) => { results[i] = r; },
    });
    const refused = results.filter((r) => !r.ok);
    expect(refused.length).toBeGreaterThanOrEqual(BATCH);
    expect(refused.length).toBeLessThan(250);
    expect(refused.every((r) => !r.ok && r.error instanceof Unavailable)).toBe(true);
  });

  it('stops on a fault: an untyped error from making, writing or a result', async () => {
    await expect(runPipeline({
      count: 50, make: async (i) => { if (i === 3) throw new Error('hash failed'); return item(i); },
      write: async (items) => items.map((it) => ({ ok: true, user: userOf(it) })), done: () => {},
    })).rejects.toThrow('hash failed');
    await expect(runPipeline({
      count: 50, make: async (i) => item(i), write: async () => { throw new Error('disk on fire'); }, done: () => {},
    })).rejects.toThrow('disk on fire');
    await expect(runPipeline({
      count: 5, make: async (i) => item(i), write: async (items) => items.map(() => ({ ok: false, error: new Error('odd') })), done: () => {},
    })).rejects.toThrow('odd');
  });

  it('does nothing for no items', async () => {
    let writes = 0;
    await runPipeline({ count: 0, make: async (i) => item(i), write: async () => { writes++; return []; }, done: () => {} });
    expect(writes).toBe(0);
  });
});

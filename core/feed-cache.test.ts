import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Store } from '../storage/index.js';
import { FeedCache } from './feed-cache.js';

function fakeStore() {
  let listener: (e: ChangeEvent) => void = () => undefined;
  const store = { changes: { subscribe: (l: (e: ChangeEvent) => void) => { listener = l; return () => undefined; } } } as unknown as Store;
  const emit = (kind: ChangeEvent['kind'], userId: string | null) =>
    listener({ seq: 1, at: new Date(), kind, userId, mailboxId: null, collectionId: null, uids: [], modseq: null });
  return { store, emit };
}

const byUser = (e: ChangeEvent) => (e.kind === 'user.settings' ? e.userId : undefined);

describe('FeedCache', () => {
  it('loads once, and again only for the key an event names (or every key)', async () => {
    const { store, emit } = fakeStore();
    let loads = 0;
    const cache = new FeedCache(store, async (k) => `${k}${++loads}`, byUser);
    expect(await Promise.all([cache.get('a'), cache.get('a'), cache.get('b')])).toEqual(['a1', 'a1', 'b2']);
    emit('account.domain', 'a');
    expect(await cache.get('a')).toBe('a1');
    emit('user.settings', 'a');
    expect(await cache.get('a')).toBe('a3');
    expect(await cache.get('b')).toBe('b2');
    emit('user.settings', null);
    expect(await cache.get('b')).toBe('b4');
  });

  it('does not keep a value read before a change that arrived during the read', async () => {
    const { store, emit } = fakeStore();
    let value = 'old';
    let release: () => void = () => undefined;
    const cache = new FeedCache(store, (k) => new Promise<string>((resolve) => { const v = `${k}:${value}`; release = () => resolve(v); }), byUser);
    const first = cache.get('a');
    value = 'new';
    emit('user.settings', 'a');
    release();
    expect(await first).toBe('a:old');
    const second = cache.get('a');
    release();
    expect(await second).toBe('a:new');
  });

  it('forgets failed loads, values it does not keep, and the oldest keys beyond its size', async () => {
    const { store } = fakeStore();
    let loads = 0;
    const cache = new FeedCache(store, async (k) => {
      loads++;
      if (k === 'bad' && loads < 3) throw new Error('busy');
      return k === 'no' ? null : k;
    }, byUser, { keep: (v) => v !== null, maxEntries: 2 });
    await expect(cache.get('bad')).rejects.toThrow('busy');
    expect(await cache.get('no')).toBeNull();
    expect(await cache.get('bad')).toBe('bad');
    expect(loads).toBe(3);
    await cache.get('no');
    expect(loads).toBe(4);
    await cache.get('x');
    await cache.get('y');
    const before = loads;
    await cache.get('bad');
    expect(loads).toBe(before + 1);
    await cache.get('y');
    expect(loads).toBe(before + 1);
  });
});

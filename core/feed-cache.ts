// Values read from the store and kept until the store's change feed says they may have changed.
// The feed carries writes from other processes too (the CLI beside the server), so nothing
// here needs a time to live. Entries are promises: concurrent readers of a missing key share
// one load, and an invalidation that arrives while a load is under way drops it, so a value
// read before a change is never kept after it.
import type { ChangeEvent, Store } from '../storage/index.js';
import { BoundedMap } from './bounded-map.js';

/** Which keys an event makes stale: one key, every key (null), or none (undefined). */
export type StaleKeys = (event: ChangeEvent) => string | null | undefined;

export interface FeedCacheOptions<V> {
  /** Beyond this many keys the oldest are dropped. */
  maxEntries?: number;
  /** Only values it accepts are kept (e.g. "this domain is ours", not "it is not"). */
  keep?: (value: V) => boolean;
}

export class FeedCache<V> {
  private readonly entries: BoundedMap<string, Promise<V>>;
  private readonly keep: (value: V) => boolean;

  constructor(store: Store, private readonly load: (key: string) => Promise<V>, stale: StaleKeys, options: FeedCacheOptions<V> = {}) {
    this.entries = new BoundedMap(options.maxEntries ?? 100_000);
    this.keep = options.keep ?? (() => true);
    store.changes.subscribe((event) => {
      const key = stale(event);
      if (key === null) this.entries.clear();
      else if (key !== undefined) this.entries.delete(key);
    });
  }

  get(key: string): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const value = this.load(key);
    this.entries.set(key, value);
    const drop = () => { if (this.entries.get(key) === value) this.entries.delete(key); };
    // A failed load is not remembered, nor a value the cache does not keep.
    value.then((v) => { if (!this.keep(v)) drop(); }, drop);
    return value;
  }

  /** The caller found the value wrong (e.g. the mailbox is gone): the next get() reads again. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}

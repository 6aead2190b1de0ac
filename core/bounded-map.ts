// A Map that keeps at most `maxEntries` keys: setting one more drops the oldest (Map iterates
// in insertion order). The caches across the tree share it instead of each trimming its own
// map. Oldest means first set: a cache that wants least-recently-used deletes a key before
// setting it again (touch), which makes it the newest. A leaf module: the store imports it.
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly maxEntries: number) {
    super();
    if (!(maxEntries >= 1)) throw new RangeError(`BoundedMap needs room for at least one entry (got ${maxEntries})`);
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    while (this.size > this.maxEntries) this.delete(this.keys().next().value as K);
    return this;
  }

  /** Sets `key` as the newest entry, whether it was there or not. */
  touch(key: K, value: V): this {
    this.delete(key);
    return this.set(key, value);
  }
}

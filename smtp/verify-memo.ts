// Results of checks that depend only on their inputs and on DNS answers, reused while the
// answers they were computed from are still the ones the DNS cache serves. One sending server
// delivers many messages in a row with the same envelope sender, client address and From:
// domain; its SPF and DMARC evaluations (parsing the records, walking the SPF terms, finding the
// organizational domain) were a visible share of the time per message even with every answer
// already in the cache. A reused result is exactly what a new evaluation would give: the same
// inputs (the key) and the same answers (each entry checked by identity, dns-cache.ts). What is
// decided per message from it (DMARC pct sampling) is still decided per message. The client's
// forward-confirmed PTR name (client-address.ts) is kept the same way.
import { BoundedMap, asResolver, type Resolver } from '../core/index.js';
import type { DnsCache } from './dns-cache.js';

interface Entry<T> {
  value: T;
  /** Every lookup the computation made, with the cache entry that answered it. */
  lookups: Array<{ name: string; rrtype: string; entry: object | undefined }>;
}

const CLOCK_MACRO = /%\{t/i;

export class VerifyMemo {
  private readonly entries: BoundedMap<string, Entry<unknown>>;

  constructor(private readonly dns: DnsCache, maxEntries = 1000) {
    this.entries = new BoundedMap(maxEntries);
  }

  /**
   * `compute(resolver)`'s value for `key`, reused while every answer it read is still served.
   * `compute` must depend on nothing but `key` and what it reads through `resolver`, and its
   * value must not be changed by whoever receives it.
   */
  async get<T>(key: string, compute: (resolver: Resolver) => Promise<T>): Promise<T> {
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && hit.lookups.every((l) => l.entry !== undefined && this.dns.current(l.name, l.rrtype) === l.entry)) return hit.value;
    if (hit) this.entries.delete(key);
    const lookups: Entry<T>['lookups'] = [];
    let clockBound = false;
    const recording = asResolver(async (name, rrtype) => {
      const answer = this.dns.resolver(name, rrtype);
      lookups.push({ name, rrtype, entry: this.dns.current(name, rrtype) });
      const value = await answer;
      // mailauth expands the %{t} macro (the time) wherever a record has it, although RFC 7208
      // §7.3 allows it only in explanations: a result from such a record is not a function of
      // the answers alone.
      if (rrtype === 'TXT' && CLOCK_MACRO.test(JSON.stringify(value))) clockBound = true;
      return value;
    });
    const value = await compute(recording);
    // A lookup that failed for a while (not cached) has no entry: such a result is not kept.
    if (!clockBound && lookups.every((l) => l.entry !== undefined)) {
      this.entries.set(key, { value, lookups });
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

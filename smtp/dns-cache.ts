// A short-lived cache in front of the resolver, for the MX thread: one sending server delivers
// many messages in a row, and each asks the same questions (its PTR and A records, the SPF and
// DMARC records of its domain). From the MX thread every lookup is a call to the main thread,
// which waits behind the store's writes when it is busy; a local caching resolver, which a
// mail server normally has, would answer these from memory too.
import { BoundedMap, asResolver, isNoRecord, type Resolver } from '../core/index.js';

export interface DnsCacheOptions {
  /** How long an answer (or a "no such record") is reused. */
  ttlMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

/** Longer than a burst from one sender, short enough that an edited record (a zone file is
 *  re-read within a second of an edit) is seen within seconds. */
export const MX_DNS_CACHE: DnsCacheOptions = { ttlMs: 5000, maxEntries: 10_000 };

/** A caching resolver, and a way to tell which answer it holds now for a question. */
export interface DnsCache {
  resolver: Resolver;
  /**
   * The entry answering `rrtype name` now, or undefined when there is none (never asked,
   * expired, dropped after a failure). The same object as long as the same answer is served:
   * a result computed from answers whose entries are all still current is the result a new
   * computation would give (verify-memo.ts).
   */
  current(name: string, rrtype: string): object | undefined;
}

export function cachingResolver(resolver: Resolver, options: DnsCacheOptions): Resolver {
  return dnsCache(resolver, options).resolver;
}

export function dnsCache(resolver: Resolver, options: DnsCacheOptions): DnsCache {
  const now = options.now ?? Date.now;
  // Insertion order is age order: a refreshed entry is deleted and set again.
  const cache = new BoundedMap<string, { expires: number; answer: Promise<unknown> }>(options.maxEntries);
  const keyOf = (name: string, rrtype: string) => `${rrtype} ${name.toLowerCase()}`;
  return {
    current(name, rrtype) {
      const hit = cache.get(keyOf(name, rrtype));
      return hit && hit.expires > now() ? hit : undefined;
    },
    resolver: asResolver((name, rrtype) => {
      const key = keyOf(name, rrtype);
      const hit = cache.get(key);
      // Each caller gets its own copy: a caller that sorts or edits its answer changes no other's.
      if (hit && hit.expires > now()) return hit.answer.then(copy) as ReturnType<Resolver>;
      cache.delete(key);
      const answer = resolver(name, rrtype);
      // In flight lookups are shared too; a temporary failure is forgotten at once.
      cache.set(key, { expires: now() + options.ttlMs, answer });
      answer.catch((err: unknown) => {
        if (!isNoRecord(err) && cache.get(key)?.answer === answer) cache.delete(key);
      });
      return answer.then(copy) as ReturnType<Resolver>;
    }),
  };
}

function copy(answer: unknown): unknown {
  if (!Array.isArray(answer)) return answer;
  return answer.map((x: unknown) => (Array.isArray(x) ? [...x] : x && typeof x === 'object' ? { ...x } : x));
}

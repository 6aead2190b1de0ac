// Resolvers answering from a zone file: for tests (nothing leaves the machine) and for
// air-gapped sites. A name the zone lists is answered by the zone alone; any other name is
// NXDOMAIN, or goes to the `fallback` resolver when one is given.

import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { normalizeQueryName } from './names.js';
import { asResolver, DnsError, ZONE_RR_TYPES, type DnsAnswer, type Resolver, type ZoneRRType } from './types.js';
import { parseZone, type OwnerData, type Zone } from './zonefile.js';

export interface ZoneResolverOptions {
  /**
   * Asked for names the zone does not list (and for CNAME targets outside it). Without it
   * the zone is the whole DNS: unlisted names do not exist.
   */
  fallback?: Resolver;
}

export interface ZoneFileResolverOptions extends ZoneResolverOptions {
  /**
   * At most one stat() of the file per this many milliseconds, to notice edits (default 1000;
   * 0 checks on every lookup).
   */
  recheckMs?: number;
}

// Resolvers give up on long alias chains too (SERVFAIL); 8 is what BIND allows.
const MAX_CNAME_HOPS = 8;

/** A resolver over a parsed zone. */
export function zoneResolver(zone: Zone, options: ZoneResolverOptions = {}): Resolver {
  return asResolver((name, rrtype) => answer(zone, options.fallback, name, rrtype));
}

/** A resolver over zone file text, parsed now (throws ZoneFileError naming `source` and the line). */
export function zoneTextResolver(text: string, options: ZoneResolverOptions & { source?: string } = {}): Resolver {
  return zoneResolver(parseZone(text, options.source ?? '<zone>'), options);
}

/**
 * A resolver over a zone file, read now (a malformed file throws ZoneFileError here, at
 * startup) and read again when its mtime, size or inode changes. While an edited file is
 * malformed or unreadable, lookups fail with code EZONEFILE (a temporary DNS failure for
 * SPF/DKIM/DMARC and for delivery) rather than answer from a stale or half-read zone.
 */
export function zoneFileResolver(path: string, options: ZoneFileResolverOptions = {}): Resolver {
  const source = new ZoneFileSource(path, options.recheckMs ?? 1000);
  return asResolver(async (name, rrtype) => {
    let zone: Zone;
    try {
      zone = await source.current();
    } catch (err) {
      throw new DnsError('EZONEFILE', name, rrtype, { cause: err, detail: (err as Error).message });
    }
    return answer(zone, options.fallback, name, rrtype);
  });
}

async function answer(zone: Zone, fallback: Resolver | undefined, name: string, rrtype: string): Promise<DnsAnswer> {
  const type = String(rrtype).toUpperCase();
  let q = normalizeQueryName(name);
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const data = zone.owner(q);
    if (!data) {
      if (fallback) return fallback(q, type);
      throw new DnsError(zone.isEmptyNonTerminal(q) ? 'ENODATA' : 'ENOTFOUND', name, type);
    }
    if ((ZONE_RR_TYPES as readonly string[]).includes(type)) {
      const found = copy(data, type as ZoneRRType);
      if (found) return found;
    }
    // Like a recursive resolver, follow an alias to its target's records (RFC 1034 §3.6.2).
    if (data.CNAME && type !== 'CNAME') {
      q = data.CNAME[0];
      continue;
    }
    throw new DnsError('ENODATA', name, type);
  }
  throw new DnsError('ESERVFAIL', name, type, { detail: `more than ${MAX_CNAME_HOPS} CNAMEs in a row` });
}

/** Fresh arrays: callers may sort or edit an answer (mailauth sorts MX lists in place). */
function copy(data: Readonly<OwnerData>, type: ZoneRRType): DnsAnswer | undefined {
  switch (type) {
    case 'TXT': return data.TXT?.map((chunks) => [...chunks]);
    case 'MX': return data.MX?.map((mx) => ({ ...mx }));
    default: return data[type]?.slice();
  }
}

class ZoneFileSource {
  private zone: Zone;
  private stamp: string;
  private broken: Error | null = null;
  private checkedAt: number;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly recheckMs: number,
  ) {
    const st = statSync(path);
    this.zone = parseZone(readFileSync(path, 'utf8'), path);
    this.stamp = stampOf(st);
    this.checkedAt = Date.now();
  }

  async current(): Promise<Zone> {
    if (Date.now() - this.checkedAt >= this.recheckMs) {
      // Concurrent lookups share one check.
      this.checking ??= this.check().finally(() => {
        this.checking = null;
      });
      await this.checking;
    }
    if (this.broken) throw this.broken;
    return this.zone;
  }

  private async check(): Promise<void> {
    this.checkedAt = Date.now();
    let st: Stats;
    try {
      st = await stat(this.path);
    } catch (err) {
      this.stamp = '';
      this.broken = new Error(`cannot read zone file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      return;
    }
    const stamp = stampOf(st);
    if (stamp === this.stamp) return;
    // Stat before reading: if the file changes again meanwhile, the next check reads it again.
    this.stamp = stamp;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      this.stamp = ''; // a failed read is retried at the next check
      this.broken = new Error(`cannot read zone file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      return;
    }
    try {
      this.zone = parseZone(text, this.path);
      this.broken = null;
    } catch (err) {
      this.broken = err as Error;
    }
  }
}

function stampOf(st: Stats): string {
  // The inode changes when an editor saves by renaming a new file over the old one.
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

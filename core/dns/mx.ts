// Where to deliver mail for a domain (RFC 5321 §5.1): its MX hosts by preference, the domain
// itself when it has no MX, nowhere when it publishes a null MX (RFC 7505). Failures come back
// as values shaped like the delivery pipeline's refusals (SMTP code + RFC 3463 status), so the
// outbound queue can bounce or retry without interpreting DNS errors itself.

import { normalizeQueryName } from './names.js';
import { isNoRecord, type MxRecord, type Resolver } from './types.js';

export interface MxHost {
  exchange: string;
  priority: number;
  /** IPv4 addresses first, then IPv6. */
  addresses: string[];
}

export type MxFailure = 'null-mx' | 'no-domain' | 'no-address' | 'loops-to-self' | 'dns-failure';

export type MxResolution =
  | {
      ok: true;
      /** No MX records: the domain itself stands as its only MX (RFC 5321 §5.1). */
      implicit: boolean;
      /** In the order to try them; only hosts with at least one address. */
      hosts: MxHost[];
      /** MX hosts left out because they have no address, with why (for logs and DSNs). */
      unresolved: { exchange: string; reason: string }[];
    }
  | { ok: false; reason: MxFailure; temporary: boolean; code: number; status: string; text: string };

export interface ResolveMxOptions {
  /**
   * Names of this server. RFC 5321 §5.1: if one is an MX of the domain, hosts of that
   * preference or worse are dropped, so mail is not sent back to ourselves.
   */
  localNames?: string[];
  /** Orders hosts of equal preference (RFC 5321 §5.1: at random); default Math.random. */
  random?: () => number;
}

export async function resolveMx(resolver: Resolver, domain: string, options: ResolveMxOptions = {}): Promise<MxResolution> {
  const name = normalizeQueryName(domain);
  let records: MxRecord[];
  try {
    records = await resolver(name, 'MX');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOTFOUND') {
      return failure('no-domain', 550, '5.1.2', `Domain ${name} does not exist`);
    }
    if (!isNoRecord(err)) return dnsFailure(name, 'MX', err);
    records = [];
  }

  // RFC 7505 §3: a single MX whose exchange is the root ('.') says "no mail here".
  // Node reports the root name as an empty string.
  const isRoot = (mx: MxRecord) => mx.exchange === '' || mx.exchange === '.';
  if (records.length === 1 && isRoot(records[0])) {
    return failure('null-mx', 556, '5.1.10', `Domain ${name} does not accept mail (null MX)`);
  }

  const implicit = records.length === 0;
  let candidates: { exchange: string; priority: number }[] = implicit
    ? [{ exchange: name, priority: 0 }]
    : sortByPreference(
        records.filter((mx) => !isRoot(mx)).map((mx) => ({ exchange: normalizeQueryName(mx.exchange), priority: mx.priority })),
        options.random ?? Math.random,
      ).filter((mx, i, all) => all.findIndex((o) => o.exchange === mx.exchange) === i); // a host listed twice keeps its best preference

  const local = new Set((options.localNames ?? []).map(normalizeQueryName));
  const self = candidates.find((mx) => local.has(mx.exchange));
  if (self) {
    candidates = candidates.filter((mx) => mx.priority < self.priority);
    if (candidates.length === 0) {
      return failure('loops-to-self', 550, '5.4.6', `Mail for ${name} loops back to this server (it is the best MX)`);
    }
  }

  const resolved = await Promise.all(candidates.map((mx) => addressesOf(resolver, mx.exchange)));
  const hosts: MxHost[] = [];
  const unresolved: { exchange: string; reason: string }[] = [];
  let temporaryError: unknown = null;
  candidates.forEach((mx, i) => {
    const r = resolved[i];
    if (r.addresses.length > 0) hosts.push({ ...mx, addresses: r.addresses });
    else unresolved.push({ exchange: mx.exchange, reason: r.error ? errorText(r.error) : 'no A or AAAA record' });
    if (r.error && r.addresses.length === 0) temporaryError ??= r.error;
  });

  if (hosts.length > 0) return { ok: true, implicit, hosts, unresolved };
  if (temporaryError) return dnsFailure(name, 'A/AAAA', temporaryError);
  return failure('no-address', 550, '5.4.4', implicit
    ? `Domain ${name} has no MX record and no address`
    : `No address for the MX hosts of ${name} (${candidates.map((c) => c.exchange).join(', ')})`);
}

/** Ascending preference; equal preferences shuffled (Fisher-Yates inside each group). */
function sortByPreference<T extends { priority: number }>(list: T[], random: () => number): T[] {
  const out: T[] = [];
  const groups = new Map<number, T[]>();
  for (const item of list) {
    const g = groups.get(item.priority);
    if (g) g.push(item);
    else groups.set(item.priority, [item]);
  }
  for (const prio of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(prio)!;
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [g[i], g[j]] = [g[j], g[i]];
    }
    out.push(...g);
  }
  return out;
}

/** A then AAAA; an error only when neither gave an address and one failed for real. */
async function addressesOf(resolver: Resolver, host: string): Promise<{ addresses: string[]; error?: unknown }> {
  const [a, aaaa] = await Promise.allSettled([resolver(host, 'A'), resolver(host, 'AAAA')]);
  const addresses = [...(a.status === 'fulfilled' ? a.value : []), ...(aaaa.status === 'fulfilled' ? aaaa.value : [])];
  const error = [a, aaaa].find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isNoRecord(r.reason))?.reason;
  return error === undefined ? { addresses } : { addresses, error };
}

function failure(reason: MxFailure, code: number, status: string, text: string): MxResolution {
  return { ok: false, reason, temporary: code >= 400 && code < 500, code, status, text };
}

function dnsFailure(name: string, what: string, err: unknown): MxResolution {
  return failure('dns-failure', 451, '4.4.3', `DNS lookup of ${what} for ${name} failed: ${errorText(err)}`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

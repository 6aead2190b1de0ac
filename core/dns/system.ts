// The resolver over the system's DNS servers (node:dns/promises, i.e. c-ares), bounded in time
// so that a dead DNS server delays a message by seconds, not minutes.

import { Resolver as NodeResolver } from 'node:dns/promises';
import { asResolver, DnsError, type DnsAnswer, type Resolver } from './types.js';

export interface SystemResolverOptions {
  /** Upper bound for one lookup, retries included (default 5000 ms). */
  timeoutMs?: number;
  /** Attempts per server (default 2). */
  tries?: number;
  /** Servers as "ip" or "ip:port"; default: those of the system (/etc/resolv.conf). */
  servers?: string[];
}

export function systemResolver(options: SystemResolverOptions = {}): Resolver {
  const timeoutMs = options.timeoutMs ?? 5000;
  const tries = options.tries ?? 2;
  // c-ares doubles its wait on each retry; the first wait leaves room for a second try
  // before the overall deadline below.
  const resolver = new NodeResolver({ timeout: Math.max(1, Math.floor(timeoutMs / 3)), tries });
  if (options.servers) resolver.setServers(options.servers);

  return asResolver((name, rrtype) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsError('ETIMEOUT', name, rrtype, { detail: `no answer within ${timeoutMs} ms` })), timeoutMs);
    });
    // An answer arriving after the deadline is dropped; c-ares ends the query on its own timeout.
    // Callers ask only for the types Resolver lists, whose answers are arrays (no SOA object).
    const query = resolver.resolve(name, rrtype) as Promise<DnsAnswer>;
    return Promise.race([query, deadline]).finally(() => clearTimeout(timer));
  });
}

// Where a queue entry goes: every address of every MX host of its domain, in order
// (RFC 5321 §5.1), or the configured smart host. A failure to find anywhere comes back as a
// reply-shaped value the entry's recipients can be given as they are.
import { resolveMx, type Resolver } from '../../core/index.js';

/** One server to try. */
export interface Hop {
  /** Host name: for logs, DSN Remote-MTA, and TLS SNI. */
  name: string;
  /** What to connect to: an IP address for MX hosts, the configured name or IP for a relay. */
  host: string;
  port: number;
}

export interface Relay {
  host: string;
  port: number;
  user: string | null;
  password: string | null;
}

export type Route =
  | { ok: true; relay: boolean; hops: Hop[] }
  | { ok: false; temporary: boolean; code: number; status: string; text: string };

export interface RouteOptions {
  relay: Relay | null;
  /** Port of remote MX hosts (25; tests use a local sink). */
  port: number;
  /** Our own names, so that we never deliver to ourselves as an MX. */
  localNames: string[];
}

export async function routeFor(domain: string, resolver: Resolver, options: RouteOptions): Promise<Route> {
  if (options.relay) {
    const { host, port } = options.relay;
    return { ok: true, relay: true, hops: [{ name: host, host, port }] };
  }
  const mx = await resolveMx(resolver, domain, { localNames: options.localNames });
  if (!mx.ok) return { ok: false, temporary: mx.temporary, code: mx.code, status: mx.status, text: mx.text };
  const hops = mx.hosts.flatMap((h) => h.addresses.map((address) => ({ name: h.exchange, host: address, port: options.port })));
  return { ok: true, relay: false, hops };
}

/** "relay.example.org:587", "[2001:db8::1]:25" -> host and port (the config validated it). */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`expected host:port, got ${JSON.stringify(value)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

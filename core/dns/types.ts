// The resolver contract shared by SPF/DKIM/DMARC/ARC verification (mailauth) and outbound MX
// lookup. It mirrors Node's `dns.promises.resolve(name, rrtype)`: same answer shapes, same
// error codes, so the system resolver, a zone file or a test fake are interchangeable.

export interface MxRecord {
  exchange: string;
  priority: number;
}

/** Every answer shape a Resolver produces. */
export type DnsAnswer = string[] | string[][] | MxRecord[];

/** The record types a zone file can hold. */
export const ZONE_RR_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'TXT'] as const;
export type ZoneRRType = (typeof ZONE_RR_TYPES)[number];

/**
 * `(name, rrtype) => Promise<answer>`, as `dns.promises.resolve`:
 * TXT -> string[][] (one array of chunks per record), MX -> {exchange, priority}[],
 * A/AAAA/CNAME/NS/PTR -> string[]. A name that does not exist rejects with code ENOTFOUND,
 * an existing name without that type with ENODATA; any other code is a temporary failure.
 */
export interface Resolver {
  (name: string, rrtype: 'TXT'): Promise<string[][]>;
  (name: string, rrtype: 'MX'): Promise<MxRecord[]>;
  (name: string, rrtype: 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR'): Promise<string[]>;
  // any[] rather than DnsAnswer so that a Resolver can be handed to mailauth as it is:
  // mailauth's DNSResolver type omits the MX objects its SPF code reads (lib/spf/spf-verify.js).
  (name: string, rrtype: string): Promise<any[]>;
}

/** Gives an implementation the overloaded Resolver type (its shapes are checked by tests). */
export function asResolver(impl: (name: string, rrtype: string) => Promise<DnsAnswer>): Resolver {
  return impl as Resolver;
}

export type DnsErrorCode = 'ENOTFOUND' | 'ENODATA' | 'ETIMEOUT' | 'ESERVFAIL' | 'EBADNAME' | 'EZONEFILE';

/** An error shaped like Node's resolver errors (`code`, `syscall` such as queryTxt, `hostname`). */
export class DnsError extends Error {
  readonly code: DnsErrorCode;
  readonly syscall: string;
  readonly hostname: string;
  constructor(code: DnsErrorCode, hostname: string, rrtype: string, options?: { cause?: unknown; detail?: string }) {
    const syscall = querySyscall(rrtype);
    super(`${syscall} ${code} ${hostname}${options?.detail ? `: ${options.detail}` : ''}`, options);
    this.name = 'DnsError';
    this.code = code;
    this.syscall = syscall;
    this.hostname = hostname;
  }
}

function querySyscall(rrtype: string): string {
  const t = rrtype.toLowerCase();
  return `query${t.charAt(0).toUpperCase()}${t.slice(1)}`;
}

/** True for the two codes meaning "no such record" (as opposed to a failed lookup). */
export function isNoRecord(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

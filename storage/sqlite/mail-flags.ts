// Message flags as stored: system flags in their canonical spelling, keywords in the case
// first given, no duplicates (flag names compare case-insensitively, RFC 3501 §2.3.2 and
// RFC 9051 §2.3.2), sorted so that equal sets are equal arrays.
import { Invalid } from '../../core/errors.js';
import type { FlagOperation } from '../types.js';

const SYSTEM_FLAGS = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((f) => [f.toLowerCase(), f]));
// \Recent is session state, never stored (RFC 3501 §2.3.2; gone in RFC 9051).
const RECENT = '\\recent';
// atom-specials of RFC 3501 §9, plus controls, space and 8-bit.
const NOT_ATOM = /[\x00-\x20\x7f-\uffff(){%*"\\\]]/;

function canonical(flag: string): string | null {
  if (typeof flag !== 'string' || flag.length === 0) throw new Invalid('empty flag name', 'flags');
  if (flag.startsWith('\\')) {
    const lower = flag.toLowerCase();
    if (lower === RECENT) return null;
    const system = SYSTEM_FLAGS.get(lower);
    if (!system) throw new Invalid(`unknown system flag ${flag}`, 'flags');
    return system;
  }
  if (NOT_ATOM.test(flag)) throw new Invalid(`invalid keyword ${JSON.stringify(flag)}`, 'flags');
  return flag;
}

export function compareFlags(a: string, b: string): number {
  const sa = a.startsWith('\\') ? 0 : 1;
  const sb = b.startsWith('\\') ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validated, canonical, de-duplicated and sorted. */
export function normalizeFlags(flags: readonly string[] | undefined): string[] {
  const byKey = new Map<string, string>();
  for (const f of flags ?? []) {
    const c = canonical(f);
    if (c !== null && !byKey.has(c.toLowerCase())) byKey.set(c.toLowerCase(), c);
  }
  return [...byKey.values()].sort(compareFlags);
}

/** The flags after `op`; `requested` must come from normalizeFlags(). A keyword already
 *  present keeps its stored spelling. */
export function applyFlags(current: readonly string[], op: FlagOperation, requested: readonly string[]): string[] {
  if (op === 'set') return [...requested];
  const byKey = new Map(current.map((f) => [f.toLowerCase(), f]));
  for (const f of requested) {
    const key = f.toLowerCase();
    if (op === 'add') { if (!byKey.has(key)) byKey.set(key, f); } else byKey.delete(key);
  }
  return [...byKey.values()].sort(compareFlags);
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

export function hasFlag(flags: readonly string[], flag: '\\Seen' | '\\Deleted'): boolean {
  return flags.includes(flag);
}

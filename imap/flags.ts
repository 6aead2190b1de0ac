// Flags on the wire (RFC 9051 §2.3.2): system flags and keywords are atoms.
import { atom, type Value } from './protocol/compiler.js';

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

export function flagList(flags: readonly string[]): Value {
  return flags.map((f) => atom(f));
}

/** A flag a client may set: a system flag (not \Recent, which only the server sets) or a
 *  keyword atom. Returns the canonical spelling, or null if invalid. */
export function checkFlag(flag: string): string | null {
  if (flag.startsWith('\\')) {
    return SYSTEM_FLAGS.find((f) => f.toLowerCase() === flag.toLowerCase()) ?? null;
  }
  return /^[\x21-\x7e]+$/.test(flag) && !/[(){%*"\\\]]/.test(flag) ? flag : null;
}

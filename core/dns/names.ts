// Domain name handling shared by the zone file parser and the zone resolver.
// DNS compares names case-insensitively (RFC 4343); we keep them lower-case, without the
// trailing root dot, with IDNA A-labels so that a query matches however it was spelled.

import { domainToASCII } from 'node:url';

/** Lower-cases, drops one trailing dot, converts U-labels to A-labels. No validation. */
export function normalizeQueryName(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (/[^\x00-\x7f]/.test(n)) n = domainToASCII(n) || n;
  return n;
}

/**
 * Checks a name for a zone file (already absolute, without trailing dot) and returns it
 * normalized, or throws a message fit for "file:line: ...".
 * Labels are LDH plus '_' (for _dmarc, _domainkey...), 1..63 octets; the whole name at most
 * 253 characters in presentation form (RFC 1035 §2.3.4).
 */
export function checkZoneName(name: string): string {
  const ascii = /[^\x00-\x7f]/.test(name) ? domainToASCII(name.toLowerCase()) : name.toLowerCase();
  if (!ascii) throw new Error(`invalid name '${name}': not a valid internationalized domain name`);
  if (ascii.length > 253) throw new Error(`invalid name '${name}': longer than 253 characters`);
  for (const label of ascii.split('.')) {
    if (label === '') throw new Error(`invalid name '${name}': empty label`);
    if (label.length > 63) throw new Error(`invalid name '${name}': label '${label}' is longer than 63 characters`);
    if (label === '*') throw new Error(`invalid name '${name}': wildcards are not supported`);
    const bad = /[^a-z0-9_-]/.exec(label);
    if (bad) throw new Error(`invalid name '${name}': character '${bad[0]}' is not allowed`);
  }
  return ascii;
}

/** The names strictly above `name` (a.b.c -> b.c, c). */
export function ancestors(name: string): string[] {
  const out: string[] = [];
  let i = name.indexOf('.');
  while (i !== -1) {
    out.push(name.slice(i + 1));
    i = name.indexOf('.', i + 1);
  }
  return out;
}

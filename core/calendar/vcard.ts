// vCard 3.0 (RFC 2426) / 4.0 (RFC 6350): validation for CardDAV (RFC 6352 §5.1),
// addressbook-query filters (RFC 6352 §10.5) and generation for the directory.
import { Invalid } from '../errors.js';
import type { CardFilter, PropFilter } from './filters.js';
import { parseRoot, textValue } from './ical.js';
import type { Component, Property } from './ical.js';
import { MAX_CALENDAR_BYTES, MAX_STORED_BYTES } from './limits.js';
import { paramFilterMatches } from './query.js';
import { anyValueMatches } from './textmatch.js';
import type { ParsedVCard, VCardInput } from './types.js';

function parseCard(text: string, maxBytes: number): Component {
  const root = parseRoot(text, 'vCard data', maxBytes);
  if (root.name !== 'vcard') throw new Invalid('not a vCard (no BEGIN:VCARD)');
  return root;
}

/** Validates one vCard; throws Invalid (CARDDAV:valid-address-data). */
export function parseVCard(text: string, options?: { maxBytes?: number }): ParsedVCard {
  const card = parseCard(text, options?.maxBytes ?? MAX_CALENDAR_BYTES);
  const version = textValue(card, 'version');
  if (version !== '3.0' && version !== '4.0') throw new Invalid(`unsupported vCard VERSION ${version ?? '(none)'}`);
  const fn = textValue(card, 'fn');
  if (fn === null || !fn.trim()) throw new Invalid('vCard without FN');
  // RFC 6352 §5.1: an address object resource MUST have a UID.
  const uid = textValue(card, 'uid');
  if (uid === null || !uid.trim()) throw new Invalid('vCard without UID');
  const emails = card.getAllProperties('email')
    .flatMap((p) => valueStrings(p))
    .map((e) => e.replace(/^mailto:/i, '').trim())
    .filter(Boolean);
  return { uid: uid.trim(), version, fn, emails };
}

/** Text forms of a vCard property value: structured values (N, ADR, ORG) whole and per part. */
function valueStrings(prop: Property): string[] {
  let values: unknown[];
  try { values = prop.getValues(); } catch { return []; }
  const out: string[] = [];
  for (const v of values) {
    if (Array.isArray(v)) {
      const parts = v.flat().map(String);
      out.push(parts.join(';'), ...parts.filter(Boolean));
    } else if (typeof v === 'string') out.push(v);
    else if (v && typeof (v as any).toString === 'function') out.push(String(v));
  }
  return out;
}

/** RFC 6352 §10.5.1: "TEL" matches TEL in any group; "X-ABC.TEL" only that group. */
function propertiesNamed(card: Component, filterName: string): Property[] {
  const dot = filterName.lastIndexOf('.');
  const group = dot >= 0 ? filterName.slice(0, dot).toLowerCase() : null;
  const name = (dot >= 0 ? filterName.slice(dot + 1) : filterName).toLowerCase();
  return card.getAllProperties(name).filter((p) => {
    if (group === null) return true;
    const g = p.getParameter('group');
    return typeof g === 'string' && g.toLowerCase() === group;
  });
}

function propFilterMatches(card: Component, filter: PropFilter): boolean {
  const props = propertiesNamed(card, filter.name);
  if (filter.isNotDefined) return props.length === 0;
  if (props.length === 0) return false;
  if (filter.textMatches.length === 0 && filter.paramFilters.length === 0) return true;
  return props.some((prop) => {
    const tests = [
      ...filter.textMatches.map((tm) => () => anyValueMatches(valueStrings(prop), tm)),
      ...filter.paramFilters.map((pf) => () => paramFilterMatches(prop, pf)),
    ];
    return filter.test === 'allof' ? tests.every((t) => t()) : tests.some((t) => t());
  });
}

/** RFC 6352 §10.5: unreadable data never matches. An empty filter matches every card. */
export function matchesAddressbookQuery(text: string, filter: CardFilter): boolean {
  let card: Component;
  try { card = parseCard(text, MAX_STORED_BYTES); } catch { return false; }
  if (filter.propFilters.length === 0) return true;
  const results = (pf: PropFilter) => {
    try { return propFilterMatches(card, pf); } catch { return false; }
  };
  return filter.test === 'allof' ? filter.propFilters.every(results) : filter.propFilters.some(results);
}

// ---------------------------------------------------------------------------------------
// Generation (RFC 6350).

/** RFC 6350 §3.4: backslash, comma, semicolon and newline are escaped in text values. */
function escapeText(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/,/g, '\\,')
    .replace(/;/g, '\\;');
}

/** URI values (UID, MEMBER, EMAIL addresses) are not escaped, but must stay on one line. */
function cleanUri(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

/** RFC 6350 §3.2: lines longer than 75 octets are folded, never inside a UTF-8 sequence. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  let limit = 75;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > limit) {
      out.push(current);
      current = '';
      bytes = 0;
      limit = 74; // continuation lines start with a space
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

function splitName(fn: string): { family: string; given: string } {
  const trimmed = fn.trim();
  const i = trimmed.lastIndexOf(' ');
  return i > 0 ? { family: trimmed.slice(i + 1), given: trimmed.slice(0, i) } : { family: trimmed, given: '' };
}

/** A vCard 4.0 for the directory address book. */
export function buildVCard(input: VCardInput): string {
  if (!input.uid || !cleanUri(input.uid)) throw new Invalid('a vCard needs a UID');
  if (!input.fn || !input.fn.trim()) throw new Invalid('a vCard needs an FN');
  const kind = input.kind ?? 'individual';
  const lines = ['BEGIN:VCARD', 'VERSION:4.0', 'PRODID:-//Facteur//Directory//EN', `UID:${cleanUri(input.uid)}`];
  if (kind === 'group') lines.push('KIND:group');
  lines.push(`FN:${escapeText(input.fn.trim())}`);
  if (kind === 'individual') {
    // N is optional in 4.0 but older Apple and Outlook clients sort and display by it.
    const { family, given } = splitName(input.fn);
    lines.push(`N:${escapeText(family)};${escapeText(given)};;;`);
  }
  for (const email of input.emails) {
    const clean = cleanUri(email);
    if (clean) lines.push(`EMAIL;TYPE=work:${clean}`);
  }
  if (input.org) lines.push(`ORG:${escapeText(input.org)}`);
  if (input.title) lines.push(`TITLE:${escapeText(input.title)}`);
  if (kind === 'group') {
    for (const member of input.members ?? []) {
      const clean = cleanUri(member);
      if (clean) lines.push(`MEMBER:${clean}`);
    }
  }
  lines.push('END:VCARD');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

// Parses a zone file (format in docs/dns-zonefile.md) into a Zone: the records by owner name,
// ready to answer queries. Every mistake is reported at load with file and line, so that a
// typo cannot silently turn into "no SPF record" for a domain.

import { isIPv4, isIPv6 } from 'node:net';
import { Invalid } from '../errors.js';
import { ancestors, checkZoneName } from './names.js';
import { ZONE_RR_TYPES, type MxRecord, type ZoneRRType } from './types.js';
import { lexZone, type Entry, type Token } from './zonefile-lexer.js';

/** A malformed zone file; `line` is 1-based. */
export class ZoneFileError extends Invalid {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`, 'dns.zoneFile');
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

interface RData {
  A: string;
  AAAA: string;
  CNAME: string;
  MX: MxRecord;
  NS: string;
  PTR: string;
  /** The character-strings of one record, joined by the reader (DKIM keys > 255 octets). */
  TXT: string[];
}

export type OwnerData = { [K in ZoneRRType]?: RData[K][] };

export class Zone {
  readonly source: string;
  private readonly owners: ReadonlyMap<string, OwnerData>;
  private readonly emptyNonTerminals: ReadonlySet<string>;

  constructor(source: string, owners: ReadonlyMap<string, OwnerData>) {
    this.source = source;
    this.owners = owners;
    const ents = new Set<string>();
    for (const name of owners.keys()) {
      for (const up of ancestors(name)) if (!owners.has(up)) ents.add(up);
    }
    this.emptyNonTerminals = ents;
  }

  /** The records of a normalized name, if the zone has any. */
  owner(name: string): Readonly<OwnerData> | undefined {
    return this.owners.get(name);
  }

  /**
   * A name without records of its own but with names below it exists in DNS
   * (RFC 8020: NXDOMAIN would deny everything underneath), so it answers "no data".
   */
  isEmptyNonTerminal(name: string): boolean {
    return this.emptyNonTerminals.has(name);
  }

  names(): string[] {
    return [...this.owners.keys()];
  }
}

const TTL_MAX = 2 ** 31 - 1; // RFC 2181 §8
const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const OTHER_CLASSES = new Set(['CH', 'CS', 'HS', 'ANY', 'NONE']);

/** Parses zone file text; `source` names the file in error messages. */
export function parseZone(text: string, source: string): Zone {
  const fail = (line: number, reason: string): never => {
    throw new ZoneFileError(source, line, reason);
  };
  const owners = new Map<string, OwnerData>();
  // Where each owner's record types first appear, for the consistency checks' messages.
  const seenAt = new Map<string, Map<ZoneRRType, number>>();
  let origin: string | null = null;
  let lastOwner: string | null = null;

  // Names without a trailing dot are absolute until a $ORIGIN appears, then relative to it
  // (as in BIND), so that zone snippets pasted from a BIND file mean the same thing here.
  const absolute = (tok: Token, allowRoot = false): string => {
    if (tok.quoted) fail(tok.line, `expected a name, found the quoted string "${tok.text}"`);
    const t = tok.text;
    if (t === '@') {
      if (origin === null) fail(tok.line, "'@' needs a $ORIGIN before it");
      return origin!;
    }
    if (t === '.') {
      if (!allowRoot) fail(tok.line, "the root name '.' is not allowed here");
      return '';
    }
    let name: string;
    if (t.endsWith('.')) name = t.slice(0, -1);
    else name = origin === null ? t : `${t}.${origin}`;
    try {
      return checkZoneName(name);
    } catch (err) {
      return fail(tok.line, (err as Error).message);
    }
  };

  for (const entry of lexZone(text, fail)) {
    const first = entry.tokens[0];
    if (!first.quoted && first.text.startsWith('$')) {
      origin = directive(entry, origin, absolute, fail);
      continue;
    }
    let rest = entry.tokens;
    let owner: string;
    if (entry.blankOwner) {
      if (lastOwner === null) fail(entry.line, 'the line starts with a blank, but there is no previous owner name to repeat');
      owner = lastOwner!;
    } else {
      owner = absolute(first);
      rest = rest.slice(1);
    }
    lastOwner = owner;

    let i = 0;
    let sawTtl = false;
    let sawClass = false;
    for (; i < rest.length && i < 2; i++) {
      const t = rest[i];
      if (t.quoted) break;
      if (!sawTtl && parseTtl(t.text) !== null) {
        if (parseTtl(t.text)! > TTL_MAX) fail(t.line, `TTL ${t.text} is larger than ${TTL_MAX}`);
        sawTtl = true;
      } else if (!sawClass && t.text.toUpperCase() === 'IN') {
        sawClass = true;
      } else if (!sawClass && OTHER_CLASSES.has(t.text.toUpperCase())) {
        fail(t.line, `class ${t.text.toUpperCase()} is not supported, only IN`);
      } else break;
    }
    const typeTok = rest[i];
    if (!typeTok) fail(entry.line, `missing record type after '${owner}'`);
    if (typeTok.quoted) fail(typeTok.line, `expected a record type, found the quoted string "${typeTok.text}"`);
    const type = typeTok.text.toUpperCase();
    if (!(ZONE_RR_TYPES as readonly string[]).includes(type)) {
      fail(typeTok.line, `unknown or unsupported record type '${typeTok.text}' (supported: ${ZONE_RR_TYPES.join(', ')})`);
    }
    const data = rest.slice(i + 1);
    const record = parseRData(type as ZoneRRType, data, typeTok, absolute, fail);
    add(owners, seenAt, owner, type as ZoneRRType, record, typeTok.line, fail);
  }

  checkCnameLoops(owners, seenAt, fail);
  return new Zone(source, owners);
}

/** Handles a `$` line and returns the origin in force after it. */
function directive(
  entry: Entry,
  origin: string | null,
  absolute: (tok: Token) => string,
  fail: (line: number, reason: string) => never,
): string | null {
  const [head, ...args] = entry.tokens;
  const name = head.text.toUpperCase();
  if (name === '$ORIGIN') {
    if (args.length !== 1) fail(entry.line, '$ORIGIN takes exactly one domain name');
    return absolute(args[0]);
  }
  if (name === '$TTL') {
    // TTLs are accepted for compatibility with BIND files, and otherwise ignored.
    if (args.length !== 1 || args[0].quoted || parseTtl(args[0].text) === null) fail(entry.line, '$TTL takes one TTL (seconds, or units such as 1h30m)');
    if (parseTtl(args[0].text)! > TTL_MAX) fail(entry.line, `TTL ${args[0].text} is larger than ${TTL_MAX}`);
    return origin;
  }
  if (name === '$INCLUDE' || name === '$GENERATE') return fail(entry.line, `${name} is not supported: keep all records in this one file`);
  return fail(entry.line, `unknown directive ${head.text} (supported: $ORIGIN, $TTL)`);
}

/** Seconds, or BIND units (1h30m); null if the token is not a TTL. */
function parseTtl(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhdw])+$/i.test(text)) return null;
  let total = 0;
  for (const [, n, unit] of text.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(n) * TTL_UNITS[unit];
  return total;
}

function parseRData(
  type: ZoneRRType,
  data: Token[],
  typeTok: Token,
  absolute: (tok: Token, allowRoot?: boolean) => string,
  fail: (line: number, reason: string) => never,
): RData[ZoneRRType] {
  const line = typeTok.line;
  const expect = (n: number, what: string): void => {
    if (data.length < n) fail(line, `${type} needs ${what}`);
    if (data.length > n) fail(data[n].line, `unexpected '${data[n].text}' after the ${type} data`);
    const quoted = data.find((t) => t.quoted);
    if (quoted) fail(quoted.line, `${type} data is not quoted: found "${quoted.text}"`);
  };
  switch (type) {
    case 'A': {
      expect(1, 'one IPv4 address');
      if (!isIPv4(data[0].text)) fail(data[0].line, `invalid IPv4 address '${data[0].text}'`);
      return data[0].text;
    }
    case 'AAAA': {
      expect(1, 'one IPv6 address');
      const text = data[0].text;
      if (!isIPv6(text) || text.includes('%')) fail(data[0].line, `invalid IPv6 address '${text}'`);
      return canonicalIPv6(text);
    }
    case 'MX': {
      expect(2, 'a priority and a host name (e.g. "10 mx.example.org")');
      const prio = data[0].text;
      if (!/^\d+$/.test(prio) || Number(prio) > 65535) fail(data[0].line, `invalid MX priority '${prio}' (0-65535)`);
      // Node reports the root name of a null MX (RFC 7505) as an empty exchange.
      return { priority: Number(prio), exchange: absolute(data[1], true) };
    }
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      expect(1, 'one host name');
      return absolute(data[0]);
    }
    case 'TXT': {
      if (data.length === 0) fail(line, 'TXT needs at least one double-quoted string');
      for (const t of data) {
        if (!t.quoted) fail(t.line, `TXT data must be double-quoted: found ${t.text}`);
        // RFC 1035 §3.3.14: each character-string holds at most 255 octets.
        if (t.bytes > 255) fail(t.line, `a TXT string holds at most 255 octets (this one has ${t.bytes}); split it into several quoted strings on the same line`);
      }
      return data.map((t) => t.text);
    }
  }
}

/** RFC 5952 form (lower case, longest zero run compressed), as resolvers print it. */
function canonicalIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

function add(
  owners: Map<string, OwnerData>,
  seenAt: Map<string, Map<ZoneRRType, number>>,
  owner: string,
  type: ZoneRRType,
  record: RData[ZoneRRType],
  line: number,
  fail: (line: number, reason: string) => never,
): void {
  let data = owners.get(owner);
  if (!data) owners.set(owner, (data = {}));
  let seen = seenAt.get(owner);
  if (!seen) seenAt.set(owner, (seen = new Map()));

  // RFC 1034 §3.6.2 / RFC 2181 §10.1: a CNAME owner has no other data, and one CNAME only.
  if (type === 'CNAME' && seen.size > 0) {
    const [otherType, otherLine] = [...seen.entries()][0];
    fail(line, otherType === 'CNAME'
      ? `${owner} already has a CNAME (line ${otherLine}); a name has at most one`
      : `${owner} has a CNAME and other data (${otherType} on line ${otherLine}); a CNAME must be alone`);
  }
  if (type !== 'CNAME' && seen.has('CNAME')) {
    fail(line, `${owner} has a CNAME (line ${seen.get('CNAME')}) and other data; a CNAME must be alone`);
  }
  const list = (data[type] ??= []) as RData[ZoneRRType][];
  // An RRset is a set: a repeated line adds nothing.
  const key = JSON.stringify(record);
  if (list.some((r) => JSON.stringify(r) === key)) return;

  if (type === 'MX' && seen.has('MX')) {
    const mx = record as MxRecord;
    const isNull = mx.exchange === '' || data.MX!.some((m) => m.exchange === '');
    // RFC 7505 §3: a domain publishing a null MX must not publish any other MX.
    if (isNull) fail(line, `${owner} has a null MX ('.') and another MX (line ${seen.get('MX')}); a null MX must be the only one`);
  }
  if (!seen.has(type)) seen.set(type, line);
  list.push(record);
}

function checkCnameLoops(
  owners: Map<string, OwnerData>,
  seenAt: Map<string, Map<ZoneRRType, number>>,
  fail: (line: number, reason: string) => never,
): void {
  for (const start of owners.keys()) {
    const chain: string[] = [];
    let name: string | undefined = start;
    while (name !== undefined && owners.get(name)?.CNAME) {
      if (chain.includes(name)) {
        const loop = chain.slice(chain.indexOf(name));
        fail(seenAt.get(name)!.get('CNAME')!, `CNAME loop: ${[...loop, name].join(' -> ')}`);
      }
      chain.push(name);
      name = owners.get(name)!.CNAME![0];
    }
  }
}

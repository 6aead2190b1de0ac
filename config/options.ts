// The kinds of option the schema is made of. Each builder returns an Option<T>: its default,
// help text, how to read a raw value (a JSON value from the config file, a string from the
// environment or a command-line flag) and how to show it without leaking a secret.
import { isIP } from 'node:net';

export interface Option<T> {
  help: string;
  /** What values are accepted, for `facteur config help` (e.g. "port 0-65535"). */
  kind: string;
  default: T | (() => T);
  /** How to show a computed default in help, where the value depends on the machine. */
  defaultText?: string;
  /** Turns a raw value into T; throws an Error whose message says what was expected. */
  parse(raw: unknown): T;
  /** The value as it may be shown (`config show`, logs): secrets masked. */
  mask(value: T): T;
}

/** How a value is printed in help and `config show`. */
export function display<T>(opt: Option<T>, value: T): string {
  return value === null ? '(unset)' : JSON.stringify(opt.mask(value));
}

/** The value type an option produces. */
export type ValueOf<O> = O extends Option<infer T> ? T : never;

type Builder<T> = Omit<Option<T>, 'mask'> & { mask?: (value: T) => T };

function option<T>(spec: Builder<T>): Option<T> {
  return { mask: (value) => value, ...spec };
}

function shown(raw: unknown): string {
  return JSON.stringify(raw) ?? String(raw);
}

/** Integers arrive as JSON numbers from the file and as strings from env and flags. */
function toInteger(raw: unknown, expected: string): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n;
  }
  throw new Error(`expected ${expected}, got ${shown(raw)}`);
}

export function integer(def: number, help: string, range: { min: number; max: number }): Option<number> {
  const expected = `an integer from ${range.min} to ${range.max}`;
  return option({
    help, kind: `integer ${range.min}-${range.max}`, default: def,
    parse(raw) {
      const n = toInteger(raw, expected);
      if (n < range.min || n > range.max) throw new Error(`expected ${expected}, got ${n}`);
      return n;
    },
  });
}

/** A TCP port; 0 asks the system for a free one (the chosen port is printed at start). */
export function port(def: number, help: string): Option<number> {
  const expected = 'a port number from 0 to 65535';
  return option({
    help: `${help} 0 picks a free port.`, kind: 'port 0-65535', default: def,
    parse(raw) {
      const n = toInteger(raw, expected);
      if (n < 0 || n > 65535) throw new Error(`expected ${expected}, got ${n}`);
      return n;
    },
  });
}

const sizeUnits: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses "52428800", "50M", "50MiB", "1.5G": suffixes are powers of 1024, as mail servers use. */
export function parseSize(raw: unknown): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  const m = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(raw) : null;
  // A fraction of a byte means nothing; fractions only make sense with a unit (1.5G).
  if (!m || (m[2] === undefined && m[1].includes('.'))) {
    throw new Error(`expected a size in bytes such as 1048576, 512K, 50M or 1G, got ${shown(raw)}`);
  }
  const bytes = Math.round(Number(m[1]) * (m[2] ? sizeUnits[m[2].toLowerCase()] : 1));
  if (!Number.isSafeInteger(bytes)) throw new Error(`size ${shown(raw)} is too large`);
  return bytes;
}

export function size(def: number, help: string, range: { min: number; max: number }): Option<number> {
  return option({
    help, kind: 'size (bytes, or with K/M/G suffix: 1024-based)', default: def,
    parse(raw) {
      const n = parseSize(raw);
      if (n < range.min || n > range.max) throw new Error(`expected a size from ${range.min} to ${range.max} bytes, got ${n}`);
      return n;
    },
  });
}

export function oneOf<const V extends readonly string[]>(values: V, def: V[number], help: string): Option<V[number]> {
  return option({
    help, kind: values.join(' | '), default: def,
    parse(raw) {
      if (typeof raw === 'string' && (values as readonly string[]).includes(raw)) return raw as V[number];
      throw new Error(`expected one of ${values.join(', ')}, got ${shown(raw)}`);
    },
  });
}

function nonEmptyString(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new Error(`expected ${what}, got ${shown(raw)}`);
  return raw;
}

export function text(def: string, help: string): Option<string> {
  return option({ help, kind: 'string', default: def, parse: (raw) => nonEmptyString(raw, 'a non-empty string') });
}

/** true/false, yes/no, on/off or 1/0 (env and flags are strings). */
export function boolean(def: boolean, help: string): Option<boolean> {
  return option({
    help, kind: 'boolean', default: def,
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        if (/^(true|yes|on|1)$/i.test(raw.trim())) return true;
        if (/^(false|no|off|0)$/i.test(raw.trim())) return false;
      }
      throw new Error(`expected true or false, got ${shown(raw)}`);
    },
  });
}

/** `host:port` (a smart host), or unset. */
export function optionalHostPort(help: string): Option<string | null> {
  return option<string | null>({
    help, kind: 'host:port (optional)', default: null,
    parse(raw) {
      if (raw === null) return null;
      const m = typeof raw === 'string' ? /^(\[[0-9a-f:.]+\]|[^:\s]+):(\d{1,5})$/i.exec(raw.trim()) : null;
      const host = m ? m[1].replace(/^\[|\]$/g, '') : '';
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535 || (!isHostname(host) && isIP(host) === 0)) {
        throw new Error(`expected host:port such as relay.example.org:587, got ${shown(raw)}`);
      }
      return (raw as string).trim();
    },
  });
}

/** A string that may stay unset (null). */
export function optionalText(help: string): Option<string | null> {
  return option<string | null>({
    help, kind: 'string (optional)', default: null,
    parse: (raw) => (raw === null ? null : nonEmptyString(raw, 'a non-empty string')),
  });
}

/** A file or folder path; relative paths are taken from the current directory. */
export function path(def: string, help: string): Option<string> {
  return option({ help, kind: 'path', default: def, parse: (raw) => nonEmptyString(raw, 'a path') });
}

/** A path that may stay unset (null). JSON null in the file also means unset. */
export function optionalPath(help: string): Option<string | null> {
  return option<string | null>({
    help, kind: 'path (optional)', default: null,
    parse: (raw) => (raw === null ? null : nonEmptyString(raw, 'a path')),
  });
}

/** A secret that may stay unset; `mask` decides what of it may be shown. */
export function optionalSecret(help: string, kind: string, mask: (value: string) => string): Option<string | null> {
  return option<string | null>({
    help, kind: `${kind} (optional, secret)`, default: null,
    parse: (raw) => (raw === null ? null : nonEmptyString(raw, `a ${kind}`)),
    mask: (value) => (value === null ? null : mask(value)),
  });
}

/** Hides the password of a URI's userinfo (mongodb://user:pass@host -> mongodb://user:***@host). */
export function maskUriPassword(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

export function ipAddress(def: string, help: string): Option<string> {
  return option({
    help, kind: 'IP address', default: def,
    parse(raw) {
      if (typeof raw === 'string' && isIP(raw) !== 0) return raw;
      throw new Error(`expected an IP address such as 127.0.0.1, 0.0.0.0 or ::, got ${shown(raw)}`);
    },
  });
}

// RFC 1123 section 2.1: labels of letters, digits and hyphens, not starting or ending with a
// hyphen, at most 63 octets each, 253 in all.
const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isHostname(name: string): boolean {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return trimmed.length > 0 && trimmed.length <= 253 && trimmed.split('.').every((l) => label.test(l));
}

export function hostname(def: () => string, defaultText: string, help: string): Option<string> {
  return option({
    help, kind: 'host name', default: def, defaultText,
    parse(raw) {
      if (typeof raw === 'string' && isHostname(raw)) return raw.toLowerCase().replace(/\.$/, '');
      throw new Error(`expected a DNS host name such as mail.example.org, got ${shown(raw)}`);
    },
  });
}

// Names published before the derivation rule was settled; they are part of the interface.
const ENV_NAMES: Record<string, string> = { 'dns.zoneFile': 'FACTEUR_DNS_ZONEFILE' };

/** `data.dir` -> FACTEUR_DATA_DIR, `storage.mongodbUri` -> FACTEUR_STORAGE_MONGODB_URI. */
export function envName(key: string): string {
  if (ENV_NAMES[key]) return ENV_NAMES[key];
  return `FACTEUR_${key.split('.').map(snake).join('_').toUpperCase()}`;
}

/** `data.dir` -> --data-dir, `storage.mongodbUri` -> --storage-mongodb-uri. */
export function flagName(key: string): string {
  return `--${key.split('.').map(snake).join('-').replace(/_/g, '-').toLowerCase()}`;
}

function snake(part: string): string {
  return part.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
}

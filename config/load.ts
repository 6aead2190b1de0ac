// The loader: defaults <- config file (JSON) <- environment <- command-line flags.
// Every layer is validated in full, so one run reports every mistake with its key and where
// it came from; the result is a deeply frozen, typed object. This is the only module that
// reads process.env (loadConfigFromProcess); everything else is handed its slice of config.
import { readFileSync } from 'node:fs';
import { crossChecks, schema, type Config, type FlatConfig, type OptionKey } from './schema.js';
import { envName, flagName, type Option } from './options.js';

export type Source =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

export interface ConfigIssue {
  /** The option at fault; null for a problem with the file as a whole. */
  key: string | null;
  source: Source;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** The warnings found on the way, worth showing beside the errors (a misspelt variable
   *  may be why a required value is missing). */
  readonly warnings: string[];
  constructor(issues: ConfigIssue[], warnings: string[] = []) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.warnings = warnings;
  }
}

export interface LoadOptions {
  /** JSON config file; FACTEUR_CONFIG in `env` names one when this is unset. */
  file?: string | null;
  env?: Record<string, string | undefined>;
  /** Raw flag values keyed by option key ('http.port': '0'). */
  flags?: Partial<Record<string, string>>;
}

export interface LoadedConfig {
  config: Config;
  /** Where each effective value came from. */
  sources: Record<OptionKey, Source>;
  /** Problems that do not stop the server, such as an unknown FACTEUR_* variable. */
  warnings: string[];
}

/** The environment variable naming a config file, for containers that only pass env. */
export const CONFIG_FILE_ENV = 'FACTEUR_CONFIG';

const keys = Object.keys(schema) as OptionKey[];
const options = schema as Record<OptionKey, Option<unknown>>;

export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'default': return 'default';
    case 'file': return `file ${source.file}`;
    case 'env': return `env ${source.name}`;
    case 'flag': return `flag ${source.name}`;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = describeSource(issue.source);
  return issue.key === null ? `${issue.message} (${where})` : `${issue.key}: ${issue.message} (${where})`;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? {};
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const flat = {} as Record<OptionKey, unknown>;
  const sources = {} as Record<OptionKey, Source>;
  const failed = new Set<OptionKey>();

  for (const key of keys) {
    const opt = options[key];
    flat[key] = typeof opt.default === 'function' ? (opt.default as () => unknown)() : opt.default;
    sources[key] = { kind: 'default' };
  }

  const layers: { source: Source; key: string; raw: unknown }[] = [];

  const file = opts.file ?? (env[CONFIG_FILE_ENV] || null);
  if (file !== null) {
    const source: Source = { kind: 'file', file };
    const read = readConfigFile(file);
    if ('error' in read) issues.push({ key: null, source, message: read.error });
    else for (const [key, raw] of read.entries) layers.push({ source, key, raw });
  }

  const envNames = new Map(keys.map((k) => [envName(k), k]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('FACTEUR_') || name === CONFIG_FILE_ENV) continue;
    const key = envNames.get(name);
    if (key === undefined) warnings.push(`unknown environment variable ${name} is ignored${suggest(name, [...envNames.keys()])}`);
    // An empty variable counts as unset, as shells and compose files often leave them so.
    else if (raw !== undefined && raw !== '') layers.push({ source: { kind: 'env', name }, key, raw });
  }

  for (const [key, raw] of Object.entries(opts.flags ?? {})) {
    if (raw !== undefined) layers.push({ source: { kind: 'flag', name: key in options ? flagName(key) : key }, key, raw });
  }

  for (const { source, key, raw } of layers) {
    if (!(key in options)) {
      issues.push({ key, source, message: `unknown option${suggest(key, keys)}` });
      continue;
    }
    const k = key as OptionKey;
    try {
      flat[k] = options[k].parse(raw);
      sources[k] = source;
    } catch (err) {
      failed.add(k);
      issues.push({ key, source, message: (err as Error).message });
    }
  }

  for (const rule of crossChecks) {
    if (rule.keys.some((k) => failed.has(k))) continue;
    const message = rule.check(flat as FlatConfig);
    if (message !== null) {
      const blamed = rule.keys.find((k) => sources[k].kind !== 'default') ?? rule.keys[0];
      issues.push({ key: blamed, source: sources[blamed], message });
    }
  }

  if (issues.length > 0) throw new ConfigError(issues, warnings);
  return { config: deepFreeze(unflatten(flat)) as Config, sources: Object.freeze(sources), warnings };
}

/** loadConfig with this process's environment: the one place process.env is read. */
export function loadConfigFromProcess(opts: Omit<LoadOptions, 'env'> = {}): LoadedConfig {
  return loadConfig({ ...opts, env: process.env });
}

function readConfigFile(file: string): { entries: [string, unknown][] } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    return { error: `cannot read config file: ${why}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { error: `config file is not valid JSON: ${(err as Error).message}` };
  }
  if (!isPlainObject(data)) return { error: 'config file must hold a JSON object such as {"http": {"port": 8080}}' };
  return { entries: flatten(data, '') };
}

/** {"http": {"port": 1}} -> [["http.port", 1]]; dotted keys ("http.port": 1) work as well. */
function flatten(obj: Record<string, unknown>, prefix: string): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const key = prefix + k;
    return isPlainObject(v) && !(key in options) ? flatten(v, `${key}.`) : [[key, v] as [string, unknown]];
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unflatten(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** " (did you mean http.port?)" for a near miss, so that typos are quick to fix. */
function suggest(name: string, candidates: string[]): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean ${best}?)` : '';
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

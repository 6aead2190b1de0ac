// What `facteur config help` and `facteur config show` print, derived from the schema.
// Secrets go through each option's display(), so they are masked everywhere they are shown.
import { describeSource, type LoadedConfig } from './load.js';
import { display, envName, flagName, type Option } from './options.js';
import { schema, type OptionKey } from './schema.js';

const options = schema as Record<OptionKey, Option<unknown>>;

export interface OptionHelp {
  key: OptionKey;
  env: string;
  flag: string;
  kind: string;
  default: string;
  help: string;
}

export function optionHelp(): OptionHelp[] {
  return (Object.keys(options) as OptionKey[]).map((key) => {
    const opt = options[key];
    return {
      key, env: envName(key), flag: flagName(key), kind: opt.kind, help: opt.help,
      default: opt.defaultText ?? display(opt, opt.default),
    };
  });
}

export interface EffectiveOption {
  key: OptionKey;
  /** As printable text, secrets masked. */
  value: string;
  source: string;
}

export function effectiveOptions(loaded: LoadedConfig): EffectiveOption[] {
  return (Object.keys(options) as OptionKey[]).map((key) => ({
    key, value: display(options[key], valueAt(loaded.config, key)), source: describeSource(loaded.sources[key]),
  }));
}

/** The effective configuration as a nested JSON object (secrets masked): a valid config file. */
export function maskedConfig(loaded: LoadedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(options) as OptionKey[]) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = options[key].mask(valueAt(loaded.config, key));
  }
  return out;
}

function valueAt(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

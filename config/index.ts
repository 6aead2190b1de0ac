// The configuration's public face: the schema, the loader and what the CLI prints about it.
export { schema, crossChecks, type Config, type FlatConfig, type OptionKey } from './schema.js';
export {
  loadConfig, loadConfigFromProcess, ConfigError, formatIssue, describeSource, CONFIG_FILE_ENV,
  type ConfigIssue, type LoadOptions, type LoadedConfig, type Source,
} from './load.js';
export { optionHelp, effectiveOptions, maskedConfig, type OptionHelp, type EffectiveOption } from './describe.js';
export { envName, flagName, parseSize, type Option } from './options.js';

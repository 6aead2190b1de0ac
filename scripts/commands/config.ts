// `facteur config check|show|help`, and the helpers every command uses to load the
// configuration the way the server does (--config FILE, FACTEUR_* env, per-option flags).
import { Option as CommanderOption, type Command } from 'commander';
import {
  ConfigError, effectiveOptions, flagName, formatIssue, loadConfigFromProcess, maskedConfig, optionHelp, schema,
  CONFIG_FILE_ENV, type LoadedConfig,
} from '../../config/index.js';
import { StartupError } from '../../core/service.js';
import { readTlsPair } from '../../core/tls.js';
import { action, globalOptions } from '../cli.js';

/** Adds one `--<section>-<key> <value>` flag per option, e.g. --http-port 0. */
export function addConfigFlags(cmd: Command): Command {
  for (const h of optionHelp()) cmd.option(`${h.flag} <value>`, `${h.help} (env ${h.env}, default ${h.default})`);
  return cmd;
}

/** Loads the configuration for `cmd`: throws ConfigError listing every problem. */
export function loadCommandConfig(cmd: Command): LoadedConfig {
  const opts = cmd.opts() as Record<string, string | undefined>;
  const flags: Record<string, string> = {};
  for (const key of Object.keys(schema)) {
    const value = opts[new CommanderOption(`${flagName(key)} <value>`).attributeName()];
    if (value !== undefined) flags[key] = value;
  }
  return loadConfigFromProcess({ file: globalOptions(cmd).config ?? null, flags });
}

/** Every configuration problem on its own line, then exit status 2. */
export function reportConfigError(err: ConfigError): void {
  printWarnings(err.warnings);
  process.stderr.write(err.issues.map((issue) => `facteur: ${formatIssue(issue)}\n`).join(''));
  process.exitCode = 2;
}

export function printWarnings(warnings: string[]): void {
  process.stderr.write(warnings.map((w) => `facteur: warning: ${w}\n`).join(''));
}

function loadOrReport(cmd: Command): LoadedConfig | null {
  try {
    return loadCommandConfig(cmd);
  } catch (err) {
    if (err instanceof ConfigError) return void reportConfigError(err), null;
    throw err;
  }
}

export function register(program: Command): void {
  const config = program.command('config').description('check, show or explain the configuration');

  addConfigFlags(config.command('check'))
    .description('report every configuration error at once (exit status 2 if any)')
    .action(action((_opts: unknown, cmd: Command) => {
      const loaded = loadOrReport(cmd);
      if (!loaded) return;
      printWarnings(loaded.warnings);
      const { tls, hostname } = loaded.config;
      if (tls.cert !== null && tls.key !== null) {
        try {
          printWarnings(readTlsPair(tls.cert, tls.key, hostname).warnings);
        } catch (err) {
          if (err instanceof StartupError) {
            process.stderr.write(`facteur: ${err.message}\n`);
            process.exitCode = 2;
            return;
          }
          throw err;
        }
      }
      process.stdout.write('configuration OK\n');
    }));

  addConfigFlags(config.command('show'))
    .description('print the effective configuration and where each value comes from (secrets masked)')
    .option('--json', 'print it as a JSON config file instead')
    .action(action((opts: { json?: boolean }, cmd: Command) => {
      const loaded = loadOrReport(cmd);
      if (!loaded) return;
      printWarnings(loaded.warnings);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(maskedConfig(loaded), null, 2)}\n`);
      const rows = effectiveOptions(loaded);
      const width = (f: (r: (typeof rows)[number]) => string) => Math.max(...rows.map((r) => f(r).length));
      const [kw, vw] = [width((r) => r.key), width((r) => r.value)];
      process.stdout.write(rows.map((r) => `${r.key.padEnd(kw)}  ${r.value.padEnd(vw)}  ${r.source}\n`).join(''));
    }));

  // Commander would take `config help` for its own help command; ours lists the options.
  config.helpCommand(false);
  config.command('help')
    .description('list every option with its env variable, flag, default and meaning')
    .action(() => {
      // One write: the text is short, and a reader such as `head` may close the pipe early.
      process.stdout.write('Options are read from defaults, then the JSON file given by --config FILE (or '
        + `${CONFIG_FILE_ENV}), then FACTEUR_* environment variables, then command-line flags.\n`
        + 'In the file, nest sections: {"http": {"port": 8080}, "storage": {"backend": "sqlite"}}.\n\n'
        + optionHelp().map((h) => `${h.key}  (${h.kind})\n    env ${h.env}, flag ${h.flag}, default ${h.default}\n    ${h.help}\n\n`).join(''));
    });
}

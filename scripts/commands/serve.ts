// `facteur serve` (and `npm start`): loads the configuration, starts the server, stops it
// cleanly on SIGTERM/SIGINT, reloads the TLS certificate on SIGHUP. stdout carries only the plain `listening <name> <addr>:<port>`
// and `ready` lines; logs are JSON on stderr. A known startup fault (bad config, port taken,
// unusable data dir or certificate) is one `facteur: ...` line on stderr, no stack trace:
// exit status 2 for configuration errors, 1 for the others.
import type { Command } from 'commander';
import { ConfigError } from '../../config/index.js';
import { createLogger } from '../../core/log.js';
import { StartupError } from '../../core/service.js';
import { addConfigFlags, loadCommandConfig, reportConfigError } from './config.js';

export function register(program: Command): void {
  addConfigFlags(program.command('serve'))
    .description('run the server (see `facteur config help` for every option)')
    .action(async (_opts: unknown, cmd: Command) => {
      let loaded;
      try {
        loaded = loadCommandConfig(cmd);
      } catch (err) {
        if (err instanceof ConfigError) return reportConfigError(err);
        throw err;
      }
      const log = createLogger({ level: loaded.config.log.level });
      for (const w of loaded.warnings) log.warn(w);
      // Loaded here, not at the top: every other command would otherwise pay for loading
      // the whole server (protocol stacks, mail parsers) on each call.
      const { startServer, stopOnSignal } = await import('../../server.js');
      let server;
      try {
        server = await startServer(loaded.config, { log, print: (line) => process.stdout.write(`${line}\n`) });
      } catch (err) {
        if (!(err instanceof StartupError)) throw err;
        process.stderr.write(`facteur: ${err.message}\n`);
        process.exit(1);
      }
      // SIGHUP: a renewed certificate (certbot's deploy hook, an ACME client) is served without a restart.
      process.on('SIGHUP', () => void server.reloadTls());
      await stopOnSignal(server, log);
      // Exit explicitly: a library timer or handle left behind must not keep a stopped server alive.
      process.exit(0);
    });
}

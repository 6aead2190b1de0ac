// What every CLI command shares: one-line errors with exit status 2, and the store opened
// from the same config the server uses.
import type { Command } from 'commander';
import { isFacteurError } from '../core/errors.js';

/** A usage or input error: printed as one line, exit status 2, nothing changed. */
export class CliError extends Error {}

/** Wraps a command action: known errors become one line on stderr and exit status 2. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof CliError || isFacteurError(err)) {
        process.stderr.write(`facteur: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw err;
    }
  };
}

/** The global options every command can read (`facteur --config FILE <command>`). */
export function globalOptions(cmd: Command): { config?: string } {
  return cmd.optsWithGlobals() as { config?: string };
}

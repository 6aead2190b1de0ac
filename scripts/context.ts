// What a provisioning command runs against: the configuration (same loader and sources as the
// server), the store it names and the core services over it. The store is opened per command
// and closed after, so the CLI can run beside a live server (SQLite WAL + busy_timeout): what
// it writes is what the server reads next, there is no cache to refresh.
import os from 'node:os';
import type { Command } from 'commander';
import { ConfigError, loadConfigFromProcess, type Config } from '../config/index.js';
// core's sub-folders rather than core/index.js: the latter also loads the delivery pipeline
// (mailauth, mailparser), which costs every provisioning command over half a second.
import { Accounts, type Actor } from '../core/accounts/index.js';
import { Dkim } from '../core/dkim/index.js';
import type { Store } from '../storage/index.js';
import { openStore } from '../storage/open.js';
import { CliError, globalOptions } from './cli.js';

export interface CliContext {
  config: Config;
  store: Store;
  accounts: Accounts;
  dkim: Dkim;
  /** Audit actor: cli:<unix user>. */
  actor: Actor;
}

export function loadCliConfig(cmd: Command): Config {
  let loaded;
  try {
    loaded = loadConfigFromProcess({ file: globalOptions(cmd).config ?? null });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`invalid configuration: ${err.issues.map(formatIssueShort).join('; ')}`);
    throw err;
  }
  for (const warning of loaded.warnings) process.stderr.write(`facteur: warning: ${warning}\n`);
  return loaded.config;
}

function formatIssueShort(issue: ConfigError['issues'][number]): string {
  return issue.key === null ? issue.message : `${issue.key}: ${issue.message}`;
}

/** Opens config, store and services for `fn`, and closes the store however `fn` ends. */
export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadCliConfig(cmd);
  const store = await openStore({
    backend: config.storage.backend,
    dataDir: config.data.dir,
    mongodbUri: config.storage.mongodbUri ?? undefined,
  });
  try {
    const accounts = new Accounts(store, {
      hash: { memoryKib: config.auth.argon2MemoryKib, iterations: config.auth.argon2Iterations, parallelism: config.auth.argon2Parallelism },
    });
    return await fn({ config, store, accounts, dkim: new Dkim(store), actor: cliActor() });
  } finally {
    await store.close();
  }
}

export function cliActor(): Actor {
  let name: string;
  try {
    name = os.userInfo().username;
  } catch {
    // A container user without a passwd entry has a uid but no name.
    name = `uid${process.getuid?.() ?? 'unknown'}`;
  }
  return { name: `cli:${name}` };
}

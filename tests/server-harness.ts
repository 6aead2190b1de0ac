// The real server for cross-folder suites: startServer on a temp data dir, every port picked
// free on 127.0.0.1, cheap argon2 so that logins do not dominate a suite's time, the JSON logs
// kept for assertions, users provisioned through core. Protocol suites wrap it with their clients.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../config/index.js';
import { Accounts } from '../core/index.js';
import { createLogger } from '../core/log.js';
import { startServer, type RunningServer } from '../server.js';
import type { Store } from '../storage/index.js';

export const FAST_HASH = { memoryKib: 1024, iterations: 1, parallelism: 1 };
export const TEST_PASSWORD = 'correct horse battery';
const PORTS = ['HTTP', 'HTTPS', 'SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS'];

export interface TestServer {
  server: RunningServer;
  store: Store;
  accounts: Accounts;
  /** The server's data folder (its self-signed certificate is in tls/). */
  dataDir: string;
  /** The temp folder holding dataDir; removed by stop(). */
  dir: string;
  /** The port a listener got ('http', 'https', 'smtp', 'submission', 'imap', ...). */
  port(name: string): number;
  /** Every JSON log line the server wrote. */
  logs(): string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra FACTEUR_* variables (they win over the defaults set here). */
  env?: Record<string, string>;
  /** Zone file text: DNS comes from it instead of the network. */
  zone?: string;
  hostname?: string;
  /** Prefix of the temp folder, for telling suites apart in /tmp. */
  name?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `facteur-${options.name ?? 'test'}-`));
  const env: Record<string, string> = {
    FACTEUR_DATA_DIR: path.join(dir, 'data'),
    FACTEUR_LISTEN: '127.0.0.1',
    FACTEUR_HOSTNAME: options.hostname ?? 'localhost',
    FACTEUR_AUTH_ARGON2_MEMORY_KIB: String(FAST_HASH.memoryKib),
    FACTEUR_AUTH_ARGON2_ITERATIONS: String(FAST_HASH.iterations),
    FACTEUR_SHUTDOWN_TIMEOUT_SECONDS: '1',
  };
  for (const key of PORTS) env[`FACTEUR_${key}_PORT`] = '0';
  if (options.zone !== undefined) {
    env.FACTEUR_DNS_ZONEFILE = path.join(dir, 'dns.zone');
    writeFileSync(env.FACTEUR_DNS_ZONEFILE, options.zone);
  }
  Object.assign(env, options.env);
  const { config } = loadConfig({ env });
  let logText = '';
  const sink = new Writable({ write(chunk, _enc, cb) { logText += chunk.toString(); cb(); } });
  const server = await startServer(config, { log: createLogger({ level: 'debug', destination: sink }), print: () => undefined });
  return {
    server,
    store: server.store,
    accounts: new Accounts(server.store, { hash: FAST_HASH }),
    dataDir: env.FACTEUR_DATA_DIR,
    dir,
    port(name) {
      const l = server.listeners.find((x) => x.name === name);
      if (!l) throw new Error(`no ${name} listener`);
      return l.port;
    },
    logs: () => logText,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

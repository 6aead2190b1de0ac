// What the IMAP suites share: the real server (startServer, temp data dir, free ports on
// 127.0.0.1), users provisioned through core, imapflow clients, and a bare socket client for
// what no well-behaved client would send.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import { loadConfig } from '../../config/index.js';
import { Accounts } from '../../core/index.js';
import { createLogger } from '../../core/log.js';
import { startServer, type RunningServer } from '../../server.js';
import type { Store } from '../../storage/index.js';

export const DOMAIN = 'ecole.test';
export const PASSWORD = 'correct horse battery';
const FAST_HASH = { memoryKib: 1024, iterations: 1, parallelism: 1 };

export interface Harness {
  server: RunningServer;
  store: Store;
  accounts: Accounts;
  /** The server's data folder (its self-signed certificate is in tls/). */
  dataDir: string;
  ports: { imap: number; imaps: number; smtp: number };
  logs(): string;
  /** Creates a user with PASSWORD; returns the address. */
  user(name: string): Promise<string>;
  /** An imapflow client, connected and logged in. */
  client(address: string, options?: { secure?: boolean }): Promise<ImapFlow>;
  stop(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-imap-'));
  const full: Record<string, string> = {
    FACTEUR_DATA_DIR: path.join(dir, 'data'),
    FACTEUR_LISTEN: '127.0.0.1',
    FACTEUR_HOSTNAME: 'localhost',
    FACTEUR_AUTH_ARGON2_MEMORY_KIB: String(FAST_HASH.memoryKib),
    FACTEUR_AUTH_ARGON2_ITERATIONS: String(FAST_HASH.iterations),
    FACTEUR_SHUTDOWN_TIMEOUT_SECONDS: '1',
    ...env,
  };
  for (const key of ['HTTP', 'HTTPS', 'SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS']) full[`FACTEUR_${key}_PORT`] = '0';
  const { config } = loadConfig({ env: full });
  let logText = '';
  const sink = new Writable({ write(chunk, _enc, cb) { logText += chunk.toString(); cb(); } });
  const server = await startServer(config, { log: createLogger({ level: 'debug', destination: sink }), print: () => undefined });
  const port = (name: string) => server.listeners.find((l) => l.name === name)!.port;
  const accounts = new Accounts(server.store, { hash: FAST_HASH });
  await accounts.addDomain(DOMAIN);
  const clients: ImapFlow[] = [];
  const ports = { imap: port('imap'), imaps: port('imaps'), smtp: port('smtp') };
  return {
    server,
    store: server.store,
    accounts,
    dataDir: full.FACTEUR_DATA_DIR,
    ports,
    logs: () => logText,
    async user(name) {
      const address = `${name}@${DOMAIN}`;
      await accounts.createUser({ address, password: PASSWORD });
      return address;
    },
    async client(address, options = {}) {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: options.secure ? ports.imaps : ports.imap,
        secure: options.secure ?? false,
        doSTARTTLS: options.secure ? undefined : false,
        tls: { rejectUnauthorized: false },
        auth: { user: address, pass: PASSWORD },
        logger: false,
      });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A message with CRLF line ends. */
export function message(headers: Record<string, string>, body = 'Hello.\r\n'): string {
  return `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

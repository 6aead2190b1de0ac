// What the IMAP suites share: the real server (startServer, temp data dir, free ports on
// 127.0.0.1), users provisioned through core, imapflow clients, and a bare socket client for
// what no well-behaved client would send.
import { ImapFlow } from 'imapflow';
import type { Accounts } from '../../core/index.js';
import type { RunningServer } from '../../server.js';
import type { Store } from '../../storage/index.js';
import { startTestServer, TEST_PASSWORD as PASSWORD } from '../server-harness.js';

export const DOMAIN = 'ecole.test';
export { PASSWORD };

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
  const t = await startTestServer({ env, name: 'imap' });
  const accounts = t.accounts;
  await accounts.addDomain(DOMAIN);
  const clients: ImapFlow[] = [];
  const ports = { imap: t.port('imap'), imaps: t.port('imaps'), smtp: t.port('smtp') };
  return {
    server: t.server,
    store: t.store,
    accounts,
    dataDir: t.dataDir,
    ports,
    logs: t.logs,
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
      await t.stop();
    },
  };
}

/** A message with CRLF line ends. */
export function message(headers: Record<string, string>, body = 'Hello.\r\n'): string {
  return `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

// What the SMTP benchmarks share: a provisioned data dir, the real server started as its own
// process (`facteur serve`, so that the load generators do not share its event loop), DNS
// from a zone file (SPF/DKIM/DMARC lookups stay on this machine), and a count of what was
// stored, read back after the server has stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Accounts, Dkim } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { openStore } from '../storage/open.js';

export const LOCAL_DOMAIN = 'ecole.test';
/** The outside domain mail comes from: SPF allows 127.0.0.1, DMARC p=reject. */
export const SENDER_DOMAIN = 'partenaire.example';
export const HOSTNAME = 'mx.ecole.test';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export interface BenchServerOptions {
  /** Local users user0..user{n-1}@LOCAL_DOMAIN. */
  users: number;
  /** Of those, the first `withPassword` get the password PASSWORD (submission). */
  withPassword?: number;
  /** An RSA DKIM key for LOCAL_DOMAIN, so that submission signs. */
  dkim?: boolean;
  /** Extra lines for the zone file (e.g. a sender's DKIM key). */
  zone?: string[];
  /** Extra FACTEUR_* settings. */
  env?: Record<string, string>;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export interface BenchServer {
  ports: { smtp: number; submission: number };
  pid: number;
  dataDir: string;
  /** The server's JSON log (stderr). */
  logFile: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** After stop(): opens the store and runs `fn`. */
  inspect<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  /** Removes the temporary folder. */
  cleanup(): void;
}

export const PASSWORD = 'Bench-password-1';
export const userAddress = (i: number) => `user${i}@${LOCAL_DOMAIN}`;

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-bench-smtp-'));
  const dataDir = path.join(dir, 'data');
  const zoneFile = path.join(dir, 'dns.zone');
  writeFileSync(zoneFile, [
    `${SENDER_DOMAIN} TXT "v=spf1 ip4:127.0.0.1 -all"`,
    `_dmarc.${SENDER_DOMAIN} TXT "v=DMARC1; p=reject"`,
    `${LOCAL_DOMAIN} TXT "v=spf1 ip4:127.0.0.1 -all"`,
    `_dmarc.${LOCAL_DOMAIN} TXT "v=DMARC1; p=reject"`,
    '1.0.0.127.in-addr.arpa PTR localhost.bench.example',
    'localhost.bench.example A 127.0.0.1',
    ...(options.zone ?? []),
    '',
  ].join('\n'));

  const store = await openStore({ backend: 'sqlite', dataDir });
  try {
    // Cheap hashing for provisioning; logins verify whatever the stored hash says.
    const accounts = new Accounts(store, { hash: { memoryKib: 1024, iterations: 1, parallelism: 1 } });
    await accounts.addDomain(LOCAL_DOMAIN);
    for (let i = 0; i < options.users; i++) {
      await accounts.createUser({ address: userAddress(i), password: i < (options.withPassword ?? 0) ? PASSWORD : null });
    }
    if (options.dkim) await new Dkim(store).generate(LOCAL_DOMAIN, { selector: 'bench', algorithm: 'rsa' });
  } finally {
    await store.close();
  }

  const logFile = path.join(dir, 'server.log');
  const env: Record<string, string> = {
    ...process.env as Record<string, string>,
    FACTEUR_DATA_DIR: dataDir,
    FACTEUR_LISTEN: '127.0.0.1',
    FACTEUR_HOSTNAME: HOSTNAME,
    FACTEUR_DNS_ZONEFILE: zoneFile,
    FACTEUR_SHUTDOWN_TIMEOUT_SECONDS: '5',
    // The load client stands for many servers, from one address.
    FACTEUR_SMTP_MAX_CONNECTIONS_PER_IP: '100000',
    ...options.env,
  };
  for (const key of ['HTTP', 'HTTPS', 'SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS']) env[`FACTEUR_${key}_PORT`] = '0';
  // The log goes straight to a file: through a pipe, a load generator busy on this side
  // would stall the server's synchronous log writes.
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(root, 'bin', 'facteur.js'), 'serve'], {
    env, cwd: dir, stdio: ['ignore', 'pipe', logFd],
  });
  closeSync(logFd);
  const ports = await readPorts(child);

  let exited: Promise<void> | null = null;
  return {
    ports,
    pid: child.pid!,
    dataDir,
    logFile,
    stop() {
      exited ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      return exited;
    },
    async inspect(fn) {
      const s = await openStore({ backend: 'sqlite', dataDir });
      try {
        return await fn(s);
      } finally {
        await s.close();
      }
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for `ready` on the server's stdout, collecting the `listening <name> <addr>:<port>` lines. */
function readPorts(child: ChildProcess): Promise<BenchServer['ports']> {
  return new Promise((resolve, reject) => {
    const found: Record<string, number> = {};
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^listening (\S+) \S+:(\d+)$/.exec(line);
      if (m) found[m[1]] = Number(m[2]);
      if (line === 'ready') resolve({ smtp: found.smtp, submission: found.submission });
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready`)));
  });
}

/** Messages in each user's INBOX, summed. */
export async function countInbox(store: Store, users: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < users; i++) {
    const user = await store.accounts.getUserByAddress(userAddress(i));
    const inbox = user && (await store.mail.findMailbox(user.id, 'INBOX'));
    if (inbox) total += (await store.mail.mailboxStatus(inbox.id)).messages;
  }
  return total;
}

/** Value at quantile q (0..1) of an ascending list. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

// What server.ts starts and stops. Each protocol (HTTP, SMTP, IMAP...) is a Service that
// binds its listeners in start() and drains them in stop(); server.ts only keeps the list.
import type { AddressInfo, Server } from 'node:net';

/** One bound socket, as printed at start: `listening <name> <address>:<port>`. */
export interface Listener {
  name: string;
  address: string;
  /** The port actually bound (never 0, even when the config asked for "any free port"). */
  port: number;
}

export interface Service {
  readonly name: string;
  start(): Promise<{ listeners: Listener[] }>;
  /** Stops accepting, lets work in flight finish for up to `graceMs`, then cuts what remains. */
  stop(graceMs: number): Promise<void>;
  /** Serves a new certificate to the handshakes from now on (SIGHUP); sessions open keep theirs. */
  reloadTls?(tls: { cert: string; key: string }): void | Promise<void>;
}

/** A fault that keeps the server from starting. Its message is one line for the operator,
 *  naming the cause; `facteur serve` prints it without a stack trace. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** "127.0.0.1:8080", "[::1]:8080". */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

const listenFailures: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
};

/** Binds `server`; a failure becomes a StartupError such as
 *  "cannot listen on 127.0.0.1:8080 (http): address already in use". */
export function listenOn(server: Server, options: { name: string; host: string; port: number }): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why = (err.code && listenFailures[err.code]) ?? err.message;
      reject(new StartupError(`cannot listen on ${formatAddress(options.host, options.port)} (${options.name}): ${why}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      const bound = server.address() as AddressInfo;
      resolve({ name: options.name, address: bound.address, port: bound.port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // A deep accept queue: clients reconnecting together after a restart (thousands of IDLE
    // sessions) must not be dropped by the default backlog of 511.
    server.listen({ host: options.host, port: options.port, backlog: 4096 });
  });
}

/** Closes `server` (no new connections) and resolves once its connections have ended;
 *  after `graceMs`, calls `cut` to end those still open. */
export function closeServer(server: Server, graceMs: number, cut: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(cut, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A file-system error as the end of a one-line message: "permission denied", "no such file". */
export function explainFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': case 'EEXIST': return 'not a directory';
    case 'EROFS': return 'read-only file system';
    case 'ENOSPC': return 'no space left on device';
    default: return String(e.message ?? err).split('\n')[0];
  }
}

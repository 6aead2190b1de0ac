// The IMAP service: a plain listener offering STARTTLS (config imap.port) and an implicit-TLS
// one (imaps.port), one Session per connection, and one change-feed subscription shared by
// every session (notifier.ts).
import net from 'node:net';
import tls from 'node:tls';
import { isLoopback, mailboxIds, type Authenticator } from '../core/index.js';
import type { Logger } from '../core/log.js';
import { closeServer, listenOn, type Listener, type Service } from '../core/service.js';
import type { Store } from '../storage/index.js';
import { Connection } from './connection.js';
import { MailboxWatchers } from './notifier.js';
import { DEFAULT_LIMITS, type ReaderLimits } from './protocol/reader.js';
import { Session } from './session.js';

export interface ImapServiceOptions {
  host: string;
  /** 0 picks a free port. */
  ports: { imap: number; imaps: number };
  tls: { cert: string; key: string };
  store: Store;
  authenticator: Authenticator;
  log: Logger;
  /** Largest message APPEND takes (APPENDLIMIT); the SMTP message size limit by default. */
  maxMessageBytes: number;
  limits?: Partial<Omit<ReaderLimits, 'maxAppendLiteral'>>;
  /** At least 30 minutes (RFC 9051 §5.4). */
  idleTimeoutMs?: number;
  preAuthTimeoutMs?: number;
  /** Plain-text login from loopback (default true, as Dovecot). */
  loopbackIsSecure?: boolean;
  /** Logged-in sessions per account; more logins get NO [LIMIT]. */
  maxConnectionsPerUser?: number;
  /** Connections per remote address; more get BYE at once. */
  maxConnectionsPerIp?: number;
  /** Commands per connection and minute; the excess gets NO [LIMIT]. */
  maxCommandsPerMinute?: number;
}

const THIRTY_MINUTES = 30 * 60_000;

export function createImapService(options: ImapServiceOptions): Service {
  const servers: net.Server[] = [];
  const sessions = new Set<Session>();
  const watchers = new MailboxWatchers(options.store.changes);
  const destinations = mailboxIds(options.store);
  // Replaced on a certificate reload: sessions opened afterwards STARTTLS with the new one.
  let context = tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' });
  let secureServer: tls.Server | null = null;
  const limits: ReaderLimits = { ...DEFAULT_LIMITS, ...options.limits, maxAppendLiteral: options.maxMessageBytes };
  let nextId = 0;

  const perIp = new Counter();
  const perUser = new Counter();

  const accept = (socket: net.Socket, listener: 'imap' | 'imaps') => {
    const remote = socket.remoteAddress ?? '';
    const log = options.log.child({ cid: `i${(++nextId).toString(36)}`, remote, listener });
    socket.on('error', (err) => log.debug({ err: err.message }, 'socket error'));
    if (!perIp.acquire(remote, options.maxConnectionsPerIp ?? Infinity)) {
      // RFC 9051 §7.1.5: BYE as the greeting refuses the connection.
      log.info('too many connections from this address');
      socket.end('* BYE [UNAVAILABLE] Too many connections from your address\r\n');
      setTimeout(() => socket.destroy(), 5000).unref();
      return;
    }
    socket.once('close', () => perIp.release(remote));
    const conn = new Connection(socket, listener === 'imaps', limits);
    const session = new Session(conn, {
      store: options.store,
      authenticator: options.authenticator,
      watchers,
      destinations,
      tlsContext: listener === 'imap' ? context : null,
      loopbackIsSecure: options.loopbackIsSecure ?? true,
      limits,
      idleTimeoutMs: Math.max(THIRTY_MINUTES, options.idleTimeoutMs ?? THIRTY_MINUTES),
      preAuthTimeoutMs: options.preAuthTimeoutMs ?? 60_000,
      maxCommandsPerMinute: options.maxCommandsPerMinute ?? Infinity,
      userSlots: {
        acquire: (userId) => perUser.acquire(userId, options.maxConnectionsPerUser ?? Infinity),
        release: (userId) => perUser.release(userId),
      },
      log,
    }, isLoopback(remote));
    sessions.add(session);
    log.debug('connected');
    session.run().finally(() => sessions.delete(session));
  };

  return {
    name: 'imap',

    async start() {
      watchers.start();
      const plain = net.createServer((socket) => accept(socket, 'imap'));
      const secure = tls.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (socket) => accept(socket, 'imaps'));
      // A failed handshake never becomes a session; it is the client's problem, not ours.
      secureServer = secure;
      secure.on('tlsClientError', (err) => options.log.debug({ err: err.message, listener: 'imaps' }, 'TLS handshake failed'));
      servers.push(plain, secure);
      const listeners: Listener[] = [];
      listeners.push(await listenOn(plain, { name: 'imap', host: options.host, port: options.ports.imap }));
      listeners.push(await listenOn(secure, { name: 'imaps', host: options.host, port: options.ports.imaps }));
      return { listeners };
    },

    reloadTls(material) {
      context = tls.createSecureContext({ cert: material.cert, key: material.key, minVersion: 'TLSv1.2' });
      secureServer?.setSecureContext({ cert: material.cert, key: material.key, minVersion: 'TLSv1.2' });
    },

    async stop(graceMs) {
      const closing = servers.map((s) => closeServer(s, graceMs, () => {
        for (const session of sessions) session.conn.destroy();
      }));
      for (const session of sessions) session.shutdown();
      await Promise.all(closing);
      watchers.stop();
      servers.length = 0;
    },
  };
}

/** Connections held per key (address or account). */
class Counter {
  private readonly counts = new Map<string, number>();

  acquire(key: string, max: number): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
}

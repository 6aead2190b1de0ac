// The IMAP service: a plain listener offering STARTTLS (config imap.port) and an implicit-TLS
// one (imaps.port), one Session per connection, and one change-feed subscription shared by
// every session (notifier.ts).
import net from 'node:net';
import tls from 'node:tls';
import { isLoopback, type Authenticator } from '../core/index.js';
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
}

const THIRTY_MINUTES = 30 * 60_000;

export function createImapService(options: ImapServiceOptions): Service {
  const servers: net.Server[] = [];
  const sessions = new Set<Session>();
  const watchers = new MailboxWatchers(options.store.changes);
  const context = tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' });
  const limits: ReaderLimits = { ...DEFAULT_LIMITS, ...options.limits, maxAppendLiteral: options.maxMessageBytes };
  let nextId = 0;

  const accept = (socket: net.Socket, listener: 'imap' | 'imaps') => {
    const remote = socket.remoteAddress ?? '';
    const log = options.log.child({ cid: `i${(++nextId).toString(36)}`, remote, listener });
    socket.on('error', (err) => log.debug({ err: err.message }, 'socket error'));
    const conn = new Connection(socket, listener === 'imaps', limits);
    const session = new Session(conn, {
      store: options.store,
      authenticator: options.authenticator,
      watchers,
      tlsContext: listener === 'imap' ? context : null,
      loopbackIsSecure: options.loopbackIsSecure ?? true,
      limits,
      idleTimeoutMs: Math.max(THIRTY_MINUTES, options.idleTimeoutMs ?? THIRTY_MINUTES),
      preAuthTimeoutMs: options.preAuthTimeoutMs ?? 60_000,
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
      secure.on('tlsClientError', (err) => options.log.debug({ err: err.message, listener: 'imaps' }, 'TLS handshake failed'));
      servers.push(plain, secure);
      const listeners: Listener[] = [];
      listeners.push(await listenOn(plain, { name: 'imap', host: options.host, port: options.ports.imap }));
      listeners.push(await listenOn(secure, { name: 'imaps', host: options.host, port: options.ports.imaps }));
      return { listeners };
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

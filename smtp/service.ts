// The SMTP service: three listeners on smtp-server, built from the slice of config server.ts
// hands down. MX (`smtp`) takes mail for local domains, without AUTH; `submission` (STARTTLS)
// and `submissions` (implicit TLS) take mail from authenticated users.
import type { SMTPServerOptions } from 'smtp-server';
import type { Authenticator, Delivery, Resolver } from '../core/index.js';
import type { Logger } from '../core/log.js';
import { listenOn, type Listener, type Service } from '../core/service.js';
import type { Store } from '../storage/index.js';
import { reverseResolver } from './client-address.js';
import type { SmtpContext } from './handlers.js';
import { FacteurSmtpServer, type AuthTransportPolicy } from './listener.js';
import { mxHandlers } from './mx.js';
import { Replies } from './replies.js';
import { submissionHandlers } from './submission.js';

export interface SmtpServiceOptions {
  /** Address every listener binds to. */
  host: string;
  /** Our public name. */
  hostname: string;
  /** 0 picks a free port. */
  ports: { smtp: number; submission: number; submissions: number };
  tls: { cert: string; key: string };
  maxMessageBytes: number;
  maxRecipients: number;
  /** Per listener. */
  maxClients: number;
  socketTimeoutMs: number;
  store: Store;
  delivery: Delivery;
  authenticator: Authenticator;
  resolver: Resolver;
  log: Logger;
  /** Plain-text AUTH from loopback clients (default true). */
  loopbackIsSecure?: boolean;
}

export function createSmtpService(options: SmtpServiceOptions): Service {
  const running: FacteurSmtpServer[] = [];
  const policy: AuthTransportPolicy = { loopbackIsSecure: options.loopbackIsSecure ?? true };

  const context = (listener: string): SmtpContext => ({
    hostname: options.hostname, maxMessageBytes: options.maxMessageBytes, store: options.store, delivery: options.delivery,
    authenticator: options.authenticator, resolver: options.resolver, log: options.log.child({ listener }),
  });

  const common = (): SMTPServerOptions => ({
    name: options.hostname,
    banner: 'Facteur',
    // Our certificate: smtp-server's built-in one has expired (and its key is public).
    cert: options.tls.cert,
    key: options.tls.key,
    minVersion: 'TLSv1.2',
    size: options.maxMessageBytes,
    maxRecipients: options.maxRecipients,
    maxClients: options.maxClients,
    socketTimeout: options.socketTimeoutMs,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    // Logging is ours (handlers.ts, per session); smtp-server's would log every command.
    logger: false,
  });

  const build = (name: 'smtp' | 'submission' | 'submissions'): FacteurSmtpServer => {
    const ctx = context(name);
    if (name === 'smtp') {
      return new FacteurSmtpServer({
        ...common(),
        disabledCommands: ['AUTH'],
        resolver: reverseResolver(options.resolver),
        ...mxHandlers(ctx),
      }, policy);
    }
    return new FacteurSmtpServer({
      ...common(),
      secure: name === 'submissions',
      authMethods: ['PLAIN', 'LOGIN'],
      authRequiredMessage: Replies.authRequired().message,
      // The client's name is of no use on submission (the Received header leaves it out).
      disableReverseLookup: true,
      ...submissionHandlers(ctx, policy),
    }, policy);
  };

  return {
    name: 'smtp',

    async start() {
      const listeners: Listener[] = [];
      for (const name of ['smtp', 'submission', 'submissions'] as const) {
        const server = build(name);
        const log = options.log.child({ listener: name });
        // Connection-level faults (a reset in the middle of DATA, a failed TLS handshake) are
        // the client's; smtp-server reports them here, and would crash the process unheard.
        server.on('error', (err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'connection error'));
        running.push(server);
        listeners.push(await listenOn(server.server, { name, host: options.host, port: options.ports[name] }));
      }
      return { listeners };
    },

    async stop(graceMs) {
      // smtp-server stops accepting, waits closeTimeout for sessions to end, then sends them 421.
      await Promise.all(running.map((server) => new Promise<void>((resolve) => {
        server.options.closeTimeout = Math.max(1, graceMs);
        server.close(() => resolve());
      })));
      running.length = 0;
    },
  };
}

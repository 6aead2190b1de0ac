// The SMTP service: three listeners on smtp-server, built from the slice of config server.ts
// hands down. MX (`smtp`) takes mail for local domains, without AUTH, on its own thread
// (mx-thread.ts); `submission` (STARTTLS) and `submissions` (implicit TLS) take mail from
// authenticated users.
import type { Authenticator, Delivery, Resolver } from '../core/index.js';
import type { Logger } from '../core/log.js';
import { listenOn, type Listener, type Service } from '../core/service.js';
import type { Store } from '../storage/index.js';
import type { SmtpContext } from './handlers.js';
import { FacteurSmtpServer, type AuthTransportPolicy } from './listener.js';
import { startMxThread, type MxThread } from './mx-thread.js';
import { dataBudgetFor } from './message.js';
import { Replies } from './replies.js';
import { commonServerOptions } from './server-options.js';
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
  /** MX connections one client address may hold; none when absent. Submission has no such
   *  limit: a school's staff share its address, and sign in. */
  maxConnectionsPerIp?: number;
}

export function createSmtpService(options: SmtpServiceOptions): Service {
  const running: FacteurSmtpServer[] = [];
  let mx: MxThread | null = null;
  const policy: AuthTransportPolicy = { loopbackIsSecure: options.loopbackIsSecure ?? true };
  // Shared by the two submission listeners; the MX thread has its own.
  const dataBudget = dataBudgetFor(options.maxMessageBytes);

  const context = (listener: string): SmtpContext => ({
    hostname: options.hostname, maxMessageBytes: options.maxMessageBytes, store: options.store, delivery: options.delivery,
    authenticator: options.authenticator, resolver: options.resolver, log: options.log.child({ listener }), dataBudget,
  });

  const build = (name: 'submission' | 'submissions'): FacteurSmtpServer => {
    const ctx = context(name);
    return new FacteurSmtpServer({
      ...commonServerOptions(options),
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
      mx = await startMxThread({
        ...options, port: options.ports.smtp, log: options.log.child({ listener: 'smtp' }), loopbackIsSecure: policy.loopbackIsSecure,
      });
      const listeners: Listener[] = [mx.listener];
      for (const name of ['submission', 'submissions'] as const) {
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

    async reloadTls(tls) {
      for (const s of running) s.updateSecureContext({ cert: tls.cert, key: tls.key });
      await mx?.reloadTls(tls);
    },

    async stop(graceMs) {
      // smtp-server stops accepting, waits closeTimeout for sessions to end, then sends them 421.
      await Promise.all([
        mx?.stop(graceMs),
        ...running.map((server) => new Promise<void>((resolve) => {
          server.options.closeTimeout = Math.max(1, graceMs);
          server.close(() => resolve());
        })),
      ]);
      mx = null;
      running.length = 0;
    },
  };
}

// The MX listener's own thread (mx-thread.ts says why): smtp-server, the SPF/DKIM/DMARC/ARC
// checks and the MIME analysis of each message run here. What needs the store (senders,
// recipients, delivery) or the resolver is a call to the main thread; log lines go there too,
// to be written by the server's logger.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeNow, asResolver, type AcceptExtras, type Decision, type DeliveryResult, type Origin, type ResolvedRecipient } from '../core/index.js';
import { createLogger, type LogLevel } from '../core/log.js';
import { listenOn, type Listener } from '../core/service.js';
import { reverseResolver } from './client-address.js';
import { MX_DNS_CACHE, cachingResolver } from './dns-cache.js';
import { FacteurSmtpServer } from './listener.js';
import type { MxWorkerData } from './mx-thread.js';
import { mxHandlers, type MxContext } from './mx.js';
import { RpcPeer } from './rpc.js';
import { commonServerOptions } from './server-options.js';

const data = workerData as MxWorkerData;
let server: FacteurSmtpServer | null = null;

const peer = new RpcPeer(parentPort!, {
  async start(): Promise<Listener> {
    server = build();
    return listenOn(server.server, { name: 'smtp', host: data.host, port: data.port });
  },
  reloadTls(tls: { cert: string; key: string }): void {
    server?.updateSecureContext({ cert: tls.cert, key: tls.key });
  },
  stop(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (!server) return resolve();
      // smtp-server stops accepting, waits closeTimeout for sessions to end, then sends them 421.
      server.options.closeTimeout = Math.max(1, graceMs);
      server.close(() => resolve());
    });
  },
});

function build(): FacteurSmtpServer {
  const log = createLogger({ level: data.logLevel as LogLevel, destination: { write: (line: string) => peer.notify('log', [line]) } })
    .child(data.logBindings);
  const ctx: MxContext = {
    hostname: data.hostname,
    maxMessageBytes: data.maxMessageBytes,
    log,
    resolver: cachingResolver(asResolver((name, rrtype) => peer.call('resolve', [name, rrtype])), MX_DNS_CACHE),
    isLocalDomain: (domain) => peer.call<boolean>('isLocalDomain', [domain]),
    delivery: {
      checkSender: (origin: Origin, from: string) => peer.call<Decision>('checkSender', [origin, from]),
      checkRecipient: (origin: Origin, rcpt: string) => peer.call<ResolvedRecipient>('checkRecipient', [origin, rcpt]),
      // The pipeline would analyse the message on the main thread: done here instead, and
      // handed over with it (accept's `analyzed` extra).
      accept(origin: Origin, from: string, recipients: ResolvedRecipient[], raw: Buffer, extras: AcceptExtras) {
        const analyzed = analyzeNow(raw);
        return peer.call<DeliveryResult>('accept', [origin, from, recipients, raw, extras, analyzed], ownedBuffer(raw));
      },
    },
  };
  const s = new FacteurSmtpServer({
    ...commonServerOptions(data),
    disabledCommands: ['AUTH'],
    resolver: reverseResolver(ctx.resolver),
    ...mxHandlers(ctx),
  }, { loopbackIsSecure: data.loopbackIsSecure });
  // Connection-level faults (a reset in the middle of DATA, a failed TLS handshake) are the
  // client's; smtp-server reports them here, and would end the thread unheard.
  s.on('error', (err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'connection error'));
  return s;
}

/** A large message is handed over rather than copied, when its bytes have their own
 *  ArrayBuffer (a small Buffer may share Node's pool with others: that one is copied). */
function ownedBuffer(raw: Buffer): ArrayBuffer[] | undefined {
  const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.byteLength >= 64 * 1024;
  return own ? [raw.buffer as ArrayBuffer] : undefined;
}

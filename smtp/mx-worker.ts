// The MX listener's own thread (mx-thread.ts says why): smtp-server, the SPF/DKIM/DMARC/ARC
// checks and the MIME analysis of each message run here. What needs the store (senders,
// recipients, delivery) or the resolver is a call to the main thread; log lines go there too,
// to be written by the server's logger.
import { parentPort, workerData } from 'node:worker_threads';
import {
  ACCEPT, analyzeNow, asResolver, senderNeedsCheck, type AcceptExtras, type Decision, type DeliveryResult, type Origin, type ResolvedRecipient,
} from '../core/index.js';
import { createLogger, type LogLevel } from '../core/log.js';
import { listenOn, type Listener } from '../core/service.js';
import { reverseResolver } from './client-address.js';
import { MX_DNS_CACHE, dnsCache } from './dns-cache.js';
import { FacteurSmtpServer } from './listener.js';
import { dataBudgetFor } from './message.js';
import { skipRedactionOfPlainValues } from './log-cost.js';
import type { MxWorkerData } from './mx-thread.js';
import { mxHandlers, type MxContext } from './mx.js';
import { RpcPeer } from '../core/index.js';
import { commonServerOptions } from './server-options.js';
import { VerifyMemo } from './verify-memo.js';

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
      server.close(() => {
        logLines.flush();
        resolve();
      });
    });
  },
});

const logLines = batchedLines((lines) => peer.notify('log', [lines]));

function build(): FacteurSmtpServer {
  const root = createLogger({ level: data.logLevel as LogLevel, destination: logLines });
  skipRedactionOfPlainValues(root);
  const log = root.child(data.logBindings);
  const dns = dnsCache(asResolver((name, rrtype) => peer.call('resolve', [name, rrtype])), MX_DNS_CACHE);
  const memo = new VerifyMemo(dns);
  const ctx: MxContext = {
    hostname: data.hostname,
    maxMessageBytes: data.maxMessageBytes,
    dataBudget: dataBudgetFor(data.maxMessageBytes),
    log,
    resolver: dns.resolver,
    verifyMemo: memo,
    isLocalDomain: (domain) => peer.call<boolean>('isLocalDomain', [domain]),
    release(recipients) {
      const numbers = recipients.flatMap((r) => (r.held === undefined ? [] : [r.held]));
      if (numbers.length > 0) peer.notify('release', [numbers]);
    },
    delivery: {
      // MAIL FROM from another server needs nothing from the store (pipeline.ts): no call.
      checkSender: (origin: Origin, from: string) => (senderNeedsCheck(origin.kind)
        ? peer.call<Decision>('checkSender', [origin, from]) : Promise.resolve(ACCEPT)),
      checkRecipient: (origin: Origin, rcpt: string) => peer.call<ResolvedRecipient>('checkRecipient', [origin, rcpt]),
      // The pipeline would analyse the message on the main thread: done here instead, and
      // handed over with it (accept's `analyzed` extra).
      accept(origin: Origin, from: string, recipients: ResolvedRecipient[], raw: Buffer, extras: AcceptExtras) {
        const analyzed = analyzeNow(raw);
        const { bytes, transfer } = ownBytes(raw);
        return peer.call<DeliveryResult>('accept', [origin, from, recipients, bytes, extras, analyzed], transfer);
      },
    },
  };
  const s = new FacteurSmtpServer({
    ...commonServerOptions(data),
    disabledCommands: ['AUTH'],
    resolver: reverseResolver(ctx.resolver, memo),
    ...mxHandlers(ctx),
  }, { loopbackIsSecure: data.loopbackIsSecure, maxConnectionsPerIp: data.maxConnectionsPerIp });
  // Connection-level faults (a reset in the middle of DATA, a failed TLS handshake) are the
  // client's; smtp-server reports them here, and would end the thread unheard.
  s.on('error', (err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'connection error'));
  return s;
}

/** How long log lines wait to go to the main thread together. */
const LOG_BATCH_MS = 20;
/** Past this, they go at once. */
const LOG_BATCH_BYTES = 64 * 1024;

/** Log lines go to the main thread in batches, written there with one write: a postMessage
 *  (and a write on the main thread) per line was a visible share of the time per mail. */
function batchedLines(send: (lines: string) => void): { write(line: string): void; flush(): void } {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const lines = pending;
    pending = '';
    if (lines) send(lines);
  };
  return {
    flush,
    write(line: string) {
      pending += line;
      if (pending.length >= LOG_BATCH_BYTES) flush();
      else timer ??= setTimeout(flush, LOG_BATCH_MS);
    },
  };
}

/** The message's bytes as they cross to the main thread. Structured clone copies a Buffer's
 *  whole ArrayBuffer, and a small message shares Node's 8 KiB pool with others: such a view is
 *  copied into a buffer of its own here and that copy handed over. A large message with its own
 *  ArrayBuffer is handed over as it is (nothing reads it here after accept). */
function ownBytes(raw: Buffer): { bytes: Uint8Array; transfer?: ArrayBuffer[] } {
  if (raw.byteOffset !== 0 || raw.byteLength !== raw.buffer.byteLength) {
    const bytes = new Uint8Array(raw);
    return { bytes, transfer: [bytes.buffer] };
  }
  return { bytes: raw, transfer: raw.byteLength >= 64 * 1024 ? [raw.buffer as ArrayBuffer] : undefined };
}

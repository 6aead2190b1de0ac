// The MX listener runs in a worker thread (mx-worker.ts): sockets, SMTP parsing, the
// SPF/DKIM/DMARC/ARC checks and the MIME analysis of each message are there, while the main
// thread keeps the store and its durable writes and answers the worker's calls. On one
// thread, inbound mail used one core and left the other idle; this way it uses two (figures:
// bench/smtp-inbound.ts). The calls are few and small: MAIL FROM, RCPT TO, the end of DATA
// with the message and its analysis, the DNS lookups, and log lines.
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { Unavailable, type AcceptExtras, type AnalyzedMessage, type Delivery, type Origin, type ResolvedRecipient, type Resolver } from '../core/index.js';
import type { Logger } from '../core/log.js';
import { StartupError, type Listener } from '../core/service.js';
import type { Store } from '../storage/index.js';
import { HeldRecipients } from './held-recipients.js';
import { RpcPeer } from '../core/index.js';
import type { ListenerSettings } from './server-options.js';

export interface MxThreadOptions extends ListenerSettings {
  host: string;
  port: number;
  delivery: Delivery;
  store: Store;
  resolver: Resolver;
  /** The listener's logger: the worker's lines are written through its destination. */
  log: Logger;
  loopbackIsSecure: boolean;
  /** Connections one client address may hold (listener.ts); none when absent. */
  maxConnectionsPerIp?: number;
}

/** What the worker is started with: plain values only. */
export interface MxWorkerData extends ListenerSettings {
  entry: string;
  host: string;
  port: number;
  logLevel: string;
  logBindings: Record<string, unknown>;
  loopbackIsSecure: boolean;
  maxConnectionsPerIp?: number;
}

export interface MxThread {
  listener: Listener;
  stop(graceMs: number): Promise<void>;
  /** The worker serving now takes the new certificate, and so does any worker started later. */
  reloadTls(tls: { cert: string; key: string }): Promise<void>;
  /** The worker serving now, null while none is (tests end it to see it replaced). */
  worker(): Worker | null;
  /** Recipients checked and kept for a message still to come (held-recipients.ts). */
  heldRecipients(): number;
}

const BOOT = new URL('../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL(`./mx-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
/** Wait before starting a worker again after it died, so that a fault at start cannot spin. */
const RESTART_DELAY_MS = 1000;
/** How long past the grace period a stopping worker may take to close its listener. */
const STOP_MARGIN_MS = 2000;

export async function startMxThread(o: MxThreadOptions): Promise<MxThread> {
  const destination = (o.log as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
  const held = new HeldRecipients();
  const handlers = {
    checkSender: (origin: Origin, from: string) => o.delivery.checkSender(origin, from),
    checkRecipient: async (origin: Origin, rcpt: string) => held.hold(await o.delivery.checkRecipient(origin, rcpt)),
    accept(origin: Origin, from: string, recipients: ResolvedRecipient[], bytes: Uint8Array, extras: AcceptExtras, analyzed: AnalyzedMessage) {
      const resolved = held.take(recipients);
      // Dropped after an hour without the message, or left behind by a worker that died.
      if (!resolved) throw new Unavailable('the recipients of this transaction are no longer known');
      const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return o.delivery.accept(origin, from, resolved, raw, { ...extras, analyzed });
    },
    release: (numbers: number[]) => held.release(numbers),
    isLocalDomain: async (domain: string) => (await o.store.accounts.getDomain(domain)) !== null,
    resolve: (name: string, rrtype: string) => o.resolver(name, rrtype),
    log: (line: string) => destination.write(line),
  };

  let stopping = false;
  let current: { worker: Worker; peer: RpcPeer } | null = null;
  let bound = o.port;
  let tls = o.tls;

  const spawn = async (port: number): Promise<Listener> => {
    const data: MxWorkerData = {
      entry: ENTRY, host: o.host, port, hostname: o.hostname, tls, maxMessageBytes: o.maxMessageBytes,
      maxRecipients: o.maxRecipients, maxClients: o.maxClients, socketTimeoutMs: o.socketTimeoutMs,
      logLevel: o.log.level, logBindings: o.log.bindings(), loopbackIsSecure: o.loopbackIsSecure,
      maxConnectionsPerIp: o.maxConnectionsPerIp,
    };
    const worker = new Worker(BOOT, { workerData: data });
    const peer = new RpcPeer(worker, handlers);
    current = { worker, peer };
    worker.on('error', (err) => {
      o.log.error({ err }, 'MX worker failed');
      peer.failPending(err);
    });
    worker.on('exit', (code) => {
      peer.failPending(new Error(`MX worker exited (${code})`));
      held.clear();
      if (stopping || current?.worker !== worker) return;
      current = null;
      // Sessions in progress were cut; senders retry. The port stays ours to bind again.
      o.log.error({ code }, 'MX worker stopped unexpectedly: starting it again');
      setTimeout(() => {
        if (!stopping) spawn(bound).catch((err) => o.log.error({ err }, 'MX worker could not start again'));
      }, RESTART_DELAY_MS).unref();
    });
    try {
      const listener = await peer.call<Listener>('start', []);
      // Port 0 in the config means "any": a replacement must take the one the clients know.
      bound = listener.port;
      return listener;
    } catch (err) {
      stopping = true;
      await worker.terminate();
      // listenOn's one-line message ("cannot listen on ...: address already in use").
      if ((err as Error).name === 'StartupError') throw new StartupError((err as Error).message, { cause: err });
      throw err;
    }
  };

  const listener = await spawn(o.port);
  return {
    listener,
    worker: () => current?.worker ?? null,
    heldRecipients: () => held.size,
    async reloadTls(next) {
      tls = next;
      await current?.peer.call('reloadTls', [next]);
    },
    async stop(graceMs) {
      stopping = true;
      const running = current;
      current = null;
      if (!running) return;
      // The worker lets sessions finish for graceMs, then cuts them; past that, it is cut.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        running.peer.call('stop', [graceMs]).catch(() => undefined),
        new Promise((resolve) => { timer = setTimeout(resolve, graceMs + STOP_MARGIN_MS); }),
      ]);
      clearTimeout(timer);
      await running.worker.terminate();
    },
  };
}

// smtp/outbound: the outbound queue worker as a Service (no listeners). server.ts builds it
// with outboundOptionsFromConfig(config) and the shared store, resolver and Delivery.
import type { Config } from '../../config/index.js';
import type { Service } from '../../core/service.js';
import { parseHostPort } from './route.js';
import { OutboundWorker, type OutboundDeps, type OutboundOptions } from './worker.js';

export { OutboundWorker } from './worker.js';
export type { OutboundDeps, OutboundOptions } from './worker.js';
export type { Relay } from './route.js';
export { DEFAULT_RETRY_SCHEDULE, retryDelay } from './schedule.js';

export interface OutboundService extends Service {
  readonly worker: OutboundWorker;
}

/** `deps.log` is the server's logger; the service logs under {svc: 'outbound'}. */
export function createOutboundService(deps: OutboundDeps, options: OutboundOptions): OutboundService {
  const worker = new OutboundWorker({ ...deps, log: deps.log.child({ svc: 'outbound' }) }, options);
  return {
    name: 'outbound',
    worker,
    async start() {
      worker.start();
      return { listeners: [] };
    },
    stop: (graceMs) => worker.stop(graceMs),
  };
}

/** The worker's settings from the configuration (hostname and the outbound.* keys). */
export function outboundOptionsFromConfig(config: Config): OutboundOptions {
  const o = config.outbound;
  return {
    hostname: config.hostname,
    port: o.port,
    relay: o.relay ? { ...parseHostPort(o.relay), user: o.relayUser, password: o.relayPassword } : null,
    concurrency: o.concurrency,
    concurrencyPerDomain: o.concurrencyPerDomain,
  };
}

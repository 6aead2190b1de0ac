// One delivery attempt for one queue entry: read the message, find where it goes, send it to
// the recipients still pending, settle the results.
import { isIP } from 'node:net';
import { isFacteurError, type RecipientDsn, type Resolver } from '../../core/index.js';
import type { QueueEntry } from '../../storage/index.js';
import { resultsFromRoute, resultsFromSend, type RecipientResult } from './outcome.js';
import { routeFor, type Relay } from './route.js';
import { settle, type SettleContext, type Settled } from './settle.js';
import { sendVia } from './transport.js';

export interface AttemptContext extends SettleContext {
  resolver: Resolver;
  hostname: string;
  port: number;
  relay: Relay | null;
  connectTimeoutMs: number;
  now: () => Date;
}

/** Why an attempt's AbortSignal fired. */
export const SHUTDOWN = 'shutdown';

/** Null when the entry was deleted meanwhile (`facteur queue delete`). */
export async function attemptDelivery(ctx: AttemptContext, entry: QueueEntry, signal: AbortSignal): Promise<Settled | null> {
  const to = entry.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
  const log = ctx.log.child({ id: entry.id, domain: entry.domain });

  let raw: Buffer | null = null;
  try {
    raw = await ctx.store.blobs.get(entry.blobId);
  } catch (err) {
    if (!(isFacteurError(err) && err.code === 'NOT_FOUND')) throw err;
    // Deleting an entry frees its blob: that is no loss to report.
    if (!(await ctx.store.queue.get(entry.id))) return null;
    log.error({ blobId: entry.blobId }, 'queued message content is missing');
  }
  const { results, via } = raw === null
    // The store lost the content (a damaged data dir): it can never be sent, so say so.
    ? { results: to.map((address): RecipientResult => ({ address, outcome: 'failed', reply: '554 5.3.0 The queued message was lost by the sending server', status: '5.3.0', remoteMta: null })), via: null }
    : to.length === 0 ? { results: [], via: null } : await send(ctx, entry, to, raw, signal);

  const interrupted = signal.aborted && signal.reason === SHUTDOWN;
  const settled = await settle(ctx, entry, raw ?? Buffer.alloc(0), results, { now: ctx.now(), interrupted });
  log.info({
    attempt: entry.attempts + 1, via, interrupted,
    results: results.map((r) => ({ to: r.address, outcome: r.outcome, reply: r.reply })),
    removed: settled.removed, nextAttemptAt: settled.nextAttemptAt,
  }, 'delivery attempt');
  return settled;
}

async function send(ctx: AttemptContext, entry: QueueEntry, to: string[], raw: Buffer, signal: AbortSignal): Promise<{ results: RecipientResult[]; via: string | null }> {
  const route = await routeFor(entry.domain, ctx.resolver, { relay: ctx.relay, port: ctx.port, localNames: [ctx.hostname] });
  if (!route.ok) return { results: resultsFromRoute(to, route), via: null };
  const auth = ctx.relay?.user ? { user: ctx.relay.user, pass: ctx.relay.password ?? '' } : null;
  const sent = await sendVia(route.hops, {
    from: entry.from, to, raw,
    envid: typeof entry.meta.envid === 'string' ? entry.meta.envid : null,
    ret: entry.meta.ret === 'FULL' || entry.meta.ret === 'HDRS' ? entry.meta.ret : null,
    ...relayedDsn(entry, to),
  }, {
    hostname: ctx.hostname,
    auth,
    // A password crosses the network to a relay only inside TLS; one on this machine (a local
    // Postfix, an SSH tunnel) may be spoken to in clear.
    requireTls: auth !== null && !isLoopback(ctx.relay!.host),
    connectTimeoutMs: ctx.connectTimeoutMs,
    signal,
  });
  return {
    results: resultsFromSend(to, sent),
    via: sent.reached ? `${sent.hop.name} [${sent.hop.host}]:${sent.hop.port}` : null,
  };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** RFC 3461 §5.2: a relaying MTA passes NOTIFY and ORCPT on. nodemailer takes one set per
 *  message, so they go on when every recipient of the attempt shares them. */
function relayedDsn(entry: QueueEntry, to: string[]): { notify: string[] | null; orcpt: string | null } {
  const all = (entry.meta.recipients ?? {}) as Record<string, RecipientDsn | undefined>;
  const lists = to.map((a) => (all[a]?.notify ?? []).join(','));
  const notify = lists[0] && lists.every((l) => l === lists[0]) ? lists[0].split(',') : null;
  return { notify, orcpt: to.length === 1 ? all[to[0]]?.orcpt ?? null : null };
}

// After an attempt: record each recipient's new state, bounce the ones that failed for good
// (or ran out of time), then drop the entry when nobody is left or schedule the next try.
import { isFacteurError, type BounceRecipient, type Delivery, type RecipientDsn } from '../../core/index.js';
import type { Logger } from '../../core/log.js';
import type { QueueEntry, QueueRecipient, Store } from '../../storage/index.js';
import type { RecipientResult } from './outcome.js';
import { nextAttemptAt } from './schedule.js';

export interface SettleContext {
  store: Store;
  delivery: Delivery;
  log: Logger;
  retrySchedule?: readonly number[];
}

export interface Settled {
  /** The entry is gone: every recipient delivered or bounced. */
  removed: boolean;
  delivered: number;
  failed: number;
  deferred: number;
  nextAttemptAt: Date | null;
}

export interface SettleOptions {
  now: Date;
  /** The attempt was cut short by a shutdown: try again at once after restart, never expire. */
  interrupted?: boolean;
}

export async function settle(ctx: SettleContext, entry: QueueEntry, raw: Buffer, results: RecipientResult[], options: SettleOptions): Promise<Settled> {
  const { now } = options;
  const byAddress = new Map(results.map((r) => [r.address, r]));
  const bounces = new Map<string, BounceRecipient>();
  const rcptDsn = (entry.meta.recipients ?? {}) as Record<string, RecipientDsn | undefined>;
  const failure = (address: string, status: string, diagnostic: string, remoteMta: string | null | undefined): BounceRecipient => ({
    address, status, diagnostic, remoteMta: remoteMta ?? undefined, dsn: rcptDsn[address] ?? null, originalRecipient: rcptDsn[address]?.orcpt ?? null,
  });
  let recipients: QueueRecipient[] = entry.recipients.map((r) => {
    const result = r.status === 'pending' ? byAddress.get(r.address) : undefined;
    if (!result) return r;
    if (result.outcome === 'failed') {
      bounces.set(r.address, failure(r.address, result.status, result.reply, result.remoteMta));
    }
    const status = result.outcome === 'delivered' ? 'delivered' : result.outcome === 'failed' ? 'failed' : 'pending';
    return { address: r.address, status, lastResponse: result.reply };
  });

  // Out of time (outbound.queueLifetimeHours): RFC 3463 4.4.7 "delivery time expired", a
  // persistent transient failure reported with Action: failed.
  if (!options.interrupted && now >= entry.expiresAt) {
    recipients = recipients.map((r) => {
      if (r.status !== 'pending') return r;
      const diagnostic = `Delivery time expired after ${entry.attempts + 1} attempts; last error: ${r.lastResponse ?? 'none'}`;
      bounces.set(r.address, failure(r.address, '4.4.7', diagnostic, byAddress.get(r.address)?.remoteMta));
      return { ...r, status: 'failed', lastResponse: diagnostic };
    });
  }

  if (bounces.size > 0) {
    const failed = [...bounces.values()];
    if (!entry.from) {
      // RFC 5321 §4.5.5 / RFC 3464: a bounce that cannot be delivered is dropped, never bounced.
      ctx.log.warn({ id: entry.id, domain: entry.domain, recipients: failed.map((f) => f.address), reason: failed[0].diagnostic },
        'undeliverable bounce dropped (null sender: bounces never bounce)');
    } else {
      try {
        await ctx.delivery.bounce(entry.from, raw, failed, {
          envid: typeof entry.meta.envid === 'string' ? entry.meta.envid : null,
          ret: entry.meta.ret === 'FULL' || entry.meta.ret === 'HDRS' ? entry.meta.ret : null,
        });
      } catch (err) {
        // Keep them pending: the next attempt gets the same answer and the bounce is tried again,
        // rather than the sender never hearing of it.
        ctx.log.error({ err, id: entry.id, sender: entry.from }, 'could not send the bounce; will try again');
        const earlier = new Map(entry.recipients.map((r) => [r.address, r.lastResponse]));
        recipients = recipients.map((r) => (bounces.has(r.address)
          ? { ...r, status: 'pending', lastResponse: byAddress.get(r.address)?.reply ?? earlier.get(r.address) ?? null }
          : r));
      }
    }
  }

  const count = (s: QueueRecipient['status']) => recipients.filter((r) => r.status === s).length;
  const tally = { delivered: count('delivered'), failed: count('failed'), deferred: count('pending') };
  if (tally.deferred === 0) {
    await ignoreMissing(ctx.store.queue.remove(entry.id));
    return { removed: true, ...tally, nextAttemptAt: null };
  }
  const next = options.interrupted ? now : nextAttemptAt(now, entry.attempts + 1, entry.expiresAt, ctx.retrySchedule);
  const lastError = recipients.find((r) => r.status === 'pending')?.lastResponse ?? null;
  await ignoreMissing(ctx.store.queue.recordAttempt(entry.id, { recipients, nextAttemptAt: next, lastError }));
  return { removed: false, ...tally, nextAttemptAt: next };
}

/** `facteur queue delete` may have removed the entry while it was being delivered. */
async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(isFacteurError(err) && err.code === 'NOT_FOUND')) throw err;
  }
}

// The outbound queue worker. Entries live in the store (storage QueueStore), so the queue
// survives restarts; the worker leases the due ones (claimDue), which keeps two workers, or
// a worker and its own restart, from sending one entry twice, and lets the entries of a
// worker that died come back when the lease runs out.
//
// Work comes from three triggers: a periodic poll (retry times, entries another process
// enqueued), the store's change feed (new entries, at once), and a finished delivery (its
// slot is free). Claims never exceed the free slots; an entry whose domain is at its limit
// waits here, holding its lease, and at most concurrencyPerDomain of them per domain. Claims
// ask for no more of a domain than its free slots and waiting places (domainRoom): claiming a
// busy domain's backlog only to hand it back cost a write per entry, and one busy domain must
// not starve the rest. The few handed back anyway (a race) go behind the other due entries.
import { isFacteurError, type Delivery, type Resolver } from '../../core/index.js';
import type { Logger } from '../../core/log.js';
import type { ClaimOptions, QueueEntry, Store } from '../../storage/index.js';
import { attemptDelivery, SHUTDOWN, type AttemptContext } from './attempt.js';
import type { Relay } from './route.js';
import { DEFAULT_RETRY_SCHEDULE, nextAttemptAt } from './schedule.js';
import { Slots } from './slots.js';

export interface OutboundOptions {
  /** Our name in EHLO and in bounces' Reporting-MTA; an MX by this name is never used. */
  hostname: string;
  /** Port of remote MX hosts. */
  port: number;
  /** Smart host for everything, instead of MX lookups. */
  relay: Relay | null;
  concurrency: number;
  concurrencyPerDomain: number;
  /** Waits after the 1st, 2nd... failure; the last repeats. */
  retrySchedule?: readonly number[];
  /** How often due entries are looked for besides the change feed (default 10 s). */
  pollMs?: number;
  /** Lease on a claimed entry (default 15 min); must outlast attemptTimeoutMs. */
  leaseMs?: number;
  /** Longest one attempt may take, all hosts included (default 10 min). */
  attemptTimeoutMs?: number;
  /** TCP connect timeout per host (default 30 s). */
  connectTimeoutMs?: number;
  /** The clock for due times and expiry (tests move it). */
  now?: () => Date;
}

export interface OutboundDeps {
  store: Store;
  resolver: Resolver;
  /** For bounces: they go through the one delivery pipeline. */
  delivery: Delivery;
  log: Logger;
}

interface Task {
  entry: QueueEntry;
  controller: AbortController;
  done: Promise<void>;
}

export class OutboundWorker {
  private readonly log: Logger;
  private readonly ctx: AttemptContext;
  private readonly slots: Slots;
  private readonly leaseMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly now: () => Date;
  private readonly tasks = new Set<Task>();
  /** Claimed, waiting for a slot of their domain. */
  private readonly waiting = new Map<string, QueueEntry[]>();
  /** Every entry this worker holds (waiting or in flight). */
  private readonly held = new Set<string>();
  private running = false;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: OutboundDeps, private readonly options: OutboundOptions) {
    this.log = deps.log;
    this.now = options.now ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? 15 * 60_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10 * 60_000;
    if (this.attemptTimeoutMs >= this.leaseMs) throw new RangeError('attemptTimeoutMs must be shorter than leaseMs');
    this.slots = new Slots(options.concurrency, options.concurrencyPerDomain);
    this.ctx = {
      store: deps.store,
      delivery: deps.delivery,
      resolver: deps.resolver,
      log: deps.log,
      hostname: options.hostname,
      port: options.port,
      relay: options.relay,
      retrySchedule: options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      now: this.now,
    };
  }

  /** Deliveries in flight and entries waiting for a slot. */
  get busy(): { inFlight: number; waiting: number } {
    return { inFlight: this.tasks.size, waiting: this.held.size - this.tasks.size };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.store.changes.subscribe((event) => {
      if (event.kind === 'queue') this.poke();
    });
    this.timer = setInterval(() => this.poke(), this.options.pollMs ?? 10_000);
    this.timer.unref();
    this.log.info({
      relay: this.options.relay ? `${this.options.relay.host}:${this.options.relay.port}` : null,
      concurrency: this.options.concurrency, concurrencyPerDomain: this.options.concurrencyPerDomain,
    }, 'outbound worker started');
    this.poke();
  }

  /** Look for due entries now (coalesced with a look already under way). */
  poke(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        try {
          await this.pump();
        } catch (err) {
          this.log.error({ err }, 'could not read the outbound queue');
        }
      } while (this.pumpAgain && this.running);
    })().finally(() => {
      this.pumping = null;
    });
  }

  /**
   * Stops taking work and hands back the entries not started; deliveries in flight get up to
   * `graceMs` to finish, then are cut and recorded as due again at once.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.pumping;
    const notStarted = [...this.waiting.values()].flat();
    this.waiting.clear();
    await this.handBack(notStarted);
    if (this.tasks.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
      await Promise.race([Promise.all([...this.tasks].map((t) => t.done)), grace]);
      clearTimeout(timer);
      if (this.tasks.size > 0) this.log.warn({ inFlight: this.tasks.size }, 'cutting deliveries still in flight');
      for (const t of this.tasks) t.controller.abort(SHUTDOWN);
      await Promise.all([...this.tasks].map((t) => t.done));
    }
    this.log.info('outbound worker stopped');
  }

  private async pump(): Promise<void> {
    await this.startWaiting();
    while (this.running) {
      const room = this.slots.free - (this.held.size - this.tasks.size);
      if (room <= 0) return;
      const claimed = await this.deps.store.queue.claimDue(this.now(), room, this.leaseMs, this.claimRoom());
      if (!this.running) {
        await this.handBack(claimed.filter((e) => !this.held.has(e.id)));
        return;
      }
      let kept = 0;
      const refused: QueueEntry[] = [];
      for (const entry of claimed) {
        // `facteur queue retry` clears the lease of an entry we are working on: it is ours still.
        if (this.held.has(entry.id)) continue;
        if (this.slots.take(entry.domain)) {
          this.launch(entry);
          kept++;
        } else if ((this.waiting.get(entry.domain)?.length ?? 0) < this.options.concurrencyPerDomain) {
          this.waiting.set(entry.domain, [...(this.waiting.get(entry.domain) ?? []), entry]);
          this.held.add(entry.id);
          kept++;
        } else {
          refused.push(entry);
        }
      }
      await this.handBack(refused);
      if (kept === 0 || claimed.length < room) return;
    }
  }

  /** Per domain, how many more entries this worker can hold: free slots plus waiting places. */
  private claimRoom(): ClaimOptions {
    const perDomain = 2 * this.options.concurrencyPerDomain;
    const held = new Map<string, number>();
    for (const t of this.tasks) held.set(t.entry.domain, (held.get(t.entry.domain) ?? 0) + 1);
    for (const [domain, list] of this.waiting) held.set(domain, (held.get(domain) ?? 0) + list.length);
    const domainRoom: Record<string, number> = {};
    for (const [domain, n] of held) domainRoom[domain] = Math.max(0, perDomain - n);
    return { perDomain, domainRoom };
  }

  /** Starts waiting entries whose domain has a free slot again. */
  private async startWaiting(): Promise<void> {
    const stale: QueueEntry[] = [];
    for (const [domain, list] of this.waiting) {
      while (list.length > 0 && this.slots.take(domain)) {
        const entry = list.shift()!;
        // Its lease would run out during the attempt: another worker could take it meanwhile.
        if (entry.leaseUntil && entry.leaseUntil.getTime() - this.now().getTime() < this.attemptTimeoutMs) {
          this.slots.release(domain);
          this.held.delete(entry.id);
          stale.push(entry);
          continue;
        }
        this.held.delete(entry.id);
        this.launch(entry);
      }
      if (list.length === 0) this.waiting.delete(domain);
    }
    await this.handBack(stale);
  }

  /** Runs one attempt in the slot already taken for its domain. */
  private launch(entry: QueueEntry): void {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort('timeout'), this.attemptTimeoutMs);
    this.held.add(entry.id);
    const task: Task = { entry, controller, done: Promise.resolve() };
    task.done = this.attempt(entry, controller.signal).finally(() => {
      clearTimeout(timeout);
      this.tasks.delete(task);
      this.held.delete(entry.id);
      this.slots.release(entry.domain);
      this.poke();
    });
    this.tasks.add(task);
  }

  private async attempt(claimed: QueueEntry, signal: AbortSignal): Promise<void> {
    try {
      // Re-read: `facteur queue delete` may have removed it while it waited for a slot.
      const entry = await this.deps.store.queue.get(claimed.id);
      if (!entry) return;
      await attemptDelivery(this.ctx, entry, signal);
    } catch (err) {
      // A fault of ours (store unavailable...): try again later like any temporary failure.
      this.log.error({ err, id: claimed.id, domain: claimed.domain }, 'delivery attempt failed');
      const now = this.now();
      await this.deps.store.queue.recordAttempt(claimed.id, {
        recipients: claimed.recipients,
        nextAttemptAt: nextAttemptAt(now, claimed.attempts + 1, claimed.expiresAt, this.ctx.retrySchedule),
        lastError: `internal error: ${String((err as Error).message ?? err).split('\n')[0]}`,
      }).catch((e) => this.log.error({ err: e, id: claimed.id }, 'could not record the failed attempt; its lease will run out'));
    }
  }

  /** Gives entries back to the queue, due now, for whichever worker comes next. */
  private async handBack(entries: QueueEntry[]): Promise<void> {
    for (const entry of entries) {
      this.held.delete(entry.id);
      try {
        await this.deps.store.queue.release(entry.id);
      } catch (err) {
        if (isFacteurError(err) && err.code === 'NOT_FOUND') continue;
        this.log.error({ err, id: entry.id }, 'could not hand back a queue entry; its lease will run out');
      }
    }
  }
}

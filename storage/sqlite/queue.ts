// The persistent outbound queue. The raw message is a reference-counted blob (written and
// fsync'd before the row commits); workers take entries with a time-limited lease so that a
// crashed worker's entries come back by themselves.
import { Invalid, NotFound } from '../../core/errors.js';
import type { ClaimOptions, Id, QueueEntry, QueueRecipient, QueueStore } from '../types.js';
import { newId, prepareCached, type Db } from './db.js';
import { lazyTx } from './wal-sync.js';
import type { SqliteContext } from './index.js';

interface Row {
  id: string; sender: string; domain: string; recipients: string; blob_id: string; size: number;
  created_at: number; next_attempt_at: number; attempts: number; expires_at: number;
  last_error: string | null; lease_until: number | null; meta: string;
}

type DueKey = Pick<Row, 'id' | 'next_attempt_at' | 'created_at'>;

/** The order entries are claimed in, as the SQL's ORDER BY next_attempt_at, created_at, id. */
function dueOrder(a: DueKey, b: DueKey): number {
  return a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class SqliteQueue implements QueueStore {
  private readonly db: Db;

  constructor(private readonly ctx: SqliteContext) {
    this.db = ctx.db;
  }

  async enqueue(input: { from: string; domain: string; recipients: string[]; raw: Buffer; expiresAt: Date; nextAttemptAt?: Date; meta?: Record<string, unknown> }): Promise<QueueEntry> {
    if (input.recipients.length === 0) throw new Invalid('a queue entry needs at least one recipient', 'recipients');
    if (!input.domain) throw new Invalid('a queue entry needs a destination domain', 'domain');
    const recipients: QueueRecipient[] = input.recipients.map((address) => ({ address, status: 'pending', lastResponse: null }));
    const blob = await this.ctx.blobs.write(input.raw);
    const id = newId();
    const now = Date.now();
    const row = await this.durable(() => {
      prepareCached(this.db, `INSERT INTO queue_entries (id, sender, domain, recipients, blob_id, size, created_at, next_attempt_at,
          attempts, expires_at, last_error, lease_until, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL, ?)`)
        .run(id, input.from, input.domain, JSON.stringify(recipients), blob.id, blob.size, now,
          input.nextAttemptAt?.getTime() ?? now, input.expiresAt.getTime(), JSON.stringify(input.meta ?? {}));
      this.ctx.blobs.incRef(blob.id, blob.size, 1, input.raw);
      this.ctx.changes.record({ kind: 'queue' });
      return this.row(id)!;
    });
    // Another process may have unlinked an identical, then unreferenced, blob between our
    // write() and our commit.
    await this.ctx.blobs.ensurePresent(blob.id, input.raw);
    this.ctx.changes.notify();
    return toEntry(row);
  }

  async get(id: Id): Promise<QueueEntry | null> {
    const row = this.row(id);
    return row ? toEntry(row) : null;
  }

  async list(options: { limit?: number } = {}): Promise<QueueEntry[]> {
    const rows = prepareCached(this.db, 'SELECT * FROM queue_entries ORDER BY next_attempt_at, created_at, id LIMIT ?')
      .all(options.limit ?? -1) as Row[];
    return rows.map(toEntry);
  }

  async claimDue(now: Date, limit: number, leaseMs: number, options: ClaimOptions = {}): Promise<QueueEntry[]> {
    if (limit <= 0) return [];
    const at = now.getTime();
    // Select and lease in one IMMEDIATE transaction: it holds the database write lock, so a
    // worker in another process cannot pick the same rows in between.
    const rows = await this.durable(() => (options.perDomain === undefined && options.domainRoom === undefined
      ? prepareCached(this.db, `UPDATE queue_entries SET lease_until = ?
          WHERE id IN (SELECT id FROM queue_entries
                       WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                       ORDER BY next_attempt_at, created_at, id LIMIT ?)
          RETURNING *`).all(at + leaseMs, at, at, limit)
      : this.claimPerDomain(at, limit, leaseMs, options)) as Row[]);
    rows.sort(dueOrder);
    return rows.map(toEntry);
  }

  /** Inside claimDue's transaction: each domain's earliest due entries, up to its room, then
   *  the earliest `limit` of those. The domains are walked through queue_entries_domain_due
   *  (one seek each) and each one's entries are a short range of it, so a claim reads about
   *  what it takes (plus the entries leased now), not the whole backlog. */
  private claimPerDomain(at: number, limit: number, leaseMs: number, options: ClaimOptions): Row[] {
    const room = options.domainRoom ?? {};
    const fallback = options.perDomain ?? limit;
    const domains = prepareCached(this.db, `WITH RECURSIVE d(domain) AS (
        SELECT (SELECT min(domain) FROM queue_entries)
        UNION ALL SELECT (SELECT min(domain) FROM queue_entries WHERE domain > d.domain) FROM d WHERE d.domain IS NOT NULL)
      SELECT domain FROM d WHERE domain IS NOT NULL`).pluck().all() as string[];
    const due = prepareCached(this.db, `SELECT id, next_attempt_at, created_at FROM queue_entries INDEXED BY queue_entries_domain_due
      WHERE domain = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
      ORDER BY next_attempt_at, created_at, id LIMIT ?`);
    const candidates: DueKey[] = [];
    for (const domain of domains) {
      const n = Math.min(Object.hasOwn(room, domain) ? room[domain] : fallback, limit);
      if (n > 0) candidates.push(...(due.all(domain, at, at, n) as typeof candidates));
    }
    candidates.sort(dueOrder);
    const lease = prepareCached(this.db, 'UPDATE queue_entries SET lease_until = ? WHERE id = ? RETURNING *');
    return candidates.slice(0, limit).map((c) => lease.get(at + leaseMs, c.id) as Row);
  }

  async recordAttempt(id: Id, update: { recipients: QueueRecipient[]; nextAttemptAt: Date; lastError: string | null }): Promise<QueueEntry> {
    const row = await this.durable(() => {
      const changed = prepareCached(this.db, `UPDATE queue_entries SET recipients = ?, next_attempt_at = ?, last_error = ?,
          attempts = attempts + 1, lease_until = NULL WHERE id = ? RETURNING *`)
        .get(JSON.stringify(update.recipients), update.nextAttemptAt.getTime(), update.lastError, id) as Row | undefined;
      if (!changed) throw new NotFound(`no queue entry ${id}`);
      return changed;
    });
    return toEntry(row);
  }

  async remove(id: Id): Promise<void> {
    const freed = await this.durable(() => {
      const blobId = prepareCached(this.db, 'DELETE FROM queue_entries WHERE id = ? RETURNING blob_id').pluck().get(id) as string | undefined;
      if (blobId === undefined) throw new NotFound(`no queue entry ${id}`);
      this.ctx.changes.record({ kind: 'queue' });
      return this.ctx.blobs.decRef(blobId) ? [blobId] : [];
    });
    this.ctx.blobs.unlinkUnreferenced(freed);
    this.ctx.changes.notify();
  }

  async retryNow(id: Id): Promise<QueueEntry> {
    const row = await this.durable(() => {
      // A lease still running means a worker is sending it now: leave it, or a second
      // worker could claim the entry and deliver the message twice.
      const now = Date.now();
      const changed = prepareCached(this.db, `UPDATE queue_entries SET next_attempt_at = ?,
          lease_until = CASE WHEN lease_until > ? THEN lease_until ELSE NULL END
        WHERE id = ? RETURNING *`).get(now, now, id) as Row | undefined;
      if (!changed) throw new NotFound(`no queue entry ${id}`);
      this.ctx.changes.record({ kind: 'queue' });
      return changed;
    });
    this.ctx.changes.notify();
    return toEntry(row);
  }

  async release(id: Id): Promise<void> {
    await this.durable(() => {
      const changed = prepareCached(this.db, 'UPDATE queue_entries SET next_attempt_at = ?, lease_until = NULL WHERE id = ?').run(Date.now(), id);
      if (changed.changes === 0) throw new NotFound(`no queue entry ${id}`);
    });
    // No change event: the worker giving it back is the one that would be woken, and it
    // would claim the entry again at once (a busy loop while a domain is at its limit).
  }

  /** A write transaction that does not block the event loop on the disk: its commit is made
   *  durable by the shared WAL fdatasync (wal-sync.ts) before this resolves. The worker's
   *  claim, attempt and removal writes come with every message sent; blocking on each was
   *  most of the cost of sending. */
  private durable<T>(fn: () => T): Promise<T> {
    return this.ctx.walSync.durable(() => lazyTx(this.db, fn));
  }

  private row(id: string): Row | undefined {
    return prepareCached(this.db, 'SELECT * FROM queue_entries WHERE id = ?').get(id) as Row | undefined;
  }
}

function toEntry(r: Row): QueueEntry {
  return {
    id: r.id,
    from: r.sender,
    domain: r.domain,
    recipients: JSON.parse(r.recipients) as QueueRecipient[],
    blobId: r.blob_id,
    size: r.size,
    createdAt: new Date(r.created_at),
    nextAttemptAt: new Date(r.next_attempt_at),
    attempts: r.attempts,
    expiresAt: new Date(r.expires_at),
    lastError: r.last_error,
    leaseUntil: r.lease_until === null ? null : new Date(r.lease_until),
    meta: JSON.parse(r.meta) as Record<string, unknown>,
  };
}

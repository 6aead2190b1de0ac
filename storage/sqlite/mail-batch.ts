// Group commit: concurrent appends share one write transaction, hence one WAL fsync, while
// each stays atomic and fails alone (its own savepoint). The transaction commits without
// blocking on the disk and the fsync runs off the event loop (wal-sync.ts); a call resolves
// only after that fsync, so an acknowledged append is durable.
//
// A caller about to run work (an append still writing its blob) announces it with hold():
// the next commit then waits, at most maxWaitMs, for the held work to join it. Without that,
// with N writers each commit would carry the one or two blobs that happened to finish first.
//
// The batch never waits for the write lock inside SQLite, which would stop the event loop: when
// another connection holds it (the background indexer for a few milliseconds, another process),
// the batch is queued again and retried shortly, for as long as busy_timeout would have waited.
import type { Db } from './db.js';
import { toStoreError } from './mail-errors.js';
import { isBusy, lazyTx, type WalSync } from './wal-sync.js';

/** First wait after finding the write lock taken, doubled up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 1;
const RETRY_MAX_MS = 16;

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private queue: Pending[] = [];
  private holds = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  /** While the lock is taken elsewhere: when that was first seen, and the next wait. */
  private busySince = 0;
  private retryMs = RETRY_MIN_MS;
  private retrying = false;
  /** Waiting for the WAL sync under way to end (see schedule). */
  private afterSync: Promise<void> | null = null;
  private readonly savepoint: (work: () => unknown) => unknown;

  /** `maxBatch` bounds how long one transaction holds the write lock; `maxWaitMs` how long
   *  queued work may wait for held work. */
  constructor(private readonly db: Db, private readonly walSync: WalSync, private readonly maxBatch = 200, private readonly maxWaitMs = 3,
    private readonly busyTimeoutMs = Number(db.pragma('busy_timeout', { simple: true })) || 0) {
    // Called inside the batch's transaction, better-sqlite3 turns this into a SAVEPOINT:
    // a throw rolls back this piece of work only.
    this.savepoint = db.transaction((work: () => unknown) => work());
  }

  /** Announces a run() to come; call the returned function once it is made (or abandoned). */
  hold(): () => void {
    this.holds += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.holds -= 1;
      this.schedule();
    };
  }

  /** Runs `work` (synchronous, database only) in a shared transaction; resolves with its
   *  result once committed, or rejects with its error (the others are unaffected). */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.scheduled || this.retrying || this.afterSync) return;
    // Work arriving while the WAL is being synced cannot be acknowledged before the next sync
    // anyway: commit it once this one ends, as one batch. Committing at once would not be
    // sooner on disk, would split it into more, smaller transactions (each rewriting the pages
    // they share), and its WAL writes would stall behind the sync in flight on the same file.
    const syncing = this.walSync.inFlight();
    if (syncing && this.queue.length < this.maxBatch) {
      this.afterSync = syncing.then(() => {
        this.afterSync = null;
        this.schedule();
      });
      return;
    }
    if (this.holds === 0 || this.queue.length >= this.maxBatch) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        if (this.scheduled || this.queue.length === 0) return;
        this.scheduled = true;
        setImmediate(() => this.flush());
      }, this.maxWaitMs);
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    const outcomes: Outcome[] = [];
    let began = false;
    try {
      lazyTx(this.db, () => {
        began = true;
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(p.work) });
          } catch (error) {
            // Some faults (disk full, I/O) end the whole transaction: then nothing of the
            // batch can commit, and running the rest outside a transaction would be wrong.
            if (!this.db.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      }, { wait: false });
    } catch (error) {
      // BEGIN IMMEDIATE found the lock taken: nothing of the batch ran; it goes first next time.
      if (!began && isBusy(error) && this.retryLater()) {
        this.queue.unshift(...batch);
        return;
      }
      this.busySince = 0;
      const mapped = toStoreError(error);
      for (const p of batch) p.reject(mapped);
      return;
    } finally {
      this.schedule();
    }
    this.busySince = 0;
    this.retryMs = RETRY_MIN_MS;
    this.walSync.committed();
    const settle = (syncError: unknown) => batch.forEach((p, i) => {
      const o = outcomes[i];
      // Committed but not known to be on disk: not acknowledged (the caller answers 451).
      if (syncError) p.reject(toStoreError(syncError));
      else if (o.ok) p.resolve(o.value);
      else p.reject(toStoreError(o.error));
    });
    this.walSync.sync().then(() => settle(null), settle);
  }

  /** Schedules another try of the queue; false once busy_timeout has passed (the batch fails
   *  as it would have after waiting that long in SQLite). */
  private retryLater(): boolean {
    const now = Date.now();
    if (this.busySince === 0) {
      this.busySince = now;
      this.retryMs = RETRY_MIN_MS;
    } else if (now - this.busySince >= this.busyTimeoutMs) {
      return false;
    }
    this.retrying = true;
    setTimeout(() => {
      this.retrying = false;
      this.schedule();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    return true;
  }
}

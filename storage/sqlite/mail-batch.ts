// Group commit: concurrent appends share one write transaction, hence one WAL fsync, while
// each stays atomic and fails alone (its own savepoint). The transaction commits without
// blocking on the disk and the fsync runs off the event loop (wal-sync.ts); a call resolves
// only after that fsync, so an acknowledged append is durable.
//
// A caller about to run work (an append still writing its blob) announces it with hold():
// the next commit then waits, at most maxWaitMs, for the held work to join it. Without that,
// with N writers each commit would carry the one or two blobs that happened to finish first.
import type { Db } from './db.js';
import { toStoreError } from './mail-errors.js';
import { lazyTx, type WalSync } from './wal-sync.js';

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
  private readonly savepoint: (work: () => unknown) => unknown;

  /** `maxBatch` bounds how long one transaction holds the write lock; `maxWaitMs` how long
   *  queued work may wait for held work. */
  constructor(private readonly db: Db, private readonly walSync: WalSync, private readonly maxBatch = 200, private readonly maxWaitMs = 3) {
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
    if (this.queue.length === 0 || this.scheduled) return;
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
    try {
      lazyTx(this.db, () => {
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
      });
    } catch (error) {
      const mapped = toStoreError(error);
      for (const p of batch) p.reject(mapped);
      return;
    } finally {
      this.schedule();
    }
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
}

// Durable commits without blocking the event loop. With synchronous=FULL, SQLite fsyncs the WAL
// inside COMMIT, on the calling thread: under load the main thread spent half its time waiting
// for the disk, with every session stalled behind it. Instead, hot paths commit with
// synchronous=OFF (lazyTx) and then wait for WalSync.sync(): one fdatasync of the WAL file on
// libuv's thread pool, shared by every commit made before it started. The commit is acknowledged
// only after that, so what we acknowledge is as durable as under FULL.
//
// The one thing OFF must not do is checkpoint: a checkpoint under OFF copies WAL frames into the
// database file without syncing either, and the WAL may then be reused — a power loss there
// loses committed data. So automatic checkpoints are off during a lazy commit, and maybeCheckpoint()
// runs one under FULL (WAL synced before, database file after: https://sqlite.org/pragma.html#pragma_synchronous).
import { open, type FileHandle } from 'node:fs/promises';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { writeTx } from './db.js';

/** Lazy commits between two checkpoints (each adds a few WAL pages). */
const CHECKPOINT_EVERY = 256;

/** Runs `fn` in an IMMEDIATE transaction that commits without waiting for the disk. The caller
 *  awaits WalSync.sync() before acknowledging, unless the data can be rebuilt (an index). */
export function lazyTx<T>(db: Db, fn: () => T): T {
  const p = pragmas(db);
  p.lazy.run();
  p.noCheckpoint.run();
  try {
    return writeTx(db, fn);
  } finally {
    p.full.run();
    p.autoCheckpoint.run();
  }
}

type Pragmas = Record<'lazy' | 'full' | 'noCheckpoint' | 'autoCheckpoint', Statement>;
const prepared = new WeakMap<Db, Pragmas>();

/** Prepared once per connection: compiling four pragmas per commit was a visible cost. */
function pragmas(db: Db): Pragmas {
  let p = prepared.get(db);
  if (!p) {
    p = {
      lazy: db.prepare('PRAGMA synchronous = OFF'),
      full: db.prepare('PRAGMA synchronous = FULL'),
      noCheckpoint: db.prepare('PRAGMA wal_autocheckpoint = 0'),
      autoCheckpoint: db.prepare('PRAGMA wal_autocheckpoint = 1000'),
    };
    prepared.set(db, p);
  }
  return p;
}

export class WalSync {
  private handle: Promise<FileHandle> | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private lazyCommits = 0;
  private closed = false;

  constructor(private readonly db: Db) {}

  /** Counts a lazy commit toward the next checkpoint. */
  committed(): void {
    this.lazyCommits++;
  }

  /** Runs `commit` (a lazyTx) and resolves with its result once it is on disk, shared with
   *  the other commits made meanwhile; `weight` counts it as that many commits toward the next
   *  checkpoint (a batch writes many times the pages of one commit). */
  async durable<T>(commit: () => T, weight = 1): Promise<T> {
    const result = commit();
    this.lazyCommits += weight;
    await this.sync();
    return result;
  }

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (this.db.memory) return Promise.resolve();
    if (!this.running) {
      this.running = this.flush().finally(() => { this.running = null; });
      return this.running;
    }
    // The sync under way may have started before our commit: wait for the one after it,
    // which every caller arriving meanwhile shares.
    this.next ??= this.running.then(() => {
      this.next = null;
      return this.sync();
    });
    return this.next;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => undefined);
    await this.next?.catch(() => undefined);
    const handle = this.handle;
    this.handle = null;
    if (handle) await (await handle).close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    // The WAL file lives as long as a connection is open (ours is), so one handle serves.
    this.handle ??= open(`${this.db.name}-wal`, 'r');
    const handle = await this.handle;
    await handle.datasync();
    this.maybeCheckpoint();
  }

  /** Folds the WAL into the database, synced, once enough lazy commits piled up. */
  private maybeCheckpoint(): void {
    if (this.lazyCommits < CHECKPOINT_EVERY || this.closed || !this.db.open || this.db.inTransaction) return;
    this.lazyCommits = 0;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (another process reading or writing): the next one will do.
    }
  }
}

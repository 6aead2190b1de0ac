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
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { writeTx } from './db.js';

/** Lazy commits between two checkpoints (each adds a few WAL pages). */
const CHECKPOINT_EVERY = 256;

/** Runs `fn` in an IMMEDIATE transaction that commits without waiting for the disk. The caller
 *  awaits WalSync.sync() before acknowledging, unless the data can be rebuilt (an index).
 *  With `wait: false`, a write lock held elsewhere (the background indexer, another process)
 *  fails at once with SQLITE_BUSY instead of blocking the thread up to busy_timeout; the
 *  caller tries again later (GroupCommit). */
export function lazyTx<T>(db: Db, fn: () => T, options: { wait?: boolean } = {}): T {
  const p = pragmas(db);
  const noWait = options.wait === false;
  p.lazy.run();
  p.noCheckpoint.run();
  if (noWait) p.noBusyWait.run();
  try {
    return writeTx(db, fn);
  } finally {
    if (noWait) p.busyWait.run();
    p.full.run();
    p.autoCheckpoint.run();
  }
}

type Pragmas = Record<'lazy' | 'full' | 'noCheckpoint' | 'autoCheckpoint' | 'noBusyWait' | 'busyWait', Statement>;
const prepared = new WeakMap<Db, Pragmas>();

/** Prepared once per connection: preparing statements per commit was a visible cost (a PRAGMA
 *  still recompiles itself when run, see below, which costs about 2 µs). */
function pragmas(db: Db): Pragmas {
  let p = prepared.get(db);
  if (!p) {
    const busyTimeout = Number(db.pragma('busy_timeout', { simple: true })) || 0;
    p = {
      lazy: db.prepare('PRAGMA synchronous = OFF'),
      full: db.prepare('PRAGMA synchronous = FULL'),
      noCheckpoint: db.prepare('PRAGMA wal_autocheckpoint = 0'),
      autoCheckpoint: db.prepare('PRAGMA wal_autocheckpoint = 1000'),
      noBusyWait: db.prepare('PRAGMA busy_timeout = 0'),
      busyWait: db.prepare(`PRAGMA busy_timeout = ${busyTimeout}`),
    };
    // SQLite applies a PRAGMA's setting when it compiles it (each of these compiled last sets
    // today's values back), and a PRAGMA statement recompiles itself on every run but its
    // first: left as it is, the first run of each would do nothing, and the first lazyTx of a
    // connection would wait for the lock (and the disk) after all. Spend those first runs now.
    for (const statement of Object.values(p)) statement.run();
    prepared.set(db, p);
  }
  return p;
}

/** A write lock held elsewhere (SQLITE_BUSY and its extended codes). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Runs checkpoints on another connection (background.ts); false when it cannot now. */
export interface Checkpointer {
  readonly alive: boolean;
  checkpoint(): boolean;
}

export class WalSync {
  private handle: Promise<FileHandle> | null = null;
  private fd: number | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private lazyCommits = 0;
  private closed = false;
  /** Set by the store while its background thread runs: checkpoints go there. */
  checkpointer: Checkpointer | null = null;

  /** `blocking`: the sync runs on the calling thread. For the store's background thread, which
   *  has nothing else to do meanwhile (the next batch waits for this sync, GroupCommit), and for
   *  which libuv's pool cost two thread wake-ups per commit, on a machine where every thread
   *  woken waits for a core. The main thread must never block: it serves every session. */
  constructor(private readonly db: Db, private readonly options: { blocking?: boolean } = {}) {}

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

  /** The sync under way, if any (settles when it ends, never rejects). */
  inFlight(): Promise<void> | null {
    return this.running ? this.running.catch(() => undefined) : null;
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
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private async flush(): Promise<void> {
    // The WAL file lives as long as a connection is open (ours is), so one handle serves.
    if (this.options.blocking) {
      this.fd ??= openSync(`${this.db.name}-wal`, 'r');
      fdatasyncSync(this.fd);
    } else {
      this.handle ??= open(`${this.db.name}-wal`, 'r');
      const handle = await this.handle;
      await handle.datasync();
    }
    this.maybeCheckpoint();
  }

  /** Folds the WAL into the database, synced, once enough lazy commits piled up: on the
   *  background thread when one runs (its connection checkpoints under FULL, between its own
   *  transactions; a checkpoint syncs the WAL first, whichever connection wrote the frames). */
  private maybeCheckpoint(): void {
    if (this.lazyCommits < CHECKPOINT_EVERY || this.closed || !this.db.open) return;
    if (this.checkpointer?.alive && this.checkpointer.checkpoint()) {
      this.lazyCommits = 0;
      return;
    }
    if (this.db.inTransaction) return;
    this.lazyCommits = 0;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (another process reading or writing): the next one will do.
    }
  }
}

// Starts and stops the store's background thread (background-thread.ts: append commits,
// full-text indexing and WAL checkpoints off the main thread). The thread is a speed-up, never a
// condition: until it is ready, once it has died, or when it cannot start, appends commit,
// MailFts indexes and WalSync checkpoints on the main thread as before (onFail switches them
// back), and no data depends on its progress (searches scan what is not indexed).
// The thread's lifecycle and calls are StoreThread's (store-thread.ts).
import { Unavailable } from '../../core/errors.js';
import type { AppendResult } from '../types.js';
import type { AppendRecord } from './append-commit.js';
import { StoreThread, threadEntry } from './store-thread.js';

/** Kicks (new documents to index) sent at most this often: appends come by hundreds a second. */
const KICK_EVERY_MS = 10;
/** How long close() lets the thread finish its chunk and close its connection. */
const STOP_TIMEOUT_MS = 10_000;

export class Background {
  private readonly store: StoreThread;
  private stopping: Promise<void> | null = null;
  private lastKick = 0;

  /** `onFail` runs once if the thread cannot start or dies (not when stopped). The thread starts
   *  with the first work for it: a store opened for a lookup (the CLI, most tests) does not pay
   *  for booting one. */
  constructor(file: string, onFail: (error: unknown) => void) {
    this.store = new StoreThread('background thread', { entry: threadEntry('background-thread'), file }, onFail);
  }

  /** Checkpoints the thread has run (tests). */
  get checkpoints(): number {
    return this.store.checkpoints;
  }

  /** Started and ready for work. */
  get running(): boolean {
    return this.store.running;
  }

  /** The thread, once started (tests end it to see the store fall back). */
  thread(): ReturnType<StoreThread['thread']> {
    return this.store.thread();
  }

  /** Running (or starting): the main thread leaves indexing and checkpoints to it. */
  get alive(): boolean {
    return this.store.alive;
  }

  /** New documents wait to be indexed. */
  kick(): void {
    const now = Date.now();
    const peer = this.store.readyPeer();
    if (!peer || now - this.lastKick < KICK_EVERY_MS) return;
    this.lastKick = now;
    peer.notify('kick', []);
  }

  /** Commits an append on the thread; call only while `running`. Resolves once it is on disk;
   *  an append the thread never answers (it died) is refused with Unavailable: its commit may
   *  or may not have been made, so it is not acknowledged (a client retries; at worst it stores
   *  a copy twice). */
  append(record: AppendRecord): Promise<AppendResult> {
    const peer = this.store.readyPeer();
    if (!peer) return Promise.reject(new Unavailable('storage background thread stopped'));
    return peer.call<AppendResult>('append', [record]);
  }

  /** Asks the thread for a checkpoint; false when the caller should run it itself. */
  checkpoint(): boolean {
    return this.store.checkpoint();
  }

  /** Resolves once the thread has closed its connection and exited. Appends taken before leave
   *  first (one batch, in order): the thread commits and answers them, then stops. Still booting
   *  (most likely: tests and scripts close soon after their first append), it is ended at once:
   *  that closes its connection, which rolls back a chunk it may have begun (index rows and
   *  watermark together). */
  stop(): Promise<void> {
    this.stopping ??= this.store.stop(STOP_TIMEOUT_MS);
    return this.stopping;
  }
}

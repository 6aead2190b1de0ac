// Starts and stops the store's background thread (background-thread.ts: append commits,
// full-text indexing and WAL checkpoints off the main thread). The thread is a speed-up, never a
// condition: until it is ready, once it has died, or when it cannot start, appends commit,
// MailFts indexes and WalSync checkpoints on the main thread as before (onFail switches them
// back), and no data depends on its progress (searches scan what is not indexed).
// Calls cross as RpcPeer's (core/rpc.ts), sent once per turn of the event loop on each side.
import { Worker } from 'node:worker_threads';
import { Unavailable } from '../../core/errors.js';
import { RpcPeer } from '../../core/rpc.js';
import type { AppendResult } from '../types.js';
import type { AppendRecord } from './append-commit.js';
import type { BackgroundData } from './background-thread.js';

const BOOT = new URL('../../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL(`./background-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
/** Kicks (new documents to index) sent at most this often: appends come by hundreds a second. */
const KICK_EVERY_MS = 10;
/** How long close() lets the thread finish its chunk and close its connection. */
const STOP_TIMEOUT_MS = 10_000;

export class Background {
  private worker: Worker | null = null;
  private peer: RpcPeer | null = null;
  private ready = false;
  private dead = false;
  private stopping: Promise<void> | null = null;
  private lastKick = 0;
  /** Checkpoints the thread has run (tests). */
  checkpoints = 0;

  /** `onFail` runs once if the thread cannot start or dies (not when stopped). */
  constructor(private readonly file: string, private readonly onFail: (error: unknown) => void) {}

  /** The thread starts with the first work for it: a store opened for a lookup (the CLI, most
   *  tests) does not pay for booting one. */
  private start(): Worker | null {
    if (this.worker || !this.alive) return this.worker;
    const data: BackgroundData = { entry: ENTRY, file: this.file };
    let worker: Worker;
    try {
      worker = new Worker(BOOT, { workerData: data });
    } catch (error) {
      this.fail(error);
      return null;
    }
    this.worker = worker;
    // A script that never closes its store must still be able to exit.
    worker.unref();
    this.peer = new RpcPeer(worker, {
      ready: () => { this.ready = true; },
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`background thread exited (${code})`)));
    return worker;
  }

  /** Started and ready for work. */
  get running(): boolean {
    return this.ready && this.alive;
  }

  /** The thread, once started (tests end it to see the store fall back). */
  thread(): Worker | null {
    return this.worker;
  }

  /** Running (or starting): the main thread leaves indexing and checkpoints to it. */
  get alive(): boolean {
    return !this.dead && this.stopping === null;
  }

  /** New documents wait to be indexed. */
  kick(): void {
    const now = Date.now();
    if (!this.start() || !this.ready || now - this.lastKick < KICK_EVERY_MS) return;
    this.lastKick = now;
    this.peer?.notify('kick', []);
  }

  /** Commits an append on the thread; call only while `running`. Resolves once it is on disk. */
  append(record: AppendRecord): Promise<AppendResult> {
    if (!this.peer || this.dead) return Promise.reject(new Unavailable('storage background thread stopped'));
    return this.peer.call<AppendResult>('append', [record]);
  }

  /** Appends the thread will never answer (it died): their commit may or may not have been
   *  made, so they are not acknowledged (a client retries; at worst it stores a copy twice). */
  private abandon(): void {
    this.peer?.failPending(new Unavailable('storage background thread stopped'));
  }

  /** Asks the thread for a checkpoint; false when the caller should run it itself. */
  checkpoint(): boolean {
    const peer = this.start() ? this.peer : null;
    if (!peer || !this.ready) return false;
    peer.call<boolean>('checkpoint', []).then((ok) => { if (ok) this.checkpoints++; }, () => undefined);
    return true;
  }

  /** Resolves once the thread has closed its connection and exited. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const worker = this.worker;
      if (!worker || this.dead) return;
      // Still booting (most likely: tests and scripts close soon after their first append):
      // not worth waiting for. Ending the thread closes its connection, which rolls back a
      // chunk it may have begun (index rows and watermark together).
      if (!this.ready) {
        await worker.terminate();
        return;
      }
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      // Appends taken before close() leave first (one batch, in order): the thread commits and
      // answers them, then stops.
      this.peer?.notify('stop', []);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS); });
      if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
      clearTimeout(timer);
      this.abandon();
    })();
    return this.stopping;
  }

  private fail(error: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.abandon();
    if (this.stopping) return;
    this.onFail(error);
  }
}

// Starts and stops the store's background thread (background-thread.ts: append commits,
// full-text indexing and WAL checkpoints off the main thread). The thread is a speed-up, never a
// condition: until it is ready, once it has died, or when it cannot start, appends commit,
// MailFts indexes and WalSync checkpoints on the main thread as before (onFail switches them
// back), and no data depends on its progress (searches scan what is not indexed).
import { Worker } from 'node:worker_threads';
import { errorFromWire, Unavailable } from '../../core/errors.js';
import type { AppendResult } from '../types.js';
import type { AppendRecord } from './append-commit.js';
import type { AppendOutcome, BackgroundData, FromWorker, ToWorker } from './background-thread.js';

const BOOT = new URL('../../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL(`./background-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
/** Kicks (new documents to index) sent at most this often: appends come by hundreds a second. */
const KICK_EVERY_MS = 10;
/** How long close() lets the thread finish its chunk and close its connection. */
const STOP_TIMEOUT_MS = 10_000;

export class Background {
  private worker: Worker | null = null;
  private ready = false;
  private dead = false;
  private stopping: Promise<void> | null = null;
  private lastKick = 0;
  /** Appends sent and not yet answered, by request id. */
  private readonly pending = new Map<number, { resolve: (r: AppendResult) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  /** Appends to send at the end of this turn of the event loop, in one message. */
  private outbox: { id: number; record: AppendRecord }[] = [];
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
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') this.ready = true;
      else if (m.type === 'checkpointed' && m.ok) this.checkpoints++;
      else if (m.type === 'appended') this.settle(m.outcomes);
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
    this.post({ type: 'kick' });
  }

  /** Commits an append on the thread; call only while `running`. Resolves once it is on disk. */
  append(record: AppendRecord): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      if (this.outbox.length === 0) setImmediate(() => this.send());
      this.outbox.push({ id, record });
    });
  }

  private send(): void {
    const batch = this.outbox;
    this.outbox = [];
    if (this.dead) this.abandon(batch.map((b) => b.id));
    else this.post({ type: 'append', batch });
  }

  private settle(outcomes: AppendOutcome[]): void {
    for (const o of outcomes) {
      const p = this.pending.get(o.id);
      if (!p) continue;
      this.pending.delete(o.id);
      if (o.ok) p.resolve(o.value);
      else p.reject(errorFromWire(o.error));
    }
  }

  /** Appends the thread will never answer (it died): their commit may or may not have been
   *  made, so they are not acknowledged (a client retries; at worst it stores a copy twice). */
  private abandon(ids: Iterable<number>): void {
    for (const id of ids) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.reject(new Unavailable('storage background thread stopped'));
    }
  }

  /** Asks the thread for a checkpoint; false when the caller should run it itself. */
  checkpoint(): boolean {
    if (!this.start() || !this.ready) return false;
    this.post({ type: 'checkpoint' });
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
      // Appends taken before close() go first: the thread commits and answers them, then stops.
      if (this.outbox.length > 0) this.send();
      this.post({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS); });
      if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
      clearTimeout(timer);
      this.abandon([...this.pending.keys()]);
    })();
    return this.stopping;
  }

  private post(m: ToWorker): void {
    try {
      this.worker?.postMessage(m);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.abandon([...this.pending.keys()]);
    if (this.stopping) return;
    this.onFail(error);
  }
}

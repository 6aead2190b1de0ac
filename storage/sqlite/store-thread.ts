// A worker thread of the SQLite store (the background thread, background.ts; the checkpoint
// thread, checkpointer.ts): started on first use, booted through core/worker-boot.mjs with the
// database file, spoken to through RpcPeer (core/rpc.ts). The thread says 'ready' once its
// connection is open, and answers 'checkpoint' and 'stop'. Either is a speed-up, never a
// condition: its owner does the work itself while it is not ready or once it has died.
import { Worker } from 'node:worker_threads';
import { Unavailable } from '../../core/errors.js';
import { RpcPeer } from '../../core/rpc.js';

const BOOT = new URL('../../core/worker-boot.mjs', import.meta.url);

/** What a store thread is started with. */
export interface StoreThreadData {
  entry: string;
  file: string;
}

/** The URL of a store thread's module beside this one (.ts under tsx, .js once built). */
export function threadEntry(name: string): string {
  return new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
}

export class StoreThread {
  private worker: Worker | null = null;
  private peer: RpcPeer | null = null;
  private ready = false;
  private dead = false;
  private stopping = false;
  /** Checkpoints the thread has run (tests). */
  checkpoints = 0;

  /** `onDeath` runs once if the thread cannot start or dies (not when stopped); the calls it
   *  has not answered fail with Unavailable either way. */
  constructor(private readonly name: string, private readonly data: StoreThreadData, private readonly onDeath: (error: unknown) => void) {}

  /** Starts the thread the first time; null when it cannot run. */
  start(): RpcPeer | null {
    if (this.peer || this.dead || this.stopping) return this.peer;
    let worker: Worker;
    try {
      worker = new Worker(BOOT, { workerData: this.data });
    } catch (error) {
      this.die(error);
      return null;
    }
    this.worker = worker;
    // A script that never closes its store must still be able to exit.
    worker.unref();
    this.peer = new RpcPeer(worker, { ready: () => { this.ready = true; } });
    worker.on('error', (error) => this.die(error));
    worker.on('exit', (code) => this.die(new Error(`${this.name} exited (${code})`)));
    return this.peer;
  }

  /** Started, ready, and not stopped or dead. */
  get running(): boolean {
    return this.ready && this.alive;
  }

  /** Running or starting, and not asked to stop. */
  get alive(): boolean {
    return !this.dead && !this.stopping;
  }

  /** The thread, once started (tests end it). */
  thread(): Worker | null {
    return this.worker;
  }

  /** The thread's peer once it is ready, started on first use; null otherwise. */
  readyPeer(): RpcPeer | null {
    const peer = this.start();
    return peer && this.ready && !this.dead ? peer : null;
  }

  /** Asks the thread for a checkpoint; false when the caller should run it itself. */
  checkpoint(): boolean {
    const peer = this.alive ? this.readyPeer() : null;
    if (!peer) return false;
    peer.call<boolean>('checkpoint', []).then((ok) => { if (ok) this.checkpoints++; }, () => undefined);
    return true;
  }

  /** Resolves once the thread has exited. A ready thread is asked to stop (it answers what it
   *  took, then closes its connection); after `timeoutMs`, if given, it is ended. A thread still
   *  booting has no connection to close: it is ended at once. */
  async stop(timeoutMs?: number): Promise<void> {
    const worker = this.worker;
    this.stopping = true;
    if (!worker || this.dead) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    if (!this.ready) {
      await worker.terminate();
      return;
    }
    worker.ref();
    this.peer?.notify('stop', []);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { if (timeoutMs !== undefined) timer = setTimeout(() => resolve('late'), timeoutMs); });
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
    clearTimeout(timer);
  }

  private die(error: unknown): void {
    if (this.dead) return;
    this.dead = true;
    // Calls it will never answer: their work may or may not have been done.
    this.peer?.failPending(new Unavailable(`storage ${this.name} stopped`));
    if (!this.stopping) this.onDeath(error);
  }
}

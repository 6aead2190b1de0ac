// Starts the checkpoint thread (checkpoint-thread.ts) for the store's background thread and
// hands it the checkpoints that WalSync asks for. Until it is ready, or once it has died, the
// caller checkpoints itself (checkpoint() answers false), as before it existed.
import { Worker } from 'node:worker_threads';
import type { CheckpointData, FromCheckpointer, ToCheckpointer } from './checkpoint-thread.js';
import type { Checkpointer } from './wal-sync.js';

const BOOT = new URL('../../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL(`./checkpoint-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

export class ThreadCheckpointer implements Checkpointer {
  private worker: Worker | null = null;
  private ready = false;
  private dead = false;
  /** Checkpoints the thread has run (tests). */
  checkpoints = 0;

  constructor(private readonly file: string) {}

  get alive(): boolean {
    return !this.dead;
  }

  /** Asks the thread for a checkpoint; false when the caller should run it itself. */
  checkpoint(): boolean {
    const worker = this.start();
    if (!worker || !this.ready || this.dead) return false;
    try {
      worker.postMessage({ type: 'checkpoint' } satisfies ToCheckpointer);
      return true;
    } catch {
      this.dead = true;
      return false;
    }
  }

  /** Resolves once the thread has closed its connection and exited. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.dead) return;
    this.dead = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    if (this.ready) worker.postMessage({ type: 'stop' } satisfies ToCheckpointer);
    else await worker.terminate();
    await exited;
  }

  private start(): Worker | null {
    if (this.worker || this.dead) return this.worker;
    try {
      const data: CheckpointData = { entry: ENTRY, file: this.file };
      const worker = new Worker(BOOT, { workerData: data });
      this.worker = worker;
      worker.unref();
      worker.on('message', (m: FromCheckpointer) => {
        if (m.type === 'ready') this.ready = true;
        else if (m.type === 'checkpointed' && m.ok) this.checkpoints++;
      });
      worker.on('error', () => { this.dead = true; });
      worker.on('exit', () => { this.dead = true; });
      return worker;
    } catch {
      this.dead = true;
      return null;
    }
  }
}

// Starts the checkpoint thread (checkpoint-thread.ts) for the store's background thread and
// hands it the checkpoints that WalSync asks for. Until it is ready, or once it has died, the
// caller checkpoints itself (checkpoint() answers false), as before it existed.
import { Worker } from 'node:worker_threads';
import { RpcPeer } from '../../core/rpc.js';
import type { CheckpointData } from './checkpoint-thread.js';
import type { Checkpointer } from './wal-sync.js';

const BOOT = new URL('../../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL(`./checkpoint-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

export class ThreadCheckpointer implements Checkpointer {
  private worker: Worker | null = null;
  private peer: RpcPeer | null = null;
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
    const peer = this.start() ? this.peer : null;
    if (!peer || !this.ready || this.dead) return false;
    peer.call<boolean>('checkpoint', []).then((ok) => { if (ok) this.checkpoints++; }, () => undefined);
    return true;
  }

  /** Resolves once the thread has closed its connection and exited. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.dead) return;
    this.dead = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Once ready, it finishes the checkpoint under way and closes its connection; while it
    // boots it has no connection to close.
    if (this.ready) this.peer?.notify('stop', []);
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
      this.peer = new RpcPeer(worker, { ready: () => { this.ready = true; } });
      const died = () => {
        this.dead = true;
        this.peer?.failPending(new Error('checkpoint thread stopped'));
      };
      worker.on('error', died);
      worker.on('exit', died);
      return worker;
    } catch {
      this.dead = true;
      return null;
    }
  }
}

// Starts the checkpoint thread (checkpoint-thread.ts) for the store's background thread and
// hands it the checkpoints that WalSync asks for. Until it is ready, or once it has died, the
// caller checkpoints itself (checkpoint() answers false), as before it existed.
import { StoreThread, threadEntry } from './store-thread.js';
import type { Checkpointer } from './wal-sync.js';

export class ThreadCheckpointer implements Checkpointer {
  private readonly thread: StoreThread;

  constructor(file: string) {
    this.thread = new StoreThread('checkpoint thread', { entry: threadEntry('checkpoint-thread'), file }, () => undefined);
  }

  /** Checkpoints the thread has run (tests). */
  get checkpoints(): number {
    return this.thread.checkpoints;
  }

  get alive(): boolean {
    return this.thread.alive;
  }

  checkpoint(): boolean {
    return this.thread.checkpoint();
  }

  /** Resolves once the thread has finished the checkpoint under way, closed its connection and
   *  exited (no time limit: ending it inside SQLite could abort the process). */
  stop(): Promise<void> {
    return this.thread.stop();
  }
}

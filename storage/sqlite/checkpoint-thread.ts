// WAL checkpoints on a thread and connection of their own (started by checkpointer.ts from the
// store's background thread). A checkpoint copies every page written since the last one into
// the database file and syncs it: tens of milliseconds during which, on the background thread,
// no append could commit. A PASSIVE checkpoint needs no write lock, so here it runs beside the
// commits. This connection never turns synchronous off: a checkpoint syncs the WAL before
// copying it and the database after (wal-sync.ts).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointData {
  entry: string;
  file: string;
}

export type ToCheckpointer = { type: 'checkpoint' } | { type: 'stop' };
export type FromCheckpointer = { type: 'ready' } | { type: 'checkpointed'; ok: boolean };

const port = parentPort;
if (!port) throw new Error('checkpoint-thread.ts runs as a worker thread');
const { file } = workerData as CheckpointData;
const db = new Database(file);
db.pragma('busy_timeout = 10000');
db.pragma('synchronous = FULL');

port.on('message', (m: ToCheckpointer) => {
  if (m.type === 'checkpoint') {
    let ok = true;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (another checkpoint under way): the next one will do.
      ok = false;
    }
    port.postMessage({ type: 'checkpointed', ok } satisfies FromCheckpointer);
  } else if (m.type === 'stop') {
    db.close();
    port.close();
  }
});

port.postMessage({ type: 'ready' } satisfies FromCheckpointer);

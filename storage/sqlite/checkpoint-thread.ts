// WAL checkpoints on a thread and connection of their own (started by checkpointer.ts from the
// store's background thread). A checkpoint copies every page written since the last one into
// the database file and syncs it: tens of milliseconds during which, on the background thread,
// no append could commit. A PASSIVE checkpoint needs no write lock, so here it runs beside the
// commits. This connection never turns synchronous off: a checkpoint syncs the WAL before
// copying it and the database after (wal-sync.ts).
//
// Commits never stop under load, so a PASSIVE checkpoint never catches up: frames committed
// while it copies are left for the next one, and SQLite starts the WAL over only once every
// frame is in the database (https://sqlite.org/wal.html#avoiding_excessively_large_wal_files).
// The WAL then grew by every message (600 MB in a 12,000-message benchmark), and each commit's
// sync had to write the file's new size too. So after two PASSIVE passes have copied the bulk
// (the second, what was committed during the first), a FULL one, which holds commits back
// while it runs (2-12 ms measured), copies the few frames left: the next commit writes from
// the start of the WAL again, over blocks already allocated (80 MB in that benchmark).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { RpcPeer } from '../../core/rpc.js';
import type { StoreThreadData } from './store-thread.js';

const port = parentPort;
if (!port) throw new Error('checkpoint-thread.ts runs as a worker thread');
const { file } = workerData as StoreThreadData;
const db = new Database(file);
db.pragma('synchronous = FULL');

/** How long the FULL pass may wait for the writer (a commit under way) and for readers. */
const FINISH_WAIT_MS = 50;
/** A PASSIVE pass takes no lock but may wait for another checkpoint: for that, the usual wait. */
const PASSIVE_WAIT_MS = 10_000;

type Outcome = { busy: number; log: number; checkpointed: number };

function checkpoint(mode: 'PASSIVE' | 'FULL'): Outcome {
  db.pragma(`busy_timeout = ${mode === 'FULL' ? FINISH_WAIT_MS : PASSIVE_WAIT_MS}`);
  return (db.pragma(`wal_checkpoint(${mode})`) as Outcome[])[0];
}

function run(): void {
  // Each pass copies what was committed up to its start: the second, what came during the
  // first (a few milliseconds' worth), leaving the FULL pass little to copy.
  checkpoint('PASSIVE');
  checkpoint('PASSIVE');
  // Busy (a commit or a reader did not let go in time): the WAL grows on until the next one.
  checkpoint('FULL');
}

const peer = new RpcPeer(port, {
  checkpoint(): boolean {
    try {
      run();
      return true;
    } catch {
      // Busy (another checkpoint under way): the next one will do.
      return false;
    }
  },
  async stop(): Promise<void> {
    await peer.drain();
    db.close();
    port.close();
  },
});

peer.notify('ready', []);

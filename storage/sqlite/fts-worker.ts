// The SQLite store's background thread (started by background.ts): full-text indexing and WAL
// checkpoints, on a connection of its own to the same file, so that the main thread, which
// serves every session, spends no time on either. WAL mode lets this connection read while the
// main one writes; writes take turns on the one write lock, so each indexing transaction is
// kept to a few milliseconds (the main thread's GroupCommit retries rather than wait for it).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { FtsIndexer, IDLE_MS, MAX_BACKLOG } from './fts-index.js';

export interface FtsWorkerData {
  entry: string;
  file: string;
}

export type ToWorker = { type: 'kick' } | { type: 'checkpoint' } | { type: 'stop' };
export type FromWorker = { type: 'ready' } | { type: 'checkpointed'; ok: boolean };

/** How long one indexing transaction should hold the write lock (the main thread's appends
 *  wait meanwhile). Shorter chunks cost more per document: each commit of this connection
 *  empties the main connection's page cache and the other way round (SQLite drops a
 *  connection's cache when another one wrote), and FTS5 writes a segment per commit. Measured
 *  (4 KB documents, 2 busy cores): 20-25 documents a chunk cost 1.2-1.7x as much per
 *  document as 100. FTS5's segment merges, run at commit, still make some chunks last tens
 *  of milliseconds. */
const TARGET_MS = 8;
/** Between two chunks, time for the main thread to take the lock. */
const PAUSE_MS = 2;
const MIN_CHUNK = 4;
const MAX_CHUNK = 200;
/** Looking for new documents: soon after some were found, then less and less often (another
 *  process's appends are seen this way; ours also send a kick). */
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 1000;
/** After an error (busy past busy_timeout, I/O): searches scan meanwhile. */
const ERROR_DELAY_MS = 500;

const port = parentPort;
if (!port) throw new Error('fts-worker.ts runs as a worker thread');
const { file } = workerData as FtsWorkerData;

const db = new Database(file);
// This thread may wait for the lock: nobody else waits on it.
db.pragma('busy_timeout = 10000');
// A checkpoint must sync the WAL before copying it and the database after (wal-sync.ts): only
// lazyTx turns this off, for the length of one transaction, on this same thread.
db.pragma('synchronous = FULL');
db.pragma('cache_size = -16384');
db.pragma('temp_store = MEMORY');
const indexer = new FtsIndexer(db);

let msPerDoc = 0.2;
/** The backlog at the last look, and when it last grew. */
let lastBacklog = 0;
let grewAt = 0;
let pollMs = POLL_MIN_MS;
let timer: NodeJS.Timeout | null = null;
/** The last look found nothing to index: a kick brings the next one forward. */
let idle = false;
let stopped = false;

function schedule(ms: number): void {
  if (stopped) return;
  if (timer) clearTimeout(timer);
  timer = setTimeout(tick, ms);
}

function tick(): void {
  timer = null;
  if (stopped) return;
  try {
    const backlog = indexer.backlog();
    if (backlog <= 0) {
      idle = true;
      lastBacklog = 0;
      schedule(pollMs);
      pollMs = Math.min(pollMs * 2, POLL_MAX_MS);
      return;
    }
    idle = false;
    pollMs = POLL_MIN_MS;
    const now = Date.now();
    if (backlog > lastBacklog) grewAt = now;
    lastBacklog = backlog;
    if (now - grewAt < IDLE_MS && backlog < MAX_BACKLOG) {
      schedule(POLL_MIN_MS);
      return;
    }
    const chunk = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.floor(TARGET_MS / msPerDoc)));
    const start = performance.now();
    const done = indexer.indexPending(chunk);
    if (done > 0) msPerDoc = 0.7 * msPerDoc + 0.3 * ((performance.now() - start) / done);
    lastBacklog = Math.max(0, backlog - done);
    schedule(PAUSE_MS);
  } catch {
    schedule(ERROR_DELAY_MS);
  }
}

function checkpoint(): boolean {
  // Messages are handled between transactions, where lazyTx has put FULL back; checked all
  // the same (a checkpoint every few hundred commits can afford it): under OFF it would copy
  // unsynced frames into the database and let the WAL be reused.
  if (db.inTransaction || db.pragma('synchronous', { simple: true }) !== 2) return false;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    return true;
  } catch {
    // Busy (another checkpoint under way): the next one will do.
    return false;
  }
}

port.on('message', (m: ToWorker) => {
  if (stopped) return;
  if (m.type === 'kick') {
    pollMs = POLL_MIN_MS;
    // A few milliseconds later: the documents of appends arriving meanwhile share the chunk.
    if (idle) {
      idle = false;
      schedule(POLL_MIN_MS);
    }
  } else if (m.type === 'checkpoint') {
    port.postMessage({ type: 'checkpointed', ok: checkpoint() } satisfies FromWorker);
  } else if (m.type === 'stop') {
    stopped = true;
    if (timer) clearTimeout(timer);
    db.close();
    // Nothing left to keep the thread alive: it exits, which is what close() waits for.
    port.close();
  }
});

port.postMessage({ type: 'ready' } satisfies FromWorker);
schedule(0);

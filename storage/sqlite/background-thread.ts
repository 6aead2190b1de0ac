// The SQLite store's background thread (started by background.ts), on a connection of its own
// to the same file: the commits of appends (append-commit.ts) with their WAL fdatasync, and
// full-text indexing (fts-loop.ts); WAL checkpoints go from here to a thread of their own
// (checkpointer.ts). The main thread, which serves every session, then spends no time in
// COMMIT or on the WAL, whose writes can stall for milliseconds behind a sync in flight on the
// same file. WAL mode lets the main connection read meanwhile; writes
// take turns on the one write lock (the main connection's own writes wait for it, busy_timeout),
// and appends and indexing, both here, take turns on this thread instead of contending for it.
import path from 'node:path';
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { Unavailable } from '../../core/errors.js';
import { RpcPeer } from '../../core/rpc.js';
import type { AppendResult } from '../types.js';
import { AppendCommitter, type AppendRecord } from './append-commit.js';
import { FileBlobs } from './blobs.js';
import { ThreadCheckpointer } from './checkpointer.js';
import { SqliteChanges } from './changes.js';
import { FtsIndexer } from './fts-index.js';
import { FtsLoop } from './fts-loop.js';
import { toStoreError } from './mail-errors.js';
import { WalSync } from './wal-sync.js';
import type { StoreThreadData } from './store-thread.js';

const port = parentPort;
if (!port) throw new Error('background-thread.ts runs as a worker thread');
const { file } = workerData as StoreThreadData;

const db = new Database(file);
// The same settings as the main connection (db.ts), for the same rows. This thread may wait
// for the lock: no session waits on it.
db.pragma('busy_timeout = 10000');
// A checkpoint must sync the WAL before copying it and the database after (wal-sync.ts): only
// lazyTx turns this off, for the length of one transaction, on this same thread.
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
// A small page cache: at the end of each write transaction SQLite drops the cached pages past
// the end of the database, and when a B-tree balance has renumbered pages through the locking
// page's number (balance_nonroot does, to keep siblings in order), that walks the cache's
// whole hash table, which only ever grows with the cache: with 64 MiB it was 100 µs a commit.
// The appends touch few pages besides those they write, and the indexer's reads come from
// the OS's cache.
db.pragma('cache_size = -8192');
db.pragma('temp_store = MEMORY');
const loop = new FtsLoop(new FtsIndexer(db));
// Checkpoints (of this connection's lazy commits, and those the main thread asks for) run on a
// thread of their own, beside the commits; here, between transactions, until it is up.
const checkpointer = new ThreadCheckpointer(file);
const walSync = new WalSync(db, { blocking: true });
walSync.checkpointer = checkpointer;
const committer = new AppendCommitter({ db, walSync, blobs: new FileBlobs(db, path.dirname(file)), changes: new SqliteChanges(db) });
let stopped = false;

async function append(record: AppendRecord): Promise<AppendResult> {
  if (stopped) throw new Unavailable('store closing');
  // Structured clone turned the Buffer into a plain Uint8Array: view the same bytes as a Buffer.
  if (record.raw) record.raw = Buffer.from(record.raw.buffer, record.raw.byteOffset, record.raw.byteLength);
  loop.kick();
  try {
    return await committer.commit(record);
  } catch (error) {
    throw toStoreError(error);
  }
}

function checkpoint(): boolean {
  if (checkpointer.checkpoint()) return true;
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

async function stop(): Promise<void> {
  stopped = true;
  loop.stop();
  // Appends already taken are committed and answered before the connection closes.
  await peer.drain();
  await walSync.close();
  await checkpointer.stop();
  db.close();
  // Nothing left to keep the thread alive: it exits, which is what close() waits for.
  port!.close();
}

const peer = new RpcPeer(port, {
  append,
  kick: () => { if (!stopped) loop.kick(); },
  checkpoint: () => !stopped && checkpoint(),
  stop: () => { if (!stopped) void stop(); },
});

peer.notify('ready', []);

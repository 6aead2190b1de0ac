// Adds text documents (mail-texts.ts) to the full-text index, in id order up to a watermark
// (counters row INDEXED_COUNTER) that searches trust: documents above it are scanned. Used by
// the background thread (fts-loop.ts) on its own connection, and by MailFts on the main
// connection when no worker runs. Each chunk reads the watermark inside its write transaction,
// so two indexers (a worker and its fallback, two processes) never index a document twice.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { INDEXED_COUNTER, quoted, TEXT_COLUMNS } from './mail-texts.js';
import { lazyTx } from './wal-sync.js';

/** Index once the backlog has stopped growing this long (appends paused): indexing holds the
 *  write lock the appends need (about 0.2 ms per 4 KB document), so during a burst it waits,
 *  on the background thread as on the main one... */
export const IDLE_MS = 50;
/** ...or at once when this many documents wait (a search scans them meanwhile). */
export const MAX_BACKLOG = 5000;

export class FtsIndexer {
  private readonly s: Record<'watermark' | 'newest' | 'chunkEnd' | 'index' | 'advance', Statement>;

  constructor(private readonly db: Db) {
    const columns = TEXT_COLUMNS.map(quoted).join(', ');
    this.s = {
      watermark: db.prepare(`SELECT value FROM counters WHERE name = '${INDEXED_COUNTER}'`).pluck(),
      newest: db.prepare('SELECT max(id) FROM mail_texts').pluck(),
      chunkEnd: db.prepare('SELECT max(id) FROM (SELECT id FROM mail_texts WHERE id > ? ORDER BY id LIMIT ?)').pluck(),
      index: db.prepare(`INSERT INTO mail_fts (rowid, ${columns}) SELECT id, ${columns} FROM mail_texts WHERE id > ? AND id <= ?`),
      advance: db.prepare(`INSERT INTO counters (name, value) VALUES ('${INDEXED_COUNTER}', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`),
    };
  }

  /** Every document with an id up to this is indexed. */
  watermark(): number {
    return (this.s.watermark.get() as number | undefined) ?? 0;
  }

  /** Ids of documents above the watermark (an upper bound of how many wait). */
  backlog(): number {
    return ((this.s.newest.get() as number | null) ?? 0) - this.watermark();
  }

  /** Indexes up to `limit` documents not yet indexed; returns how many. */
  indexPending(limit = Number.MAX_SAFE_INTEGER): number {
    // The index can be rebuilt: its commit need not wait for the disk. A power loss takes the
    // watermark back with the rows, and those messages are indexed again. Nor does it wait for
    // the write lock (SQLITE_BUSY at once; the callers try again later): blocked in SQLite's
    // busy wait, up to busy_timeout, the thread could neither serve nor be stopped cleanly
    // (ending a worker thread inside that wait, when SQLite then reports busy, aborted the process).
    return lazyTx(this.db, () => {
      const from = this.watermark();
      const to = this.s.chunkEnd.get(from, limit) as number | null;
      if (to === null) return 0;
      const { changes } = this.s.index.run(from, to);
      this.s.advance.run(to);
      return changes;
    }, { wait: false });
  }
}

// When the background thread indexes (background-thread.ts): the index waits while appends
// flow (they need the write lock it takes), catches up once they pause or the backlog grows
// too long, in chunks short enough that an append batch never waits long for the lock.
import { FtsIndexer, IDLE_MS, MAX_BACKLOG } from './fts-index.js';

/** How long one indexing transaction should last: append commits, on this same thread, and
 *  the main connection's writes wait meanwhile. Shorter chunks cost more per document (FTS5
 *  writes a segment per commit, and each commit empties the main connection's page cache).
 *  Measured (4 KB documents, 2 busy cores): 20-25 documents a chunk cost 1.2-1.7x as much per
 *  document as 100. FTS5's segment merges, run at commit, still make some chunks last tens
 *  of milliseconds. */
const TARGET_MS = 8;
/** Between two chunks, time for append commits and other connections' writes. */
const PAUSE_MS = 2;
const MIN_CHUNK = 4;
const MAX_CHUNK = 200;
/** Looking for new documents: soon after some were found, then less and less often (another
 *  process's appends are seen this way; ours also send a kick). */
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 1000;
/** After an error (busy past busy_timeout, I/O): searches scan meanwhile. */
const ERROR_DELAY_MS = 500;

export class FtsLoop {
  private msPerDoc = 0.2;
  /** The backlog at the last look, and when it last grew. */
  private lastBacklog = 0;
  private grewAt = 0;
  private pollMs = POLL_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  /** The last look found nothing to index: a kick brings the next one forward. */
  private idle = false;
  private stopped = false;

  constructor(private readonly indexer: FtsIndexer) {
    this.schedule(0);
  }

  /** New documents wait. */
  kick(): void {
    this.pollMs = POLL_MIN_MS;
    // A few milliseconds later: the documents of appends arriving meanwhile share the chunk.
    if (this.idle) {
      this.idle = false;
      this.schedule(POLL_MIN_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    try {
      const backlog = this.indexer.backlog();
      if (backlog <= 0) {
        this.idle = true;
        this.lastBacklog = 0;
        this.schedule(this.pollMs);
        this.pollMs = Math.min(this.pollMs * 2, POLL_MAX_MS);
        return;
      }
      this.idle = false;
      this.pollMs = POLL_MIN_MS;
      const now = Date.now();
      if (backlog > this.lastBacklog) this.grewAt = now;
      this.lastBacklog = backlog;
      if (now - this.grewAt < IDLE_MS && backlog < MAX_BACKLOG) {
        this.schedule(POLL_MIN_MS);
        return;
      }
      const chunk = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.floor(TARGET_MS / this.msPerDoc)));
      const start = performance.now();
      const done = this.indexer.indexPending(chunk);
      if (done > 0) this.msPerDoc = 0.7 * this.msPerDoc + 0.3 * ((performance.now() - start) / done);
      this.lastBacklog = Math.max(0, backlog - done);
      this.schedule(PAUSE_MS);
    } catch {
      this.schedule(ERROR_DELAY_MS);
    }
  }
}

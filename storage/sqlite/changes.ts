// The change feed: one row per change, written in the same transaction as the change itself.
// Subscribers are fed by reading the table, so changes made by another process (the CLI
// beside the server) arrive too, in seq order, exactly once.
import type { ChangeEvent, ChangeFeed, ChangeKind } from '../types.js';
import type { Statement } from 'better-sqlite3';
import { prepareCached, type Db } from './db.js';

export interface ChangeInput {
  kind: ChangeKind;
  userId?: string | null;
  mailboxId?: string | null;
  collectionId?: string | null;
  uids?: number[];
  modseq?: number | null;
}

interface Row { seq: number; at: number; kind: string; user_id: string | null; mailbox_id: string | null; collection_id: string | null; uids: string; modseq: number | null }

const POLL_MS = 250;

export class SqliteChanges implements ChangeFeed {
  private listeners = new Set<(e: ChangeEvent) => void>();
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private pending = false;

  private readonly insert: Statement;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO changes (at, kind, user_id, mailbox_id, collection_id, uids, modseq) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  /** Inside a write transaction. */
  record(change: ChangeInput): void {
    this.insert
      .run(Date.now(), change.kind, change.userId ?? null, change.mailboxId ?? null, change.collectionId ?? null, JSON.stringify(change.uids ?? []), change.modseq ?? null);
  }

  /** After a commit: lets subscribers see new rows now rather than at the next poll. */
  notify(): void {
    if (this.listeners.size === 0 || this.pending) return;
    this.pending = true;
    queueMicrotask(() => { this.pending = false; this.pump(); });
  }

  async latest(): Promise<number> {
    return this.latestSync();
  }

  private latestSync(): number {
    return (prepareCached(this.db, 'SELECT COALESCE(MAX(seq), 0) FROM changes').pluck().get() as number);
  }

  async since(seq: number, options: { limit?: number; userId?: string } = {}): Promise<ChangeEvent[]> {
    const limit = options.limit ?? 1000;
    const rows = (options.userId
      ? prepareCached(this.db, 'SELECT * FROM changes WHERE seq > ? AND user_id = ? ORDER BY seq LIMIT ?').all(seq, options.userId, limit)
      : prepareCached(this.db, 'SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit)) as Row[];
    return rows.map(toEvent);
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    if (this.listeners.size === 0) {
      this.cursor = this.latestSync();
      this.timer = setInterval(() => this.pump(), POLL_MS);
      this.timer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private pump(): void {
    if (this.listeners.size === 0 || !this.db.open) return;
    for (;;) {
      const rows = prepareCached(this.db, 'SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT 500').all(this.cursor) as Row[];
      if (rows.length === 0) return;
      for (const row of rows) {
        this.cursor = row.seq;
        const event = toEvent(row);
        for (const l of this.listeners) {
          try { l(event); } catch { /* a listener's fault must not stop the feed */ }
        }
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** Drops events older than `maxAgeMs` (sync tokens do not depend on them). */
  prune(maxAgeMs: number): void {
    prepareCached(this.db, 'DELETE FROM changes WHERE at < ?').run(Date.now() - maxAgeMs);
  }
}

function toEvent(r: Row): ChangeEvent {
  return {
    seq: r.seq,
    at: new Date(r.at),
    kind: r.kind as ChangeKind,
    userId: r.user_id,
    mailboxId: r.mailbox_id,
    collectionId: r.collection_id,
    uids: JSON.parse(r.uids) as number[],
    modseq: r.modseq,
  };
}

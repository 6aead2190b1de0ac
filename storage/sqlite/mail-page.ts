// A page of a mailbox for message lists, in date or size order, sorted by SQLite: with the
// (mailbox_id, internal_date, uid) index of migration 005 (size: 009) the first page of a 50,000-message
// folder reads 50 rows, not 50,000. And a page of its conversations (ThreadPages).
import type { Statement } from 'better-sqlite3';
import { BoundedMap } from '../../core/bounded-map.js';
import { Invalid } from '../../core/errors.js';
import type { Id, MessageRecord, ThreadPageEntry } from '../types.js';
import type { Db } from './db.js';
import { toMessage, type MessageRow } from './mail-rows.js';

type Sort = 'date' | 'size';
type Order = 'asc' | 'desc';

export class MessagePages {
  private readonly s = new Map<string, Statement>();

  constructor(db: Db) {
    for (const sort of ['date', 'size'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const column = sort === 'date' ? 'internal_date' : 'size';
        const dir = order === 'asc' ? 'ASC' : 'DESC';
        this.s.set(`${sort}:${order}`, db.prepare(`SELECT * FROM messages WHERE mailbox_id = ? ORDER BY ${column} ${dir}, uid ${dir} LIMIT ? OFFSET ?`));
      }
    }
  }

  page(mailboxId: Id, options: { sort: Sort; order: Order; offset: number; limit: number }): MessageRecord[] {
    const statement = this.s.get(`${options.sort}:${options.order}`);
    if (!statement) throw new Invalid(`cannot sort by ${String(options.sort)} ${String(options.order)}`, 'sort');
    const { offset, limit } = options;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Invalid('offset must be a whole number', 'offset');
    if (!Number.isSafeInteger(limit) || limit < 0) throw new Invalid('limit must be a whole number', 'limit');
    return (statement.all(mailboxId, limit, offset) as MessageRow[]).map(toMessage);
  }
}

/** Rows read in date order looking for the first page's conversations before giving up for
 *  the grouped scan (a folder where one long conversation fills the newest rows). */
const WALK_MAX_ROWS = 5000;
/** Pages ending beyond this many conversations come from the grouped scan. */
const WALK_MAX_THREADS = 2000;
const UIDS_PER_THREAD = 200;
const TOTALS_KEPT = 256;

interface ThreadHead { thread: string; date: number }

/**
 * A folder's conversations, ordered by their newest message's arrival date, ties by thread
 * id (so that both ways of reading a page agree). The first pages, newest first, walk the
 * (mailbox_id, internal_date, uid) index until they have seen enough distinct threads (a
 * thread first met is met at its newest message); other pages group the thread index of
 * migration 009. Both read counts and newest UIDs from that index, one thread at a time.
 */
export class ThreadPages {
  private readonly walk: Statement;
  private readonly grouped: Record<Order, Statement>;
  private readonly total: Statement;
  private readonly counts: Statement;
  private readonly uids: Statement;
  private readonly byUids: Statement;
  private readonly ofThread: Statement;
  /** Conversations per folder. A message's thread never changes once stored, so the count
   *  holds while no message comes in (UIDNEXT) or goes (the message count). */
  private readonly totals = new BoundedMap<Id, { stamp: string; total: number }>(TOTALS_KEPT);

  constructor(db: Db) {
    this.walk = db.prepare('SELECT thread_id AS thread, internal_date AS date FROM messages WHERE mailbox_id = ? ORDER BY internal_date DESC, uid DESC');
    const grouped = (dir: 'ASC' | 'DESC') => db.prepare(`SELECT thread_id AS thread, MAX(internal_date) AS date FROM messages WHERE mailbox_id = ?
      GROUP BY thread_id ORDER BY date ${dir}, thread_id ${dir} LIMIT ? OFFSET ?`);
    this.grouped = { asc: grouped('ASC'), desc: grouped('DESC') };
    this.total = db.prepare('SELECT COUNT(DISTINCT thread_id) FROM messages WHERE mailbox_id = ?').pluck();
    this.counts = db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(seen = 0), 0) AS unread FROM messages WHERE mailbox_id = ? AND thread_id = ?');
    // Left to itself the planner walks the date index of the whole folder to find one thread.
    this.uids = db.prepare(`SELECT uid FROM messages INDEXED BY messages_thread WHERE mailbox_id = ? AND thread_id = ?
      ORDER BY internal_date DESC, uid DESC LIMIT ${UIDS_PER_THREAD}`).pluck();
    this.byUids = db.prepare('SELECT * FROM messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))');
    this.ofThread = db.prepare(`SELECT m.* FROM mailboxes b JOIN messages m ON m.mailbox_id = b.id AND m.thread_id = ?
      WHERE b.user_id = ? ORDER BY m.internal_date, m.mailbox_id, m.uid`);
  }

  /** `stamp`: the folder's UIDNEXT and message count. */
  page(mailboxId: Id, options: { order: Order; offset: number; limit: number }, stamp: string): { total: number; threads: ThreadPageEntry[] } {
    const { order, offset, limit } = options;
    if (order !== 'asc' && order !== 'desc') throw new Invalid(`cannot order by ${String(order)}`, 'order');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Invalid('offset must be a whole number', 'offset');
    if (!Number.isSafeInteger(limit) || limit < 0) throw new Invalid('limit must be a whole number', 'limit');
    const total = this.totalOf(mailboxId, stamp);
    let heads = order === 'desc' && offset + limit <= WALK_MAX_THREADS ? this.walked(mailboxId, offset + limit) : null;
    heads = heads ? heads.slice(offset, offset + limit) : this.grouped[order].all(mailboxId, limit, offset) as ThreadHead[];
    const entries = heads.map((h) => {
      const { count, unread } = this.counts.get(mailboxId, h.thread) as { count: number; unread: number };
      return { threadId: h.thread, count, unread, uids: this.uids.all(mailboxId, h.thread) as number[] };
    });
    const latest = new Map((this.byUids.all(mailboxId, JSON.stringify(entries.map((e) => e.uids[0]))) as MessageRow[]).map((r) => [r.uid, toMessage(r)]));
    const threads = entries.flatMap((e) => {
      const record = latest.get(e.uids[0]);
      return record ? [{ ...e, latest: record }] : [];
    });
    return { total, threads };
  }

  private totalOf(mailboxId: Id, stamp: string): number {
    const hit = this.totals.get(mailboxId);
    if (hit && hit.stamp === stamp) return hit.total;
    const total = this.total.get(mailboxId) as number;
    this.totals.touch(mailboxId, { stamp, total });
    return total;
  }

  /** Newest first, the first `want` conversations (and any tied with the last), or null when
   *  that would read too many rows. */
  private walked(mailboxId: Id, want: number): ThreadHead[] | null {
    const seen = new Map<string, number>();
    let rows = 0;
    let lastDate: number | null = null;
    for (const row of this.walk.iterate(mailboxId) as IterableIterator<ThreadHead>) {
      // Past the date of the last wanted thread: every thread tied with it has been met.
      if (lastDate !== null && row.date < lastDate) break;
      if (++rows > WALK_MAX_ROWS) return null;
      if (!seen.has(row.thread)) {
        seen.set(row.thread, row.date);
        if (seen.size === want) lastDate = row.date;
      }
    }
    return [...seen].map(([thread, date]) => ({ thread, date }))
      .sort((a, b) => b.date - a.date || (a.thread < b.thread ? 1 : a.thread > b.thread ? -1 : 0));
  }

  ofUser(userId: Id, threadId: Id): MessageRecord[] {
    return (this.ofThread.all(threadId, userId) as MessageRow[]).map(toMessage);
  }
}

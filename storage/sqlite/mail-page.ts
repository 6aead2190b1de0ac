// A page of a mailbox for message lists, in date or size order, sorted by SQLite: with the
// (mailbox_id, internal_date, uid) index of migration 005 the first page of a 50,000-message
// folder reads 50 rows, not 50,000.
import type { Statement } from 'better-sqlite3';
import { Invalid } from '../../core/errors.js';
import type { Id, MessageRecord } from '../types.js';
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

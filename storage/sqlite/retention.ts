// The SQLite RetentionStore: a few (time, UIDNEXT) marks per mailbox.
import type { Statement } from 'better-sqlite3';
import type { Id, RetentionStore } from '../types.js';
import type { SqliteContext } from './index.js';

export class SqliteRetention implements RetentionStore {
  private readonly s: Record<string, Statement>;

  constructor(ctx: SqliteContext) {
    const { db } = ctx;
    this.s = {
      // A mailbox deleted meanwhile has nothing to mark: the insert selects no row.
      mark: db.prepare(`INSERT INTO retention_marks (mailbox_id, uid_validity, at, uid_next)
        SELECT id, ?, ?, ? FROM mailboxes WHERE id = ?
        ON CONFLICT (mailbox_id, uid_validity, at) DO UPDATE SET uid_next = max(uid_next, excluded.uid_next)`),
      at: db.prepare('SELECT max(uid_next) FROM retention_marks WHERE mailbox_id = ? AND uid_validity = ? AND at <= ?').pluck(),
      pruneOther: db.prepare('DELETE FROM retention_marks WHERE mailbox_id = ? AND uid_validity <> ?'),
      pruneOld: db.prepare(`DELETE FROM retention_marks WHERE mailbox_id = ? AND uid_validity = ? AND at < (
        SELECT max(at) FROM retention_marks WHERE mailbox_id = ? AND uid_validity = ? AND at <= ?)`),
    };
  }

  async mark(mailboxId: Id, uidValidity: number, uidNext: number, at: Date): Promise<void> {
    this.s.mark.run(uidValidity, at.getTime(), uidNext, mailboxId);
  }

  async uidNextAt(mailboxId: Id, uidValidity: number, at: Date): Promise<number | null> {
    return (this.s.at.get(mailboxId, uidValidity, at.getTime()) as number | null) ?? null;
  }

  async prune(mailboxId: Id, uidValidity: number, before: Date): Promise<void> {
    this.s.pruneOther.run(mailboxId, uidValidity);
    this.s.pruneOld.run(mailboxId, uidValidity, mailboxId, uidValidity, before.getTime());
  }
}

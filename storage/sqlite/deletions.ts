// The SQLite DeletionStore: one row per user whose deletion waits for its grace period.
import type { Statement } from 'better-sqlite3';
import { AlreadyExists, NotFound } from '../../core/errors.js';
import type { DeletionStore, Id, PendingDeletion } from '../types.js';
import type { SqliteContext } from './index.js';

interface Row { user_id: string; address: string; requested_at: number; purge_after: number; requested_by: string; was_enabled: number }

function toPending(r: Row): PendingDeletion {
  return {
    userId: r.user_id, address: r.address, requestedAt: new Date(r.requested_at), purgeAfter: new Date(r.purge_after),
    requestedBy: r.requested_by, wasEnabled: r.was_enabled === 1,
  };
}

const SELECT = 'SELECT d.*, u.address FROM pending_deletions d JOIN users u ON u.id = d.user_id';

export class SqliteDeletions implements DeletionStore {
  private readonly s: Record<string, Statement>;

  constructor(ctx: SqliteContext) {
    const { db } = ctx;
    this.s = {
      user: db.prepare('SELECT 1 FROM users WHERE id = ?').pluck(),
      insert: db.prepare(`INSERT INTO pending_deletions (user_id, requested_at, purge_after, requested_by, was_enabled)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING`),
      get: db.prepare(`${SELECT} WHERE d.user_id = ?`),
      cancel: db.prepare('DELETE FROM pending_deletions WHERE user_id = ?'),
      all: db.prepare(`${SELECT} ORDER BY d.purge_after, u.address`),
      due: db.prepare(`${SELECT} WHERE d.purge_after <= ? ORDER BY d.purge_after, u.address`),
    };
  }

  async schedule(input: Omit<PendingDeletion, 'address'>): Promise<PendingDeletion> {
    if (!this.s.user.get(input.userId)) throw new NotFound(`no user ${input.userId}`);
    const { changes } = this.s.insert.run(input.userId, input.requestedAt.getTime(), input.purgeAfter.getTime(), input.requestedBy, input.wasEnabled ? 1 : 0);
    if (changes === 0) throw new AlreadyExists('a deletion of this user is already pending');
    return toPending(this.s.get.get(input.userId) as Row);
  }

  async get(userId: Id): Promise<PendingDeletion | null> {
    const r = this.s.get.get(userId) as Row | undefined;
    return r ? toPending(r) : null;
  }

  async cancel(userId: Id): Promise<void> {
    if (this.s.cancel.run(userId).changes === 0) throw new NotFound('no deletion pending for this user');
  }

  async list(options: { dueAt?: Date } = {}): Promise<PendingDeletion[]> {
    const rows = (options.dueAt ? this.s.due.all(options.dueAt.getTime()) : this.s.all.all()) as Row[];
    return rows.map(toPending);
  }
}

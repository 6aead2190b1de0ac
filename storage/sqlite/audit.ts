// The audit log: who did what to whom, append-only (a trigger refuses updates).
import type { AuditEntry, AuditLog, AuditQuery } from '../types.js';
import { prepareCached, type Db } from './db.js';
import type { SqliteContext } from './index.js';
import { lazyTx } from './wal-sync.js';

interface Row {
  seq: number; at: number; actor: string; action: string; target: string | null;
  unit: string | null; ip: string | null; success: number; details: string;
}

const DEFAULT_LIMIT = 100;

/** Inside a write transaction: one audit row (also written by bulk provisioning, in the same
 *  transaction as the users it records). Returns its sequence number. */
export function insertAuditRow(db: Db, entry: Omit<AuditEntry, 'id' | 'at'>, at: number): number {
  return prepareCached(db, `INSERT INTO audit_log (at, actor, action, target, unit, ip, success, details)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`)
    .pluck().get(at, entry.actor, entry.action, entry.target ?? null, entry.unit ?? null, entry.ip ?? null,
      entry.success ? 1 : 0, JSON.stringify(entry.details ?? {})) as number;
}

export class SqliteAudit implements AuditLog {
  private readonly db: Db;

  constructor(private readonly ctx: SqliteContext) {
    this.db = ctx.db;
  }

  async append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: Date }): Promise<AuditEntry> {
    const at = entry.at ?? new Date();
    const details = entry.details ?? {};
    // Logins and bulk imports append often: the commit does not block on the disk, and
    // appends made together share one fsync before they return (wal-sync.ts).
    const seq = await this.ctx.walSync.durable(() => lazyTx(this.db, () => insertAuditRow(this.db, { ...entry, details }, at.getTime())));
    return {
      id: String(seq),
      at: new Date(at.getTime()),
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      unit: entry.unit ?? null,
      ip: entry.ip ?? null,
      success: entry.success,
      details: JSON.parse(JSON.stringify(details)) as Record<string, unknown>,
    };
  }

  async query(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const [column, value] of [['actor', query.actor], ['target', query.target], ['action', query.action]] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (query.units !== undefined) {
      // An empty list means "no unit the caller may see": nothing, not everything.
      if (query.units.length === 0) return [];
      where.push(`unit IN (${query.units.map(() => '?').join(', ')})`);
      params.push(...query.units);
    }
    // Both bounds are inclusive.
    if (query.since) {
      where.push('at >= ?');
      params.push(query.since.getTime());
    }
    if (query.until) {
      where.push('at <= ?');
      params.push(query.until.getTime());
    }
    const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_LIMIT));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, seq DESC LIMIT ?`;
    const rows = prepareCached(this.db, sql).all(...params, limit) as Row[];
    return rows.map(toEntry);
  }
}

function toEntry(r: Row): AuditEntry {
  return {
    id: String(r.seq),
    at: new Date(r.at),
    actor: r.actor,
    action: r.action,
    target: r.target,
    unit: r.unit,
    ip: r.ip,
    success: r.success === 1,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

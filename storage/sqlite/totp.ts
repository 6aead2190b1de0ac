// The TOTP second factor of webmail logins (migration 008). Each method is one statement or one
// immediate transaction, so that two logins racing with the same code cannot both pass.
import { Conflict, NotFound } from '../../core/errors.js';
import type { Id, TotpEnrolment, TotpStore } from '../types.js';
import { prepareCached, type Db } from './db.js';
import type { SqliteContext } from './index.js';
import { mapStoreErrors } from './mail-errors.js';

interface Row {
  user_id: string; secret: string; confirmed_at: number | null; last_step: number; recovery_codes: string; created_at: number;
}

export class SqliteTotp implements TotpStore {
  private readonly db: Db;

  constructor(ctx: SqliteContext) {
    this.db = ctx.db;
  }

  private row(userId: Id): Row | undefined {
    return prepareCached(this.db, 'SELECT * FROM user_totp WHERE user_id = ?').get(userId) as Row | undefined;
  }

  async get(userId: Id): Promise<TotpEnrolment | null> {
    return mapStoreErrors(() => {
      const row = this.row(userId);
      return row ? toEnrolment(row) : null;
    });
  }

  async begin(userId: Id, secret: string, at: Date): Promise<TotpEnrolment> {
    return mapStoreErrors(() => this.db.transaction(() => {
      const existing = this.row(userId);
      if (existing?.confirmed_at != null) throw new Conflict('a confirmed TOTP enrolment exists: disable it first');
      try {
        prepareCached(this.db, `INSERT INTO user_totp (user_id, secret, confirmed_at, last_step, recovery_codes, created_at)
            VALUES (?, ?, NULL, 0, '[]', ?)
            ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0, recovery_codes = '[]', created_at = excluded.created_at`)
          .run(userId, secret, at.getTime());
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFound(`no user ${userId}`);
        throw err;
      }
      return toEnrolment(this.row(userId)!);
    }).immediate());
  }

  async confirm(userId: Id, step: number, recoveryCodes: string[], at: Date): Promise<TotpEnrolment> {
    return mapStoreErrors(() => this.db.transaction(() => {
      const existing = this.row(userId);
      if (!existing) throw new NotFound(`no TOTP enrolment for ${userId}`);
      if (existing.confirmed_at !== null) throw new Conflict('the TOTP enrolment is already confirmed');
      prepareCached(this.db, 'UPDATE user_totp SET confirmed_at = ?, last_step = MAX(last_step, ?), recovery_codes = ? WHERE user_id = ?')
        .run(at.getTime(), step, JSON.stringify(recoveryCodes), userId);
      return toEnrolment(this.row(userId)!);
    }).immediate());
  }

  async useStep(userId: Id, step: number): Promise<boolean> {
    return mapStoreErrors(() => prepareCached(this.db, 'UPDATE user_totp SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?')
      .run(step, userId, step).changes === 1);
  }

  async useRecoveryCode(userId: Id, hash: string): Promise<boolean> {
    return mapStoreErrors(() => this.db.transaction(() => {
      const row = this.row(userId);
      if (!row || row.confirmed_at === null) return false;
      const codes = JSON.parse(row.recovery_codes) as string[];
      const i = codes.indexOf(hash);
      if (i < 0) return false;
      codes.splice(i, 1);
      prepareCached(this.db, 'UPDATE user_totp SET recovery_codes = ? WHERE user_id = ?').run(JSON.stringify(codes), userId);
      return true;
    }).immediate());
  }

  async replaceRecoveryCodes(userId: Id, hashes: string[]): Promise<void> {
    mapStoreErrors(() => {
      const changed = prepareCached(this.db, 'UPDATE user_totp SET recovery_codes = ? WHERE user_id = ? AND confirmed_at IS NOT NULL')
        .run(JSON.stringify(hashes), userId).changes;
      if (changed === 0) throw new NotFound(`no confirmed TOTP enrolment for ${userId}`);
    });
  }

  async remove(userId: Id): Promise<boolean> {
    return mapStoreErrors(() => prepareCached(this.db, 'DELETE FROM user_totp WHERE user_id = ?').run(userId).changes === 1);
  }
}

function toEnrolment(r: Row): TotpEnrolment {
  return {
    userId: r.user_id, secret: r.secret, confirmedAt: r.confirmed_at === null ? null : new Date(r.confirmed_at),
    lastStep: r.last_step, recoveryCodes: JSON.parse(r.recovery_codes) as string[], createdAt: new Date(r.created_at),
  };
}

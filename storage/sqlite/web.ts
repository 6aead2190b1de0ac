// Webmail sessions and per-user settings (migration 005).
import { AlreadyExists, NotFound } from '../../core/errors.js';
import type { Id, UserSettingsStore, WebSession, WebSessionStore } from '../types.js';
import { writeTx, type Db } from './db.js';
import type { SqliteContext } from './index.js';
import { mapStoreErrors } from './mail-errors.js';

interface SessionRow {
  id: string; user_id: string; csrf: string; created_at: number; last_seen_at: number; expires_at: number;
}

export class SqliteWebSessions implements WebSessionStore {
  private readonly db: Db;

  constructor(ctx: SqliteContext) {
    this.db = ctx.db;
  }

  async create(s: WebSession): Promise<WebSession> {
    return mapStoreErrors(() => {
      try {
        this.db.prepare(`INSERT INTO web_sessions (id, user_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(s.id, s.userId, s.csrf, s.createdAt.getTime(), s.lastSeenAt.getTime(), s.expiresAt.getTime());
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new AlreadyExists('session id already in use');
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFound(`no user ${s.userId}`);
        throw err;
      }
      return { ...s, createdAt: new Date(s.createdAt.getTime()), lastSeenAt: new Date(s.lastSeenAt.getTime()), expiresAt: new Date(s.expiresAt.getTime()) };
    });
  }

  async get(id: Id): Promise<WebSession | null> {
    return mapStoreErrors(() => {
      const row = this.db.prepare('SELECT * FROM web_sessions WHERE id = ?').get(id) as SessionRow | undefined;
      return row ? toSession(row) : null;
    });
  }

  async touch(id: Id, at: Date): Promise<void> {
    mapStoreErrors(() => this.db.prepare('UPDATE web_sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(at.getTime(), id));
  }

  async delete(id: Id): Promise<void> {
    mapStoreErrors(() => this.db.prepare('DELETE FROM web_sessions WHERE id = ?').run(id));
  }

  async deleteForUser(userId: Id, exceptId?: Id): Promise<number> {
    return mapStoreErrors(() => this.db.prepare('DELETE FROM web_sessions WHERE user_id = ? AND id <> ?').run(userId, exceptId ?? '').changes);
  }

  async deleteExpired(now: Date, idleBefore: Date): Promise<number> {
    return mapStoreErrors(() => this.db.prepare('DELETE FROM web_sessions WHERE expires_at <= ? OR last_seen_at < ?')
      .run(now.getTime(), idleBefore.getTime()).changes);
  }
}

function toSession(r: SessionRow): WebSession {
  return {
    id: r.id, userId: r.user_id, csrf: r.csrf,
    createdAt: new Date(r.created_at), lastSeenAt: new Date(r.last_seen_at), expiresAt: new Date(r.expires_at),
  };
}

export class SqliteUserSettings implements UserSettingsStore {
  private readonly db: Db;

  constructor(private readonly ctx: SqliteContext) {
    this.db = ctx.db;
  }

  async get(userId: Id): Promise<Record<string, unknown>> {
    return mapStoreErrors(() => {
      const data = this.db.prepare('SELECT data FROM user_settings WHERE user_id = ?').pluck().get(userId) as string | undefined;
      return data ? JSON.parse(data) as Record<string, unknown> : {};
    });
  }

  async put(userId: Id, settings: Record<string, unknown>): Promise<void> {
    mapStoreErrors(() => {
      try {
        writeTx(this.db, () => {
          this.db.prepare(`INSERT INTO user_settings (user_id, data) VALUES (?, ?)
              ON CONFLICT (user_id) DO UPDATE SET data = excluded.data`).run(userId, JSON.stringify(settings));
          this.ctx.changes.record({ kind: 'user.settings', userId });
        });
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFound(`no user ${userId}`);
        throw err;
      }
    });
    this.ctx.changes.notify();
  }
}

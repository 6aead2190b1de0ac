// The SQLite AdminTokenStore: one row per token; lookups by the secret's hash (unique index).
import type { Statement } from 'better-sqlite3';
import { AlreadyExists, Invalid, NotFound } from '../../core/errors.js';
import type { AdminToken, AdminTokenStore, Id, NewAdminToken } from '../types.js';
import { newId } from './db.js';
import type { SqliteContext } from './index.js';

interface Row {
  id: string; name: string; role: string; units: string; secret_hash: string; created_by: string;
  created_at: number; expires_at: number | null; revoked_at: number | null; last_used_at: number | null;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

function toToken(r: Row): AdminToken {
  return {
    id: r.id, name: r.name, role: r.role as AdminToken['role'], units: JSON.parse(r.units) as string[], secretHash: r.secret_hash,
    createdBy: r.created_by, createdAt: new Date(r.created_at), expiresAt: date(r.expires_at), revokedAt: date(r.revoked_at),
    lastUsedAt: date(r.last_used_at),
  };
}

export class SqliteAdminTokens implements AdminTokenStore {
  private readonly s: Record<string, Statement>;

  constructor(ctx: SqliteContext) {
    const { db } = ctx;
    this.s = {
      insert: db.prepare(`INSERT INTO admin_tokens (id, name, role, units, secret_hash, created_by, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      get: db.prepare('SELECT * FROM admin_tokens WHERE id = ?'),
      byName: db.prepare('SELECT * FROM admin_tokens WHERE name = ?'),
      byHash: db.prepare('SELECT * FROM admin_tokens WHERE secret_hash = ?'),
      list: db.prepare('SELECT * FROM admin_tokens ORDER BY created_at DESC, rowid DESC'),
      revoke: db.prepare('UPDATE admin_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING *'),
      touch: db.prepare('UPDATE admin_tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?'),
    };
  }

  async create(token: NewAdminToken): Promise<AdminToken> {
    if (!token.name.trim()) throw new Invalid('a token needs a name', 'name');
    if (token.role !== 'admin' && token.role !== 'unit-admin') throw new Invalid(`invalid token role "${token.role}"`, 'role');
    if (!/^[0-9a-f]{64}$/.test(token.secretHash)) throw new Invalid('the secret hash must be SHA-256 in hex', 'secretHash');
    try {
      return toToken(this.s.insert.get(newId(), token.name, token.role, JSON.stringify(token.units), token.secretHash, token.createdBy,
        Date.now(), token.expiresAt?.getTime() ?? null) as Row);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AlreadyExists(String((err as Error).message).includes('name') ? `a token named "${token.name}" already exists` : 'this token secret is already in use');
      }
      throw err;
    }
  }

  async get(id: Id): Promise<AdminToken | null> {
    const r = this.s.get.get(id) as Row | undefined;
    return r ? toToken(r) : null;
  }

  async getByName(name: string): Promise<AdminToken | null> {
    const r = this.s.byName.get(name) as Row | undefined;
    return r ? toToken(r) : null;
  }

  async findBySecretHash(secretHash: string): Promise<AdminToken | null> {
    const r = this.s.byHash.get(secretHash) as Row | undefined;
    return r ? toToken(r) : null;
  }

  async list(): Promise<AdminToken[]> {
    return (this.s.list.all() as Row[]).map(toToken);
  }

  async revoke(id: Id, at: Date): Promise<AdminToken> {
    const r = this.s.revoke.get(at.getTime(), id) as Row | undefined;
    if (!r) throw new NotFound(`no token ${id}`);
    return toToken(r);
  }

  async touch(id: Id, at: Date): Promise<void> {
    this.s.touch.run(at.getTime(), id);
  }
}

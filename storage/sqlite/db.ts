// Opens the SQLite database: WAL, durable commits, numbered migrations.
import Database from 'better-sqlite3';
import { migrations } from './migrations/index.js';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function openDatabase(file: string): Db {
  const db = new Database(file);
  // WAL lets the CLI read and write while the server runs; synchronous=FULL makes a commit
  // durable before we acknowledge it (NORMAL could lose the last commits on power loss).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -65536');
  migrate(db, migrations);
  return db;
}

export function migrate(db: Db, list: Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const sorted = [...list].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE takes the write lock first, so two processes starting at once cannot both migrate.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (again) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }).immediate();
  }
}

/** Runs `fn` in an IMMEDIATE transaction (takes the write lock at once, avoiding
 *  SQLITE_BUSY upgrades when another process writes too). */
export function writeTx<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

export function newId(): string {
  // Random, URL-safe, sortable enough for humans reading logs; opaque to callers.
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}

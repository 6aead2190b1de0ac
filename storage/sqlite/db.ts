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
  // Statement journals (one per append's savepoint in a group commit) and sort scratch in
  // memory: on disk each commit created, wrote and unlinked a file under /var/tmp, half of
  // an append's write syscalls. They are never needed after a crash.
  db.pragma('temp_store = MEMORY');
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

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** The statement for `sql`, compiled once per connection. For code paths that build their
 *  statements per call (compiling was a visible share of DAV requests and user creation).
 *  A cached statement keeps its mode: use one SQL text with .pluck()/.raw() everywhere or nowhere. */
export function prepareCached(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    // Dynamic SQL (optional filters) has a bounded number of shapes; this is a backstop.
    if (cache.size > 500) cache.clear();
    cache.set(sql, statement);
  }
  return statement;
}

export function newId(): string {
  // Random, URL-safe, sortable enough for humans reading logs; opaque to callers.
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}

let lastMs = 0;
let sameMs = 0;

/** Like newId(), but later ids sort after earlier ones (time first, then a counter, then
 *  random): for keys of indexes that grow with every append (thread ids in messages_thread),
 *  so that an insert lands on the index's last page instead of on a random one, each of which
 *  is one more page for the commit to write. */
export function sortableId(): string {
  const now = Date.now();
  sameMs = now === lastMs ? sameMs + 1 : 0;
  lastMs = now;
  return now.toString(16).padStart(12, '0') + (sameMs & 0xffff).toString(16).padStart(4, '0') + newId().slice(0, 16);
}

// The embedded default backend: SQLite (better-sqlite3) for metadata, files for blobs.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Store, StoreOptions } from '../types.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteAudit } from './audit.js';
import { Background } from './background.js';
import { FileBlobs } from './blobs.js';
import { SqliteChanges } from './changes.js';
import { openDatabase, type Db } from './db.js';
import { SqliteDav } from './dav.js';
import { SqliteMail } from './mail.js';
import { SqliteQueue } from './queue.js';
import { WalSync } from './wal-sync.js';
import { SqliteDeletions } from './deletions.js';
import { SqliteRetention } from './retention.js';
import { SqliteAdminTokens } from './tokens.js';
import { SqliteTotp } from './totp.js';
import { SqliteUserSettings, SqliteWebSessions } from './web.js';

/** What every part of the SQLite backend shares. */
export interface SqliteContext {
  db: Db;
  blobs: FileBlobs;
  changes: SqliteChanges;
  /** Makes lazy commits durable (wal-sync.ts). */
  walSync: WalSync;
}

export async function openSqliteStore(options: StoreOptions): Promise<Store> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = openDatabase(path.join(options.dataDir, 'facteur.db'));
  const blobs = new FileBlobs(db, options.dataDir);
  await blobs.init();
  const changes = new SqliteChanges(db);
  const walSync = new WalSync(db);
  const ctx: SqliteContext = { db, blobs, changes, walSync };
  let closed = false;
  const mail = new SqliteMail(ctx);
  const background = startBackground(db, mail, walSync);
  const dav = new SqliteDav(ctx);
  const accounts = new SqliteAccounts(ctx, (userId, provision) => {
    mail.mailboxes.provision(userId, provision.mailboxes);
    for (const c of provision.collections) {
      dav.insertCollection({ ownerType: 'user', ownerId: userId, kind: c.kind, slug: c.slug, displayName: c.displayName, description: '', color: null, components: c.components, props: {} });
    }
  });
  return {
    backend: 'sqlite',
    accounts,
    mail,
    blobs,
    dav,
    queue: new SqliteQueue(ctx),
    audit: new SqliteAudit(ctx),
    adminTokens: new SqliteAdminTokens(ctx),
    retention: new SqliteRetention(ctx),
    deletions: new SqliteDeletions(ctx),
    changes,
    webSessions: new SqliteWebSessions(ctx),
    userSettings: new SqliteUserSettings(ctx),
    totp: new SqliteTotp(ctx),
    async collectGarbage({ graceMs = 15 * 60_000 } = {}) {
      return blobs.collectGarbage(graceMs);
    },
    async close() {
      if (closed) return;
      closed = true;
      changes.close();
      await background?.stop();
      await walSync.close();
      // Fold the WAL back into the main file so the data dir is one consistent file at rest.
      try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch { /* another process may hold it */ }
      db.close();
    },
  };
}

let warned = false;

/** Full-text indexing and checkpoints on a thread of their own (background.ts). An in-memory
 *  database keeps them here: another connection would open a different, empty database. */
function startBackground(db: Db, mail: SqliteMail, walSync: WalSync): Background | null {
  if (db.memory) return null;
  const fallBack = (error: unknown) => {
    mail.useBackground(null);
    walSync.checkpointer = null;
    if (!warned) {
      warned = true;
      process.emitWarning(`SQLite background thread unavailable, indexing on the main thread: ${(error as Error)?.message ?? String(error)}`, { code: 'FACTEUR_SQLITE_BACKGROUND' });
    }
  };
  try {
    const background = new Background(db.name, fallBack);
    mail.useBackground(background);
    walSync.checkpointer = background;
    return background;
  } catch (error) {
    fallBack(error);
    return null;
  }
}

import type { Migration } from '../db.js';

// Admin API tokens (AdminTokenStore): the secret's hash, never the secret. Retention marks
// (RetentionStore): when messages entered a mailbox. Pending deletions (DeletionStore).
export const m006: Migration = {
  version: 6,
  name: 'admin tokens, retention marks, pending deletions',
  sql: `
    CREATE TABLE admin_tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      role TEXT NOT NULL CHECK (role IN ('admin', 'unit-admin')),
      units TEXT NOT NULL DEFAULT '[]',        -- JSON array of unit names
      secret_hash TEXT NOT NULL UNIQUE,        -- SHA-256 hex; looked up on every API request
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      revoked_at INTEGER,
      last_used_at INTEGER
    );

    CREATE TABLE retention_marks (
      mailbox_id TEXT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
      uid_validity INTEGER NOT NULL,
      at INTEGER NOT NULL,
      uid_next INTEGER NOT NULL,
      PRIMARY KEY (mailbox_id, uid_validity, at)
    ) WITHOUT ROWID;

    CREATE TABLE pending_deletions (
      user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      requested_at INTEGER NOT NULL,
      purge_after INTEGER NOT NULL,
      requested_by TEXT NOT NULL,
      was_enabled INTEGER NOT NULL
    );
    CREATE INDEX pending_deletions_due ON pending_deletions (purge_after);
  `,
};

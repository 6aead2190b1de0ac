import type { Migration } from '../db.js';

// Blobs (reference-counted, content-addressed files) and the change feed.
export const m001: Migration = {
  version: 1,
  name: 'blobs and change feed',
  sql: `
    CREATE TABLE blobs (
      id TEXT PRIMARY KEY,             -- SHA-256 hex of the exact bytes
      size INTEGER NOT NULL,
      refcount INTEGER NOT NULL CHECK (refcount >= 0)
    ) WITHOUT ROWID;

    CREATE TABLE changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL,
      user_id TEXT,
      mailbox_id TEXT,
      collection_id TEXT,
      uids TEXT NOT NULL DEFAULT '[]',
      modseq INTEGER
    );
    CREATE INDEX changes_user ON changes (user_id, seq);

    -- One row per counter (e.g. the last UIDVALIDITY issued).
    CREATE TABLE counters (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};

import type { Migration } from '../db.js';

// Calendars and address books, the outbound queue, the audit log.
export const m003: Migration = {
  version: 3,
  name: 'dav, outbound queue, audit log',
  sql: `
    CREATE TABLE dav_collections (
      id TEXT PRIMARY KEY,
      owner_type TEXT NOT NULL CHECK (owner_type IN ('user', 'group', 'directory')),
      owner_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('calendar', 'addressbook')),
      slug TEXT NOT NULL,
      display_name TEXT NOT NULL,
      description TEXT NOT NULL,
      color TEXT,
      components TEXT NOT NULL DEFAULT '[]',   -- JSON array
      props TEXT NOT NULL DEFAULT '{}',        -- JSON object: dead properties by Clark name
      sync_token INTEGER NOT NULL DEFAULT 0,   -- also the CTag
      -- Tokens below this can no longer be answered: tombstones up to it were pruned.
      sync_horizon INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      UNIQUE (owner_type, owner_id, kind, slug)
    );

    CREATE TABLE dav_items (
      collection_id TEXT NOT NULL REFERENCES dav_collections (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      uid TEXT NOT NULL,
      etag TEXT NOT NULL,
      data TEXT NOT NULL,
      component_type TEXT NOT NULL,
      modseq INTEGER NOT NULL,
      size INTEGER NOT NULL,
      first_start INTEGER,                     -- ms since epoch; NULL = since always
      last_end INTEGER,                        -- ms since epoch; NULL = unbounded
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (collection_id, name)
    );
    -- CalDAV/CardDAV no-uid-conflict: one resource per UID in a collection.
    CREATE UNIQUE INDEX dav_items_uid ON dav_items (collection_id, uid);
    CREATE INDEX dav_items_modseq ON dav_items (collection_id, modseq);
    CREATE INDEX dav_items_span ON dav_items (collection_id, first_start);

    -- What was deleted, so that a sync-collection REPORT can list it (RFC 6578 §3.5).
    CREATE TABLE dav_tombstones (
      collection_id TEXT NOT NULL REFERENCES dav_collections (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      modseq INTEGER NOT NULL,
      deleted_at INTEGER NOT NULL,
      PRIMARY KEY (collection_id, name)
    ) WITHOUT ROWID;
    CREATE INDEX dav_tombstones_modseq ON dav_tombstones (collection_id, modseq);

    CREATE TABLE queue_entries (
      id TEXT PRIMARY KEY,
      sender TEXT NOT NULL,                    -- '' for the null reverse-path
      domain TEXT NOT NULL,
      recipients TEXT NOT NULL,                -- JSON array of {address, status, lastResponse}
      blob_id TEXT NOT NULL,
      size INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      next_attempt_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      expires_at INTEGER NOT NULL,
      last_error TEXT,
      lease_until INTEGER,
      meta TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX queue_entries_due ON queue_entries (next_attempt_at);

    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT,
      unit TEXT,
      ip TEXT,
      success INTEGER NOT NULL,
      details TEXT NOT NULL DEFAULT '{}'
    );
    -- One index per filter an administrator uses, each ending with the sort key.
    CREATE INDEX audit_log_at ON audit_log (at, seq);
    CREATE INDEX audit_log_actor ON audit_log (actor, at, seq);
    CREATE INDEX audit_log_target ON audit_log (target, at, seq);
    CREATE INDEX audit_log_action ON audit_log (action, at, seq);
    CREATE INDEX audit_log_unit ON audit_log (unit, at, seq);
    -- Entries are evidence: nothing may rewrite one. Deletion stays possible so that a
    -- retention purge (GDPR storage limitation) can be added without a schema change.
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN
      SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
  `,
};

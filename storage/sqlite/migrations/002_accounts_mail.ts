import type { Migration } from '../db.js';

// Accounts (domains, DKIM keys, units, users, aliases, groups, app passwords) and mail
// (mailboxes, messages, expunge tombstones, threading links, the full-text index).
export const m002: Migration = {
  version: 2,
  name: 'accounts and mail',
  sql: `
    CREATE TABLE domains (
      name TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- Rowid order is creation order: listDkimKeys() returns the newest first.
    CREATE TABLE dkim_keys (
      domain TEXT NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
      selector TEXT NOT NULL,
      algorithm TEXT NOT NULL CHECK (algorithm IN ('rsa', 'ed25519')),
      private_key_pem TEXT NOT NULL,
      public_key TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (domain, selector)
    );

    CREATE TABLE units (
      name TEXT PRIMARY KEY,
      parent TEXT REFERENCES units (name),
      display_name TEXT NOT NULL
    );

    -- An address is unique across users, aliases and groups; the store checks the three
    -- tables inside the write transaction that inserts.
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      address TEXT NOT NULL UNIQUE,
      domain TEXT NOT NULL REFERENCES domains (name),
      display_name TEXT NOT NULL,
      password_hash TEXT,
      quota_bytes INTEGER NOT NULL CHECK (quota_bytes >= 0),
      used_bytes INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
      role TEXT NOT NULL CHECK (role IN ('user', 'unit-admin', 'admin')),
      unit TEXT,
      enabled INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX users_domain ON users (domain, address);
    CREATE INDEX users_unit ON users (unit, address);

    CREATE TABLE aliases (
      address TEXT PRIMARY KEY,
      domain TEXT NOT NULL REFERENCES domains (name),
      targets TEXT NOT NULL,                 -- JSON array of addresses
      created_at INTEGER NOT NULL
    );
    CREATE INDEX aliases_domain ON aliases (domain, address);

    CREATE TABLE groups (
      id TEXT PRIMARY KEY,
      address TEXT NOT NULL UNIQUE,
      domain TEXT NOT NULL REFERENCES domains (name),
      display_name TEXT NOT NULL,
      unit TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX groups_domain ON groups (domain, address);

    -- Rowid order is the order members were added in.
    CREATE TABLE group_members (
      group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      UNIQUE (group_id, user_id)
    );
    CREATE INDEX group_members_user ON group_members (user_id);

    CREATE TABLE app_passwords (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      hash TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER
    );
    CREATE INDEX app_passwords_user ON app_passwords (user_id);

    -- uid_next and highest_modseq are bumped by one UPDATE ... RETURNING per change: the
    -- atomic increment UIDs and MODSEQs come from. The counts feed STATUS without a scan.
    CREATE TABLE mailboxes (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users (id),
      name TEXT NOT NULL,
      special_use TEXT,
      uid_validity INTEGER NOT NULL,
      uid_next INTEGER NOT NULL DEFAULT 1,
      highest_modseq INTEGER NOT NULL DEFAULT 1,
      subscribed INTEGER NOT NULL,
      message_count INTEGER NOT NULL DEFAULT 0,
      unseen_count INTEGER NOT NULL DEFAULT 0,
      deleted_count INTEGER NOT NULL DEFAULT 0,
      size_bytes INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      UNIQUE (user_id, name)
    );

    -- AUTOINCREMENT: a message id is never reused, so a stale id finds nothing.
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      mailbox_id TEXT NOT NULL REFERENCES mailboxes (id),
      uid INTEGER NOT NULL,
      modseq INTEGER NOT NULL,
      flags TEXT NOT NULL,                   -- JSON array, normalised and sorted
      seen INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      internal_date INTEGER NOT NULL,
      size INTEGER NOT NULL,
      email_id TEXT NOT NULL,
      thread_id TEXT NOT NULL,
      blob_id TEXT NOT NULL,
      text_id INTEGER NOT NULL,              -- mail_texts.id (shared by copies of the same bytes)
      summary TEXT NOT NULL
    );
    CREATE UNIQUE INDEX messages_uid ON messages (mailbox_id, uid);
    CREATE INDEX messages_modseq ON messages (mailbox_id, modseq);

    -- Expunged UIDs with the modseq of their expunge, for QRESYNC VANISHED (RFC 7162 §3.2.10).
    CREATE TABLE expunged (
      mailbox_id TEXT NOT NULL,
      uid INTEGER NOT NULL,
      modseq INTEGER NOT NULL,
      PRIMARY KEY (mailbox_id, uid)
    ) WITHOUT ROWID;
    CREATE INDEX expunged_modseq ON expunged (mailbox_id, modseq);

    -- Per user: the thread of each Message-ID seen, as the message's own id (kind 0) or as
    -- one of its references (kind 1). A new message joins the thread of a message whose own
    -- id it references, or of a message that references its id.
    CREATE TABLE thread_links (
      user_id TEXT NOT NULL,
      message_id TEXT NOT NULL,
      kind INTEGER NOT NULL,
      thread_id TEXT NOT NULL,
      PRIMARY KEY (user_id, message_id, kind)
    ) WITHOUT ROWID;

    -- One full-text document per distinct blob, shared by every copy of those bytes; text is
    -- folded (case, accents) before it is stored. AUTOINCREMENT keeps ids increasing, which
    -- the indexing watermark relies on.
    CREATE TABLE mail_texts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      blob_id TEXT NOT NULL UNIQUE,
      refcount INTEGER NOT NULL CHECK (refcount >= 0),
      subject TEXT NOT NULL,
      "from" TEXT NOT NULL,
      "to" TEXT NOT NULL,
      cc TEXT NOT NULL,
      bcc TEXT NOT NULL,
      body TEXT NOT NULL
    );
    -- The index over mail_texts, filled in the background up to the watermark kept in
    -- counters ('mail_fts_indexed'); searches scan the documents above it. trigram gives
    -- substring matching (IMAP SEARCH); the text is folded in JS so that GLOB can use the
    -- index (remove_diacritics would prevent it); detail=column keeps the index small since
    -- GLOB checks each candidate against the stored text anyway.
    CREATE VIRTUAL TABLE mail_fts USING fts5 (
      subject, "from", "to", cc, bcc, body,
      content = 'mail_texts', content_rowid = 'id',
      tokenize = 'trigram', detail = column
    );
  `,
};

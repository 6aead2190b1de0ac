import type { Migration } from '../db.js';

// The webmail's TOTP second factor: one row per user, pending until confirmed. last_step is the
// replay barrier (a code is accepted once); recovery codes are kept as a JSON array of hashes
// and removed as they are used. Gone with the user (ON DELETE CASCADE).
export const m008: Migration = {
  version: 8,
  name: 'TOTP second factor',
  sql: `
    CREATE TABLE user_totp (
      user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      secret TEXT NOT NULL,
      confirmed_at INTEGER,              -- null while pending
      last_step INTEGER NOT NULL DEFAULT 0,
      recovery_codes TEXT NOT NULL DEFAULT '[]',
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};

import type { Migration } from '../db.js';

// Webmail sessions and per-user settings. Sessions live in the store rather than in memory so
// that a restart (an upgrade, a crash) does not log every staff member out, and so that the
// CLI can end a user's sessions. Both go with their user (ON DELETE CASCADE). And the index
// that lets a message list read its page in date order without sorting the whole folder.
export const m005: Migration = {
  version: 5,
  name: 'web sessions, user settings, message date index',
  sql: `
    CREATE TABLE web_sessions (
      id TEXT PRIMARY KEY,               -- SHA-256 of the cookie secret, never the secret
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      csrf TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX web_sessions_user ON web_sessions (user_id);
    CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

    CREATE TABLE user_settings (
      user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      data TEXT NOT NULL                 -- JSON object
    ) WITHOUT ROWID;

    CREATE INDEX messages_date ON messages (mailbox_id, internal_date, uid);
  `,
};

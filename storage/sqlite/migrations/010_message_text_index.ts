import type { Migration } from '../db.js';

// SEARCH BODY/TEXT (mail-fts.ts): from the documents the full-text index matches to the UIDs
// of one mailbox, and to the messages whose documents it has not indexed yet, without reading
// every row of the mailbox (a 100,000-message mailbox took ~100 ms a search; now a few ms).
// Covering: the UID is in the index.
export const m010: Migration = {
  version: 10,
  name: 'message text index',
  sql: `
    CREATE INDEX messages_text ON messages (mailbox_id, text_id, uid);
  `,
};

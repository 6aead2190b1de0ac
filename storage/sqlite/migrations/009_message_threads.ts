import type { Migration } from '../db.js';

// Conversation lists (listThreadPage, listThreadMessages): one covering index that groups a
// folder's messages by thread with their dates and read state, so that counting a 50,000-message
// folder's conversations reads the index, not the rows; it also finds one thread's messages
// in each of the user's folders. And the size order of the message list, which without an
// index sorted the whole folder for its first page.
export const m009: Migration = {
  version: 9,
  name: 'message thread and size indexes',
  sql: `
    CREATE INDEX messages_thread ON messages (mailbox_id, thread_id, internal_date, seen);
    CREATE INDEX messages_size ON messages (mailbox_id, size, uid);
  `,
};

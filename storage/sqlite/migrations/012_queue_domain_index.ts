import type { Migration } from '../db.js';

// The outbound worker claims due entries with a room per destination domain (queue.ts): one
// short range of this index per domain, instead of ranking every due entry of the queue on each
// claim (a backlog of thousands for a domain that is down made every claim read all of them).
export const m012: Migration = {
  version: 12,
  name: 'queue domain index',
  sql: `
    CREATE INDEX queue_entries_domain_due ON queue_entries (domain, next_attempt_at, created_at, id);
  `,
};

import type { Migration } from '../db.js';

// Small blobs stored in the database (see storage/sqlite/blobs.ts). A rowid table: SQLite
// advises against large rows in WITHOUT ROWID tables such as `blobs`.
export const m004: Migration = {
  version: 4,
  name: 'inline blobs',
  sql: `
    CREATE TABLE blob_data (
      id TEXT PRIMARY KEY,             -- same id as in blobs
      data BLOB NOT NULL
    );
  `,
};

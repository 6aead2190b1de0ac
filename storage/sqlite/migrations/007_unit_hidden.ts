import type { Migration } from '../db.js';

// A unit can be hidden from other units in the directory (AccountStore.setUnitHidden).
export const m007: Migration = {
  version: 7,
  name: 'hidden units',
  sql: `
    ALTER TABLE units ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
  `,
};

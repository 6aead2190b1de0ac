import { describe, expect, it } from 'vitest';
import { newId, sortableId } from './db.js';

describe('ids', () => {
  it('sortable ids are unique, shaped like the others, and sort in creation order', () => {
    const ids = Array.from({ length: 5000 }, () => sortableId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [...ids, newId()]) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect([...ids].sort()).toEqual(ids);
  });
});

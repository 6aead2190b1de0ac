import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExists, Invalid, NotFound, PreconditionFailed } from '../../core/errors.js';
import type { DavCollection, DavItemInput, Store } from '../types.js';
import { FileBlobs } from './blobs.js';
import { SqliteChanges } from './changes.js';
import { SqliteDav } from './dav.js';
import { WalSync } from './wal-sync.js';
import { openDatabase } from './db.js';
import { openSqliteStore } from './index.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'facteur-dav-'));
  store = await openSqliteStore({ dataDir: dir });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function calendar(slug = 'personal', ownerId = 'u1'): Promise<DavCollection> {
  return store.dav.createCollection({
    ownerType: 'user', ownerId, kind: 'calendar', slug, displayName: 'Personal', description: '',
    color: '#3366ff', components: ['VEVENT', 'VTODO'], props: {},
  });
}

function event(name: string, uid: string, span: [number | null, number | null] = [null, null], data = `BEGIN:VCALENDAR\r\nUID:${uid}\r\nEND:VCALENDAR\r\n`): DavItemInput {
  const [start, end] = span;
  return {
    name, uid, data, componentType: 'VEVENT',
    firstStart: start === null ? null : new Date(start), lastEnd: end === null ? null : new Date(end),
  };
}

describe('collections', () => {
  it('refuses a second collection of the same owner, kind and slug', async () => {
    const c = await calendar();
    expect(c.syncToken).toBe(0);
    await expect(calendar()).rejects.toBeInstanceOf(AlreadyExists);
    // Same slug is fine for another owner or another kind.
    await calendar('personal', 'u2');
    await store.dav.createCollection({ ownerType: 'user', ownerId: 'u1', kind: 'addressbook', slug: 'personal', displayName: 'Contacts', description: '', color: null, components: [], props: {} });
    expect((await store.dav.listCollections('user', 'u1')).map((x) => x.kind)).toEqual(['addressbook', 'calendar']);
    expect((await store.dav.listCollections('user', 'u1', 'calendar')).map((x) => x.id)).toEqual([c.id]);
    expect((await store.dav.findCollection('user', 'u1', 'calendar', 'personal'))?.id).toBe(c.id);
  });

  it('keeps dead properties and bumps the sync token (CTag) on a property change', async () => {
    const c = await calendar();
    const updated = await store.dav.updateCollection(c.id, { displayName: 'Work', props: { '{http://apple.com/ns/ical/}calendar-order': '2' } });
    expect(updated.displayName).toBe('Work');
    expect(updated.color).toBe('#3366ff');
    expect(updated.syncToken).toBe(1);
    const again = await store.dav.getCollection(c.id);
    expect(again?.props).toEqual({ '{http://apple.com/ns/ical/}calendar-order': '2' });
    expect(again?.components).toEqual(['VEVENT', 'VTODO']);
    await expect(store.dav.updateCollection('nope', { displayName: 'x' })).rejects.toBeInstanceOf(NotFound);
  });

  it('deletes the items and tombstones of a deleted collection', async () => {
    const c = await calendar();
    await store.dav.putItem(c.id, event('a.ics', 'a'));
    await store.dav.putItem(c.id, event('b.ics', 'b'));
    await store.dav.deleteItem(c.id, 'b.ics');
    await store.dav.deleteCollection(c.id);
    expect(await store.dav.getCollection(c.id)).toBeNull();
    expect(await store.dav.getItem(c.id, 'a.ics')).toBeNull();
    const raw = new Database(path.join(dir, 'facteur.db'), { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) FROM dav_items').pluck().get()).toBe(0);
      expect(raw.prepare('SELECT COUNT(*) FROM dav_tombstones').pluck().get()).toBe(0);
    } finally {
      raw.close();
    }
    await expect(store.dav.deleteCollection(c.id)).rejects.toBeInstanceOf(NotFound);
  });
});

describe('items', () => {
  it('creates then replaces by name, with a strong ETag that follows the content', async () => {
    const c = await calendar();
    const first = await store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'one'));
    expect(first.created).toBe(true);
    expect(first.item.etag).toMatch(/^"[0-9a-f]{16,}"$/);
    expect(first.item.modseq).toBe(1);
    expect(first.item.size).toBe(3);
    const second = await store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'two'));
    expect(second.created).toBe(false);
    expect(second.item.etag).not.toBe(first.item.etag);
    expect(second.item.modseq).toBe(2);
    expect((await store.dav.getItem(c.id, 'a.ics'))?.data).toBe('two');
    expect((await store.dav.getCollection(c.id))?.syncToken).toBe(2);
    await expect(store.dav.putItem('nope', event('a.ics', 'a'))).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses a UID already used by another item of the collection (no-uid-conflict)', async () => {
    const c = await calendar();
    const other = await calendar('work');
    await store.dav.putItem(c.id, event('a.ics', 'same-uid'));
    await expect(store.dav.putItem(c.id, event('b.ics', 'same-uid'))).rejects.toBeInstanceOf(AlreadyExists);
    expect(await store.dav.getItem(c.id, 'b.ics')).toBeNull();
    // The refused put changed nothing, not even the token.
    expect((await store.dav.getCollection(c.id))?.syncToken).toBe(1);
    // Rewriting the same resource, or using the UID in another collection, is allowed.
    await store.dav.putItem(c.id, event('a.ics', 'same-uid', [null, null], 'v2'));
    await store.dav.putItem(other.id, event('b.ics', 'same-uid'));
  });

  it('honours If-None-Match: * and If-Match', async () => {
    const c = await calendar();
    const { item } = await store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'v1'), { ifNoneMatch: '*' });
    await expect(store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'v2'), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailed);
    await expect(store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'v2'), { ifMatch: '"stale"' })).rejects.toBeInstanceOf(PreconditionFailed);
    await expect(store.dav.putItem(c.id, event('new.ics', 'n'), { ifMatch: item.etag })).rejects.toBeInstanceOf(PreconditionFailed);
    expect(await store.dav.getItem(c.id, 'new.ics')).toBeNull();
    expect((await store.dav.getItem(c.id, 'a.ics'))?.data).toBe('v1');

    const v2 = await store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'v2'), { ifMatch: item.etag });
    expect(v2.item.data).toBe('v2');
    await expect(store.dav.deleteItem(c.id, 'a.ics', { ifMatch: item.etag })).rejects.toBeInstanceOf(PreconditionFailed);
    await store.dav.deleteItem(c.id, 'a.ics', { ifMatch: v2.item.etag });
    await expect(store.dav.deleteItem(c.id, 'a.ics')).rejects.toBeInstanceOf(NotFound);
  });

  it('rejects names that are not one URL segment', async () => {
    const c = await calendar();
    await expect(store.dav.putItem(c.id, event('a/b.ics', 'a'))).rejects.toBeInstanceOf(Invalid);
    await expect(store.dav.putItem(c.id, event('', 'a'))).rejects.toBeInstanceOf(Invalid);
  });
});

describe('time-range and component filters', () => {
  it('returns the items whose span overlaps the range, null bounds being open', async () => {
    const c = await calendar();
    await store.dav.putItem(c.id, event('bounded.ics', 'b', [10, 20]));
    await store.dav.putItem(c.id, event('forever.ics', 'f', [30, null]));
    await store.dav.putItem(c.id, event('always-until-5.ics', 'u', [null, 5]));
    await store.dav.putItem(c.id, event('undated.ics', 'x', [null, null]));
    await store.dav.putItem(c.id, event('instant.ics', 'i', [40, 40]));
    const names = async (start: number | null, end: number | null) =>
      (await store.dav.listItems(c.id, { range: { start: start === null ? null : new Date(start), end: end === null ? null : new Date(end) } })).map((i) => i.name).sort();

    expect(await names(12, 15)).toEqual(['bounded.ics', 'undated.ics']);
    // Ranges are half-open: touching an end is not overlapping.
    expect(await names(20, 30)).toEqual(['undated.ics']);
    expect(await names(0, 10)).toEqual(['always-until-5.ics', 'undated.ics']);
    expect(await names(1000, 2000)).toEqual(['forever.ics', 'undated.ics']);
    expect(await names(-1e12, 0)).toEqual(['always-until-5.ics', 'undated.ics']);
    // An instant matches a range starting on it (RFC 4791 §9.9), not one ending on it.
    expect(await names(40, 41)).toEqual(['forever.ics', 'instant.ics', 'undated.ics']);
    expect(await names(39, 40)).toEqual(['forever.ics', 'undated.ics']);
    expect(await names(null, 6)).toEqual(['always-until-5.ics', 'undated.ics']);
    expect(await names(35, null)).toEqual(['forever.ics', 'instant.ics', 'undated.ics']);
    expect((await names(null, null)).length).toBe(5);
  });

  it('filters by component type', async () => {
    const c = await calendar();
    await store.dav.putItem(c.id, event('e.ics', 'e'));
    await store.dav.putItem(c.id, { ...event('t.ics', 't'), componentType: 'VTODO' });
    expect((await store.dav.listItems(c.id, { componentType: 'VTODO' })).map((i) => i.name)).toEqual(['t.ics']);
    expect((await store.dav.listItems(c.id)).map((i) => i.name)).toEqual(['e.ics', 't.ics']);
  });
});

describe('sync tokens', () => {
  it('reports changes and deletions after a token, and still does after a restart', async () => {
    const c = await calendar();
    await store.dav.putItem(c.id, event('a.ics', 'a'));
    await store.dav.putItem(c.id, event('b.ics', 'b'));
    const t2 = (await store.dav.changesSince(c.id, 0));
    expect(t2).toEqual({ token: 2, changed: ['a.ics', 'b.ics'], deleted: [] });

    await store.dav.putItem(c.id, event('a.ics', 'a', [null, null], 'edited'));
    await store.dav.deleteItem(c.id, 'b.ics');
    await store.dav.putItem(c.id, event('c.ics', 'c'));
    expect(await store.dav.changesSince(c.id, 2)).toEqual({ token: 5, changed: ['a.ics', 'c.ics'], deleted: ['b.ics'] });
    expect(await store.dav.changesSince(c.id, 4)).toEqual({ token: 5, changed: ['c.ics'], deleted: [] });
    expect(await store.dav.changesSince(c.id, 5)).toEqual({ token: 5, changed: [], deleted: [] });
    // An initial sync has nothing to forget.
    expect(await store.dav.changesSince(c.id, 0)).toEqual({ token: 5, changed: ['a.ics', 'c.ics'], deleted: [] });
    await expect(store.dav.changesSince(c.id, 6)).rejects.toBeInstanceOf(Invalid);
    await expect(store.dav.changesSince(c.id, -1)).rejects.toBeInstanceOf(Invalid);
    await expect(store.dav.changesSince('nope', 0)).rejects.toBeInstanceOf(NotFound);

    // A name deleted then re-created is a change, not a deletion.
    await store.dav.putItem(c.id, event('b.ics', 'b2'));
    expect(await store.dav.changesSince(c.id, 2)).toEqual({ token: 6, changed: ['a.ics', 'c.ics', 'b.ics'], deleted: [] });

    await store.close();
    store = await openSqliteStore({ dataDir: dir });
    expect((await store.dav.getCollection(c.id))?.syncToken).toBe(6);
    expect(await store.dav.changesSince(c.id, 5)).toEqual({ token: 6, changed: ['b.ics'], deleted: [] });
    await store.dav.deleteItem(c.id, 'a.ics');
    expect(await store.dav.changesSince(c.id, 6)).toEqual({ token: 7, changed: [], deleted: ['a.ics'] });
  });

  it('refuses a token older than the pruned tombstones', async () => {
    await store.close();
    const db = openDatabase(path.join(dir, 'facteur.db'));
    try {
      const blobs = new FileBlobs(db, dir);
      const dav = new SqliteDav({ db, blobs, changes: new SqliteChanges(db), walSync: new WalSync(db) }, { tombstoneRetentionMs: -1 });
      const c = await dav.createCollection({ ownerType: 'group', ownerId: 'g1', kind: 'addressbook', slug: 'shared', displayName: 'Shared', description: '', color: null, components: [], props: {} });
      await dav.putItem(c.id, { ...event('a.vcf', 'a'), componentType: 'VCARD' });
      await dav.putItem(c.id, { ...event('b.vcf', 'b'), componentType: 'VCARD' });
      await dav.deleteItem(c.id, 'a.vcf'); // token 3, its tombstone pruned at once
      await expect(dav.changesSince(c.id, 2)).rejects.toBeInstanceOf(Invalid);
      expect(await dav.changesSince(c.id, 3)).toEqual({ token: 3, changed: [], deleted: [] });
      expect(await dav.changesSince(c.id, 0)).toEqual({ token: 3, changed: ['b.vcf'], deleted: [] });
    } finally {
      db.close();
    }
    store = await openSqliteStore({ dataDir: dir });
  });

  it('records change events with the new token, for the owning user only', async () => {
    const c = await calendar('personal', 'u9');
    const from = await store.changes.latest();
    await store.dav.putItem(c.id, event('a.ics', 'a'));
    await store.dav.updateCollection(c.id, { color: null });
    const events = await store.changes.since(from);
    expect(events.map((e) => [e.kind, e.userId, e.collectionId, e.modseq])).toEqual([
      ['dav.item', 'u9', c.id, 1],
      ['dav.collection', 'u9', c.id, 2],
    ]);
    const shared = await store.dav.createCollection({ ownerType: 'directory', ownerId: 'district', kind: 'addressbook', slug: 'gal', displayName: 'Directory', description: '', color: null, components: [], props: {} });
    await store.dav.putItem(shared.id, { ...event('x.vcf', 'x'), componentType: 'VCARD' });
    const last = (await store.changes.since(from)).at(-1);
    expect(last?.userId).toBeNull();
    expect(last?.collectionId).toBe(shared.id);
  });
});

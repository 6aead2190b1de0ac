// Calendars and address books: collections, items with ETags and preconditions (RFC 7232),
// the CalDAV UID rule (RFC 4791 §5.3.2.1), sync tokens (RFC 6578) and time-range pre-filtering.
import { expect } from 'vitest';
import { AlreadyExists, Invalid, NotFound, PreconditionFailed } from '../../../core/errors.js';
import type { DavCollection, DavItemInput, Id, Store } from '../../../storage/types.js';
import { makeUser, rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

async function calendar(store: Store, ownerId?: Id, slug = 'default'): Promise<DavCollection> {
  const owner = ownerId ?? (await makeUser(store, 'alice')).id;
  return store.dav.createCollection({
    ownerType: 'user', ownerId: owner, kind: 'calendar', slug, displayName: 'Agenda', description: 'Cours et réunions',
    color: '#3366ccff', components: ['VEVENT', 'VTODO'], props: {},
  });
}

function event(name: string, uid: string, summary: string, start: string | null, end: string | null): DavItemInput {
  const data = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//FR', 'BEGIN:VEVENT', `UID:${uid}`, `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
  return { name, uid, data, componentType: 'VEVENT', firstStart: start ? new Date(start) : null, lastEnd: end ? new Date(end) : null };
}

export function registerDavTests({ test }: Suite): void {
  test('collections are created, found, listed, updated and deleted', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const cal = await calendar(store, alice.id);
    expect(cal).toMatchObject({ ownerType: 'user', ownerId: alice.id, kind: 'calendar', slug: 'default', displayName: 'Agenda', description: 'Cours et réunions', color: '#3366ccff', components: ['VEVENT', 'VTODO'], props: {} });
    expect(typeof cal.syncToken).toBe('number');
    await rejects(calendar(store, alice.id), AlreadyExists);
    const book = await store.dav.createCollection({ ownerType: 'user', ownerId: alice.id, kind: 'addressbook', slug: 'default', displayName: 'Contacts', description: '', color: null, components: [], props: {} });
    const dir = await store.dav.createCollection({ ownerType: 'directory', ownerId: 'district', kind: 'addressbook', slug: 'annuaire', displayName: 'Annuaire', description: '', color: null, components: [], props: {} });

    expect(await store.dav.getCollection(cal.id)).toEqual(cal);
    expect(await store.dav.getCollection('no-such-collection')).toBeNull();
    expect((await store.dav.findCollection('user', alice.id, 'addressbook', 'default'))?.id).toBe(book.id);
    expect((await store.dav.findCollection('directory', 'district', 'addressbook', 'annuaire'))?.id).toBe(dir.id);
    expect(await store.dav.findCollection('user', alice.id, 'calendar', 'other')).toBeNull();
    expect((await store.dav.listCollections('user', alice.id)).map((c) => c.id).sort()).toEqual([cal.id, book.id].sort());
    expect((await store.dav.listCollections('user', alice.id, 'calendar')).map((c) => c.id)).toEqual([cal.id]);

    const updated = await store.dav.updateCollection(cal.id, { displayName: 'Emploi du temps', color: null, props: { '{http://apple.com/ns/ical/}calendar-order': '2' } });
    expect(updated).toMatchObject({ id: cal.id, displayName: 'Emploi du temps', description: 'Cours et réunions', color: null, props: { '{http://apple.com/ns/ical/}calendar-order': '2' } });
    expect(updated.syncToken).toBeGreaterThan(cal.syncToken);
    expect(await store.dav.getCollection(cal.id)).toEqual(updated);

    await store.dav.deleteCollection(cal.id);
    expect(await store.dav.getCollection(cal.id)).toBeNull();
    await rejects(store.dav.deleteCollection(cal.id), NotFound);
    // The slug is free again.
    await calendar(store, alice.id);
  });

  test('putItem creates then replaces an item with a new ETag', async ({ store }) => {
    const cal = await calendar(store);
    const first = await store.dav.putItem(cal.id, event('cours.ics', 'uid-1', 'Cours de français — 6eB', '2025-09-01T08:00:00Z', '2025-09-01T09:00:00Z'));
    expect(first.created).toBe(true);
    expect(first.item).toMatchObject({ collectionId: cal.id, name: 'cours.ics', uid: 'uid-1', componentType: 'VEVENT' });
    expect(first.item.etag).not.toBe('');
    expect(first.item.size).toBe(Buffer.byteLength(first.item.data, 'utf8'));
    expect(first.item.firstStart?.toISOString()).toBe('2025-09-01T08:00:00.000Z');
    const got = await store.dav.getItem(cal.id, 'cours.ics');
    expect(got).toEqual(first.item);

    const second = await store.dav.putItem(cal.id, event('cours.ics', 'uid-1', 'Cours de français — salle 12', '2025-09-01T08:00:00Z', '2025-09-01T09:00:00Z'));
    expect(second.created).toBe(false);
    expect(second.item.etag).not.toBe(first.item.etag);
    expect(second.item.modseq).toBeGreaterThan(first.item.modseq);
    expect((await store.dav.getItem(cal.id, 'cours.ics'))?.data).toContain('salle 12');
    expect(await store.dav.getItem(cal.id, 'absent.ics')).toBeNull();
    expect((await store.dav.getCollection(cal.id))!.syncToken).toBeGreaterThan(cal.syncToken);
  });

  test('two items of a collection cannot share a UID', async ({ store }) => {
    const cal = await calendar(store);
    const other = await calendar(store, cal.ownerId, 'other');
    await store.dav.putItem(cal.id, event('a.ics', 'same-uid', 'A', null, null));
    await rejects(store.dav.putItem(cal.id, event('b.ics', 'same-uid', 'B', null, null)), AlreadyExists);
    expect(await store.dav.getItem(cal.id, 'b.ics')).toBeNull();
    // Another collection may hold the same UID.
    expect((await store.dav.putItem(other.id, event('b.ics', 'same-uid', 'B', null, null))).created).toBe(true);
  });

  test('If-Match and If-None-Match are honoured', async ({ store }) => {
    const cal = await calendar(store);
    const { item } = await store.dav.putItem(cal.id, event('a.ics', 'u-a', 'A', null, null), { ifNoneMatch: '*' });
    await rejects(store.dav.putItem(cal.id, event('a.ics', 'u-a', 'A2', null, null), { ifNoneMatch: '*' }), PreconditionFailed);
    await rejects(store.dav.putItem(cal.id, event('a.ics', 'u-a', 'A2', null, null), { ifMatch: '"wrong"' }), PreconditionFailed);
    // RFC 7232 §3.1: If-Match is false when there is no current representation.
    await rejects(store.dav.putItem(cal.id, event('new.ics', 'u-new', 'N', null, null), { ifMatch: item.etag }), PreconditionFailed);
    expect(await store.dav.getItem(cal.id, 'new.ics')).toBeNull();
    expect((await store.dav.getItem(cal.id, 'a.ics'))?.etag).toBe(item.etag);
    const replaced = await store.dav.putItem(cal.id, event('a.ics', 'u-a', 'A3', null, null), { ifMatch: item.etag });
    expect(replaced.created).toBe(false);

    await rejects(store.dav.deleteItem(cal.id, 'a.ics', { ifMatch: item.etag }), PreconditionFailed);
    expect(await store.dav.getItem(cal.id, 'a.ics')).not.toBeNull();
    await store.dav.deleteItem(cal.id, 'a.ics', { ifMatch: replaced.item.etag });
    expect(await store.dav.getItem(cal.id, 'a.ics')).toBeNull();
    await rejects(store.dav.deleteItem(cal.id, 'a.ics'), NotFound);
  });

  test('changesSince reports changed and deleted items, and tokens survive reopen', async (ctx) => {
    const cal = await calendar(ctx.store);
    const t0 = (await ctx.store.dav.getCollection(cal.id))!.syncToken;
    await ctx.store.dav.putItem(cal.id, event('a.ics', 'a', 'A', null, null));
    await ctx.store.dav.putItem(cal.id, event('b.ics', 'b', 'B', null, null));
    const c1 = await ctx.store.dav.changesSince(cal.id, t0);
    expect(c1.changed.sort()).toEqual(['a.ics', 'b.ics']);
    expect(c1.deleted).toEqual([]);
    expect(c1.token).toBeGreaterThan(t0);
    expect((await ctx.store.dav.getCollection(cal.id))!.syncToken).toBe(c1.token);

    await ctx.store.dav.deleteItem(cal.id, 'a.ics');
    await ctx.store.dav.putItem(cal.id, event('b.ics', 'b', 'B2', null, null));
    await ctx.store.dav.putItem(cal.id, event('c.ics', 'c', 'C', null, null));
    const c2 = await ctx.store.dav.changesSince(cal.id, c1.token);
    expect(c2.changed.sort()).toEqual(['b.ics', 'c.ics']);
    expect(c2.deleted).toEqual(['a.ics']);
    expect(c2.token).toBeGreaterThan(c1.token);
    expect(await ctx.store.dav.changesSince(cal.id, c2.token)).toEqual({ token: c2.token, changed: [], deleted: [] });
    // From the beginning: every live item, and nothing live reported deleted.
    const all = await ctx.store.dav.changesSince(cal.id, t0);
    expect(all.changed.sort()).toEqual(['b.ics', 'c.ics']);
    expect(all.deleted.filter((n) => n !== 'a.ics')).toEqual([]);

    const store = await ctx.reopen();
    expect((await store.dav.getCollection(cal.id))!.syncToken).toBe(c2.token);
    const again = await store.dav.changesSince(cal.id, c1.token);
    expect(again.changed.sort()).toEqual(['b.ics', 'c.ics']);
    expect(again.deleted).toEqual(['a.ics']);
    await store.dav.putItem(cal.id, event('d.ics', 'd', 'D', null, null));
    const c3 = await store.dav.changesSince(cal.id, c2.token);
    expect(c3.changed).toEqual(['d.ics']);
    expect(c3.token).toBeGreaterThan(c2.token);
  });

  test('an unknown sync token is Invalid', async ({ store }) => {
    const cal = await calendar(store);
    await store.dav.putItem(cal.id, event('a.ics', 'a', 'A', null, null));
    const token = (await store.dav.getCollection(cal.id))!.syncToken;
    await rejects(store.dav.changesSince(cal.id, token + 1000), Invalid);
  });

  test('listItems filters by component and overlapping time range', async ({ store }) => {
    const cal = await calendar(store);
    await store.dav.putItem(cal.id, event('jan.ics', 'jan', 'Janvier', '2025-01-10T08:00:00Z', '2025-01-10T10:00:00Z'));
    await store.dav.putItem(cal.id, event('feb.ics', 'feb', 'Février', '2025-02-10T08:00:00Z', '2025-02-10T10:00:00Z'));
    await store.dav.putItem(cal.id, event('weekly.ics', 'weekly', 'Chaque lundi', '2025-03-03T08:00:00Z', null));
    await store.dav.putItem(cal.id, { ...event('todo.ics', 'todo', 'Corriger', '2025-01-20T00:00:00Z', '2025-01-21T00:00:00Z'), componentType: 'VTODO' });

    const names = async (range?: { start: Date | null; end: Date | null }, componentType?: string) =>
      (await store.dav.listItems(cal.id, { range, componentType })).map((i) => i.name).sort();
    expect(await names()).toEqual(['feb.ics', 'jan.ics', 'todo.ics', 'weekly.ics']);
    expect(await names(undefined, 'VTODO')).toEqual(['todo.ics']);
    expect(await names({ start: new Date('2025-02-01T00:00:00Z'), end: new Date('2025-02-28T00:00:00Z') })).toEqual(['feb.ics']);
    expect(await names({ start: new Date('2025-01-01T00:00:00Z'), end: new Date('2025-02-01T00:00:00Z') }, 'VEVENT')).toEqual(['jan.ics']);
    // An unbounded recurrence overlaps every later range.
    expect(await names({ start: new Date('2030-06-01T00:00:00Z'), end: new Date('2030-07-01T00:00:00Z') })).toEqual(['weekly.ics']);
    expect(await names({ start: null, end: new Date('2025-01-15T00:00:00Z') })).toEqual(['jan.ics']);
    expect(await names({ start: new Date('2025-02-05T00:00:00Z'), end: null })).toEqual(['feb.ics', 'weekly.ics']);
  });

  test('deleting a collection removes its items', async ({ store }) => {
    const cal = await calendar(store);
    await store.dav.putItem(cal.id, event('a.ics', 'a', 'A', null, null));
    await store.dav.deleteCollection(cal.id);
    expect(await store.dav.getItem(cal.id, 'a.ics')).toBeNull();
    const fresh = await calendar(store, cal.ownerId);
    expect(await store.dav.listItems(fresh.id)).toEqual([]);
  });
}

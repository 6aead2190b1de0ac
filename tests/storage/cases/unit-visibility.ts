// AccountStore.setUnitHidden (a unit hidden from other units in the directory) and
// DavStore.findItemByUid (one item by its UID, without listing the collection).
import { expect } from 'vitest';
import { NotFound } from '../../../core/errors.js';
import type { DavItemInput } from '../../../storage/types.js';
import { makeUser, rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

function event(name: string, uid: string): DavItemInput {
  return {
    name, uid, componentType: 'VEVENT', firstStart: null, lastEnd: null,
    data: `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
  };
}

export function registerUnitVisibilityTests({ test }: Suite): void {
  test('units start visible; setUnitHidden flips the flag and keeps it across a restart', async ({ store, reopen }) => {
    await store.accounts.ensureUnit({ name: 'district' });
    const school = await store.accounts.ensureUnit({ name: 'ecole-a', parent: 'district', displayName: 'École A' });
    expect(school.hidden).toBe(false);
    const hidden = await store.accounts.setUnitHidden('ecole-a', true);
    expect(hidden).toEqual({ name: 'ecole-a', parent: 'district', displayName: 'École A', hidden: true });
    // ensureUnit on an existing unit leaves the flag alone.
    expect((await store.accounts.ensureUnit({ name: 'ecole-a' })).hidden).toBe(true);
    const again = await reopen();
    const units = await again.accounts.listUnits();
    expect(units.map((u) => [u.name, u.hidden])).toEqual([['district', false], ['ecole-a', true]]);
    expect((await again.accounts.setUnitHidden('ecole-a', false)).hidden).toBe(false);
    expect((await again.accounts.listUnits()).every((u) => !u.hidden)).toBe(true);
  });

  test('setUnitHidden on an unknown unit is NotFound and changes nothing', async ({ store }) => {
    await store.accounts.ensureUnit({ name: 'ecole-a' });
    const before = await store.changes.latest();
    await rejects(store.accounts.setUnitHidden('ecole-z', true), NotFound);
    expect(await store.changes.latest()).toBe(before);
    expect((await store.accounts.listUnits()).map((u) => u.hidden)).toEqual([false]);
  });

  test('setUnitHidden records one account.unit change when the flag changes, none otherwise', async ({ store }) => {
    await store.accounts.ensureUnit({ name: 'ecole-a' });
    const start = await store.changes.latest();
    await store.accounts.setUnitHidden('ecole-a', true);
    await store.accounts.setUnitHidden('ecole-a', true);
    const events = await store.changes.since(start);
    expect(events.map((e) => e.kind)).toEqual(['account.unit']);
    await store.accounts.setUnitHidden('ecole-a', false);
    expect((await store.changes.since(start)).map((e) => e.kind)).toEqual(['account.unit', 'account.unit']);
  });

  test('a new unit, by ensureUnit or made with a user, records an account.unit change; an existing one none', async ({ store }) => {
    const start = await store.changes.latest();
    await store.accounts.ensureUnit({ name: 'ecole-a' });
    await store.accounts.ensureUnit({ name: 'ecole-a' });
    expect((await store.changes.since(start)).map((e) => e.kind)).toEqual(['account.unit']);
    const next = await store.changes.latest();
    await makeUser(store, 'alice', { unit: 'ecole-b' });
    await makeUser(store, 'bob', { unit: 'ecole-b' });
    expect((await store.changes.since(next)).map((e) => e.kind).filter((k) => k === 'account.unit')).toEqual(['account.unit']);
    expect((await store.accounts.listUnits()).map((u) => u.name)).toEqual(['ecole-a', 'ecole-b']);
  });

  test('findItemByUid finds the item holding a UID in that collection only', async ({ store }) => {
    const user = await makeUser(store, 'alice');
    const base = { ownerType: 'user' as const, ownerId: user.id, kind: 'calendar' as const, description: '', color: null, components: ['VEVENT'], props: {} };
    const work = await store.dav.createCollection({ ...base, slug: 'work', displayName: 'Work' });
    const home = await store.dav.createCollection({ ...base, slug: 'home', displayName: 'Home' });
    await store.dav.putItem(work.id, event('a.ics', 'uid-a@test'));
    await store.dav.putItem(work.id, event('b.ics', 'uid-b@test'));
    const found = await store.dav.findItemByUid(work.id, 'uid-b@test');
    expect(found).toMatchObject({ collectionId: work.id, name: 'b.ics', uid: 'uid-b@test' });
    expect(found!.etag).toBe((await store.dav.getItem(work.id, 'b.ics'))!.etag);
    expect(await store.dav.findItemByUid(home.id, 'uid-b@test')).toBeNull();
    expect(await store.dav.findItemByUid(work.id, 'UID-B@TEST')).toBeNull();
    // A UID follows its item: renamed content, deletion.
    await store.dav.deleteItem(work.id, 'b.ics');
    expect(await store.dav.findItemByUid(work.id, 'uid-b@test')).toBeNull();
    await store.dav.putItem(work.id, event('a.ics', 'uid-c@test'));
    expect(await store.dav.findItemByUid(work.id, 'uid-a@test')).toBeNull();
    expect((await store.dav.findItemByUid(work.id, 'uid-c@test'))!.name).toBe('a.ics');
    expect(await store.dav.findItemByUid('no-such-collection', 'uid-c@test')).toBeNull();
  });
}

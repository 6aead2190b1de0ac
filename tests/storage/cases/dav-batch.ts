// DavStore.putItems: several items written as one atomic step (the directory address book
// writes thousands of cards at once).
import { expect } from 'vitest';
import { AlreadyExists, Invalid, NotFound } from '../../../core/errors.js';
import type { DavItemInput } from '../../../storage/types.js';
import { rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

function card(name: string, uid: string, fn: string): DavItemInput {
  return { name, uid, data: `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nEND:VCARD\r\n`, componentType: 'VCARD', firstStart: null, lastEnd: null };
}

export function registerDavBatchTests({ test }: Suite): void {
  test('putItems writes every item, each with its own modseq, and sync reports them', async ({ store }) => {
    const book = await store.dav.createCollection({ ownerType: 'directory', ownerId: 'd', kind: 'addressbook', slug: 'directory', displayName: 'D', description: '', color: null, components: [], props: {} });
    await store.dav.putItem(book.id, card('a.vcf', 'a', 'Old A'));
    const token = (await store.dav.getCollection(book.id))!.syncToken;
    const written = await store.dav.putItems(book.id, [card('a.vcf', 'a', 'New A'), card('b.vcf', 'b', 'B'), card('c.vcf', 'c', 'C')]);
    expect(written.map((i) => i.name)).toEqual(['a.vcf', 'b.vcf', 'c.vcf']);
    expect(new Set(written.map((i) => i.modseq)).size).toBe(3);
    expect((await store.dav.getItem(book.id, 'a.vcf'))!.data).toContain('FN:New A');
    const changes = await store.dav.changesSince(book.id, token);
    expect(changes.changed.sort()).toEqual(['a.vcf', 'b.vcf', 'c.vcf']);
    expect(changes.token).toBe((await store.dav.getCollection(book.id))!.syncToken);
    expect(await store.dav.putItems(book.id, [])).toEqual([]);
  });

  test('putItems is all or nothing', async ({ store }) => {
    const book = await store.dav.createCollection({ ownerType: 'directory', ownerId: 'd', kind: 'addressbook', slug: 'directory', displayName: 'D', description: '', color: null, components: [], props: {} });
    await store.dav.putItem(book.id, card('held.vcf', 'taken', 'Held'));
    const before = (await store.dav.getCollection(book.id))!.syncToken;
    await rejects(store.dav.putItems(book.id, [card('x.vcf', 'x', 'X'), card('y.vcf', 'taken', 'Y')]), AlreadyExists);
    await rejects(store.dav.putItems(book.id, [card('x.vcf', 'x', 'X'), card('x.vcf', 'x2', 'X2')]), Invalid);
    await rejects(store.dav.putItems(book.id, [card('x.vcf', 'x', 'X'), card('../z', 'z', 'Z')]), Invalid);
    await rejects(store.dav.putItems('no-such-collection', [card('x.vcf', 'x', 'X')]), NotFound);
    expect(await store.dav.getItem(book.id, 'x.vcf')).toBeNull();
    expect((await store.dav.getCollection(book.id))!.syncToken).toBe(before);
  });
}

// DavStore.getItems: the items a multiget names, read in one go (in the order asked, missing
// names left out, never an item of another collection).
import { expect } from 'vitest';
import type { DavItemInput } from '../../../storage/types.js';
import type { Suite } from '../suite.js';

function card(name: string, fn: string): DavItemInput {
  const uid = `uid-${name}`;
  return { name, uid, data: `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nEND:VCARD\r\n`, componentType: 'VCARD', firstStart: null, lastEnd: null };
}

const book = (slug: string) => ({ ownerType: 'user' as const, ownerId: 'u1', kind: 'addressbook' as const, slug, displayName: slug, description: '', color: null, components: [], props: {} });

export function registerDavGetItemsTests({ test }: Suite): void {
  test('getItems returns the named items in the order asked, each once, without the missing ones', async ({ store }) => {
    const a = await store.dav.createCollection(book('a'));
    const b = await store.dav.createCollection(book('b'));
    await store.dav.putItem(a.id, card('1.vcf', 'One'));
    await store.dav.putItem(a.id, card('2.vcf', 'Two'));
    await store.dav.putItem(a.id, card('3.vcf', 'Three'));
    await store.dav.putItem(b.id, card('4.vcf', 'Four of b'));
    const got = await store.dav.getItems(a.id, ['3.vcf', 'nope.vcf', '1.vcf', '4.vcf', '3.vcf']);
    expect(got.map((i) => i.name)).toEqual(['3.vcf', '1.vcf']);
    // Whole items, as getItem gives them.
    expect(got[0]).toEqual(await store.dav.getItem(a.id, '3.vcf'));
    expect(got[1].data).toContain('FN:One');
    expect(await store.dav.getItems(a.id, [])).toEqual([]);
    expect(await store.dav.getItems('no-such-collection', ['1.vcf'])).toEqual([]);
    expect((await store.dav.getItems(b.id, ['1.vcf', '4.vcf'])).map((i) => i.name)).toEqual(['4.vcf']);
  });

  test('getItems reads a long list of names (past a backend\'s per-query parameter limit)', async ({ store }) => {
    const a = await store.dav.createCollection(book('a'));
    const names = Array.from({ length: 1500 }, (_, i) => `c${i}.vcf`);
    await store.dav.putItems(a.id, names.map((n) => card(n, n)));
    await store.dav.deleteItem(a.id, 'c700.vcf');
    // Every other name, backwards, with unknown names between them.
    const asked = names.filter((_, i) => i % 2 === 0).reverse().flatMap((n) => [n, `x-${n}`]);
    const got = await store.dav.getItems(a.id, asked);
    expect(got.map((i) => i.name)).toEqual(names.filter((n, i) => i % 2 === 0 && n !== 'c700.vcf').reverse());
    expect(got.every((i) => i.data.includes(`FN:${i.name}`))).toBe(true);
  });
}

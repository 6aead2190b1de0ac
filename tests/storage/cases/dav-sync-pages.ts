// DavStore.changesPage: sync-collection a page at a time (RFC 6578 §3.6 truncation, DAV:limit).
// Following `next` page after page must give a client exactly what one unlimited sync gives.
import { expect } from 'vitest';
import { Invalid } from '../../../core/errors.js';
import type { DavItemInput, Store } from '../../../storage/types.js';
import { rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

function card(name: string, fn = name): DavItemInput {
  return { name, uid: `uid-${name}`, data: `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:uid-${name}\r\nFN:${fn}\r\nEND:VCARD\r\n`, componentType: 'VCARD', firstStart: null, lastEnd: null };
}

async function book(store: Store) {
  return store.dav.createCollection({ ownerType: 'directory', ownerId: 'pages', kind: 'addressbook', slug: 'pages', displayName: 'P', description: '', color: null, components: [], props: {} });
}

/** Applies pages of `limit` to a client's set of names, as a syncing client would. */
async function syncInPages(store: Store, id: string, from: { token: number; floor?: number }, limit: number, held: Set<string>, between?: (page: number) => Promise<void>) {
  let cursor = from;
  for (let page = 0; ; page++) {
    const r = await store.dav.changesPage(id, cursor, limit);
    expect(r.changed.length + r.deleted.length).toBeLessThanOrEqual(limit);
    for (const n of r.changed) held.add(n);
    for (const n of r.deleted) held.delete(n);
    cursor = r.next;
    if (!r.truncated) return { cursor, pages: page + 1 };
    await between?.(page);
  }
}

export function registerDavSyncPageTests({ test }: Suite): void {
  test('changesPage without a limit is changesSince', async ({ store }) => {
    const b = await book(store);
    await store.dav.putItems(b.id, [card('a'), card('b'), card('c')]);
    const t = (await store.dav.getCollection(b.id))!.syncToken;
    await store.dav.deleteItem(b.id, 'b');
    await store.dav.putItem(b.id, card('a', 'A2'));
    const all = await store.dav.changesPage(b.id, { token: t });
    const since = await store.dav.changesSince(b.id, t);
    expect(all).toEqual({ changed: since.changed, deleted: since.deleted, truncated: false, next: { token: since.token, floor: since.token } });
    expect(all.changed).toEqual(['a']);
    expect(all.deleted).toEqual(['b']);
  });

  test('pages of an initial sync, with changes between the pages, end where one sync would', async ({ store }) => {
    const b = await book(store);
    await store.dav.putItems(b.id, ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => card(n)));
    await store.dav.deleteItem(b.id, 'g');
    const first = await store.dav.changesPage(b.id, { token: 0 }, 3);
    expect(first).toMatchObject({ changed: ['a', 'b', 'c'], deleted: [], truncated: true });
    const held = new Set(first.changed);
    // Between pages: an item already sent goes, one not yet sent goes, one comes, one changes.
    await store.dav.deleteItem(b.id, 'a');
    await store.dav.deleteItem(b.id, 'e');
    await store.dav.putItem(b.id, card('h'));
    await store.dav.putItem(b.id, card('b', 'B2'));
    const { cursor } = await syncInPages(store, b.id, first.next, 2, held);
    expect([...held].sort()).toEqual(['b', 'c', 'd', 'f', 'h']);
    const live = (await store.dav.listItems(b.id)).map((i) => i.name).sort();
    expect([...held].sort()).toEqual(live);
    expect(cursor).toEqual({ token: (await store.dav.getCollection(b.id))!.syncToken, floor: (await store.dav.getCollection(b.id))!.syncToken });
    expect(await store.dav.changesSince(b.id, cursor.token)).toMatchObject({ changed: [], deleted: [] });
  });

  test('pages from a token report changes and removals in the order they happened, one change per slot', async ({ store }) => {
    const b = await book(store);
    await store.dav.putItems(b.id, ['a', 'b', 'c', 'd'].map((n) => card(n)));
    const t = (await store.dav.getCollection(b.id))!.syncToken;
    await store.dav.deleteItem(b.id, 'a');
    await store.dav.putItem(b.id, card('e'));
    await store.dav.deleteItem(b.id, 'b');
    await store.dav.putItem(b.id, card('c', 'C2'));
    const seen: [string[], string[]][] = [];
    let cursor: { token: number; floor?: number } = { token: t };
    for (;;) {
      const r = await store.dav.changesPage(b.id, cursor, 1);
      if (r.changed.length + r.deleted.length) seen.push([r.changed, r.deleted]);
      cursor = r.next;
      if (!r.truncated) break;
    }
    expect(seen).toEqual([[[], ['a']], [['e'], []], [[], ['b']], [['c'], []]]);
    const held = new Set(['a', 'b', 'c', 'd']);
    await syncInPages(store, b.id, { token: t }, 3, held);
    expect([...held].sort()).toEqual(['c', 'd', 'e']);
  });

  test('changesPage refuses a bad cursor or limit', async ({ store }) => {
    const b = await book(store);
    await store.dav.putItem(b.id, card('a'));
    const t = (await store.dav.getCollection(b.id))!.syncToken;
    await rejects(store.dav.changesPage(b.id, { token: t + 1 }, 5), Invalid);
    await rejects(store.dav.changesPage(b.id, { token: 0, floor: t + 1 }, 5), Invalid);
    await rejects(store.dav.changesPage(b.id, { token: t, floor: 0 }, 5), Invalid);
    await rejects(store.dav.changesPage(b.id, { token: -1 }, 5), Invalid);
    await rejects(store.dav.changesPage(b.id, { token: 0 }, 0), Invalid);
    await rejects(store.dav.changesPage(b.id, { token: 0 }, 1.5), Invalid);
  });
}

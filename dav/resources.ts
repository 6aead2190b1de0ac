// From a path to what it names for this user. Whatever the user may not reach resolves to
// null exactly like what does not exist, so that probing never tells them apart.
import type { DavCollection, DavItem, DavKind, Group } from '../storage/index.js';
import type { DavRequest } from './context.js';
import {
  DIRECTORY_SLUG, GROUP_PREFIX, PRINCIPALS, ROOT, collectionHref, directorySlug, homeHref, itemHref, parsePath, principalHref,
} from './paths.js';
import { DEFAULT_CALENDAR } from '../core/index.js';

export type Scope = 'own' | 'group' | 'directory';

export interface CollectionResource {
  type: 'collection';
  kind: DavKind;
  href: string;
  collection: DavCollection;
  scope: Scope;
  writable: boolean;
}

export type Resource =
  | { type: 'root'; href: string }
  | { type: 'principals'; href: string }
  | { type: 'principal'; href: string }
  | { type: 'home'; kind: DavKind; href: string }
  | CollectionResource
  | { type: 'item'; href: string; parent: CollectionResource; name: string; item: DavItem | null }
  /** A free slug in the user's own home: where MKCOL/MKCALENDAR may create. */
  | { type: 'new-collection'; kind: DavKind; href: string; slug: string };

export async function resolve(ctx: DavRequest, pathname: string): Promise<Resource | null> {
  const p = parsePath(pathname);
  if (!p) return null;
  const me = ctx.user.address;
  switch (p.t) {
    case 'root': return { type: 'root', href: ROOT };
    case 'principals': return { type: 'principals', href: PRINCIPALS };
    case 'principal': return p.address === me ? { type: 'principal', href: principalHref(me) } : null;
    case 'home': return p.address === me ? { type: 'home', kind: p.kind, href: homeHref(p.kind, me) } : null;
    case 'collection': {
      if (p.address !== me) return null;
      const found = await findCollection(ctx, p.kind, p.slug);
      if (found) return found;
      if (p.slug === DIRECTORY_SLUG || p.slug.startsWith(GROUP_PREFIX)) return null;
      if (p.kind === 'addressbook' && p.slug.startsWith(`${DIRECTORY_SLUG}-`)) return null;
      return { type: 'new-collection', kind: p.kind, href: collectionHref(p.kind, me, p.slug), slug: p.slug };
    }
    case 'item': {
      if (p.address !== me) return null;
      const parent = await findCollection(ctx, p.kind, p.slug);
      if (!parent) return null;
      const item = await ctx.deps.store.dav.getItem(parent.collection.id, p.name);
      return { type: 'item', href: itemHref(parent.href, p.name), parent, name: p.name, item };
    }
  }
}

/** resolve() for each path, in order; the items named in one collection are read together
 *  (DavStore.getItems), so a multiget of 500 hrefs is one lookup, not 500. */
export async function resolveMany(ctx: DavRequest, pathnames: string[]): Promise<(Resource | null)[]> {
  const me = ctx.user.address;
  const out: (Resource | null)[] = new Array(pathnames.length).fill(null);
  const groups = new Map<string, { kind: DavKind; slug: string; at: { index: number; name: string }[] }>();
  await Promise.all(pathnames.map(async (pathname, index) => {
    const p = parsePath(pathname);
    if (p?.t !== 'item') {
      out[index] = await resolve(ctx, pathname);
      return;
    }
    if (p.address !== me) return;
    const key = `${p.kind}/${p.slug}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { kind: p.kind, slug: p.slug, at: [] }));
    group.at.push({ index, name: p.name });
  }));
  for (const { kind, slug, at } of groups.values()) {
    const parent = await findCollection(ctx, kind, slug);
    if (!parent) continue;
    const items = new Map((await ctx.deps.store.dav.getItems(parent.collection.id, at.map((a) => a.name))).map((i) => [i.name, i]));
    for (const { index, name } of at) {
      out[index] = { type: 'item', href: itemHref(parent.href, name), parent, name, item: items.get(name) ?? null };
    }
  }
  return out;
}

/** Per request: a multiget naming 500 items of one calendar looks the calendar up once. */
const seen = new WeakMap<DavRequest, Map<string, Promise<CollectionResource | null>>>();

function findCollection(ctx: DavRequest, kind: DavKind, slug: string): Promise<CollectionResource | null> {
  let memo = seen.get(ctx);
  if (!memo) seen.set(ctx, (memo = new Map()));
  const key = `${kind}/${slug}`;
  let found = memo.get(key);
  if (!found) memo.set(key, (found = lookUpCollection(ctx, kind, slug)));
  return found;
}

async function lookUpCollection(ctx: DavRequest, kind: DavKind, slug: string): Promise<CollectionResource | null> {
  const me = ctx.user.address;
  const href = collectionHref(kind, me, slug);
  if (kind === 'addressbook' && (slug === DIRECTORY_SLUG || slug.startsWith(`${DIRECTORY_SLUG}-`))) {
    // Only the books this user reads: a hidden unit's book is not there for anyone outside it.
    const view = (await ctx.deps.directory.views(ctx.user.unit)).find((v) => directorySlug(v.unit) === slug);
    if (view) return { type: 'collection', kind, href, collection: view.collection, scope: 'directory', writable: false };
    if (slug === DIRECTORY_SLUG) return null;
  }
  if (kind === 'calendar' && slug.startsWith(GROUP_PREFIX)) {
    const groupAddress = slug.slice(GROUP_PREFIX.length).toLowerCase();
    const group = (await ctx.groups()).find((g) => g.address === groupAddress);
    if (!group) return null;
    const collection = await groupCalendar(ctx, group);
    return { type: 'collection', kind, href, collection, scope: 'group', writable: true };
  }
  const collection = await ctx.deps.store.dav.findCollection('user', ctx.user.id, kind, slug);
  return collection ? { type: 'collection', kind, href, collection, scope: 'own', writable: true } : null;
}

/** The group's shared calendar, made on first use for groups created before it existed. */
export async function groupCalendar(ctx: DavRequest, group: Group): Promise<DavCollection> {
  const dav = ctx.deps.store.dav;
  const found = await dav.findCollection('group', group.id, 'calendar', DEFAULT_CALENDAR.slug);
  if (found) return found;
  try {
    return await dav.createCollection({
      ownerType: 'group', ownerId: group.id, kind: 'calendar', slug: DEFAULT_CALENDAR.slug,
      displayName: group.displayName, description: '', color: null, components: DEFAULT_CALENDAR.components, props: {},
    });
  } catch (err) {
    // Another request made it first.
    const again = await dav.findCollection('group', group.id, 'calendar', DEFAULT_CALENDAR.slug);
    if (again) return again;
    throw err;
  }
}

/** Everything a home lists: own collections, then the group calendars or the directory. */
export async function homeMembers(ctx: DavRequest, kind: DavKind): Promise<CollectionResource[]> {
  const me = ctx.user.address;
  const own = await ctx.deps.store.dav.listCollections('user', ctx.user.id, kind);
  const out: CollectionResource[] = own.map((collection) => ({
    type: 'collection', kind, href: collectionHref(kind, me, collection.slug), collection, scope: 'own', writable: true,
  }));
  if (kind === 'calendar') {
    for (const group of await ctx.groups()) {
      out.push({
        type: 'collection', kind, href: collectionHref(kind, me, `${GROUP_PREFIX}${group.address}`),
        collection: await groupCalendar(ctx, group), scope: 'group', writable: true,
      });
    }
  } else {
    for (const view of await ctx.deps.directory.views(ctx.user.unit)) {
      out.push({ type: 'collection', kind, href: collectionHref(kind, me, directorySlug(view.unit)), collection: view.collection, scope: 'directory', writable: false });
    }
  }
  return out;
}

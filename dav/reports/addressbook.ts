// addressbook-query and addressbook-multiget (RFC 6352 §8.6, §8.7).
import { matchesAddressbookQuery } from '../../core/calendar/index.js';
import type { DavRequest } from '../context.js';
import { itemsOf } from '../methods/propfind.js';
import type { CollectionResource, Resource } from '../resources.js';
import { CARDDAV } from '../xml/names.js';
import { child, type XmlElement } from '../xml/parse.js';
import { multiget, queryAnswer } from './common.js';
import { cardNeedles, cardPrefilter, foldCard } from './card-prefilter.js';
import { itemHref } from '../paths.js';
import { parseCardFilter } from './filters.js';
import { DavError } from '../errors.js';
import { DAV } from '../xml/names.js';
import { el } from '../xml/write.js';

export async function addressbookQuery(ctx: DavRequest, res: Resource, parent: CollectionResource, body: XmlElement): Promise<void> {
  const filter = parseCardFilter(child(body, CARDDAV, 'filter'));
  const limitEl = child(body, CARDDAV, 'limit');
  const nresults = limitEl ? child(limitEl, CARDDAV, 'nresults') : null;
  const limit = nresults ? Number(nresults.text.trim()) : Infinity;
  if (nresults && (!Number.isSafeInteger(limit) || limit < 1)) throw new DavError(400, 'bad nresults');
  const needles = cardNeedles(filter);
  const pre = cardPrefilter(filter);
  let candidates: Resource[];
  let names: string[] | null = null;
  let possible = (data: string) => !pre || pre(foldCard(data));
  if (res.type === 'item') {
    candidates = [res];
  } else if (needles && parent.scope === 'directory' && (names = await ctx.deps.directory.search(parent.collection.id, needles))) {
    // The directory keeps its cards folded in memory: read only those that can match.
    const items = await ctx.deps.store.dav.getItems(parent.collection.id, names);
    candidates = items.map((item) => ({ type: 'item', href: itemHref(parent.href, item.name), parent, name: item.name, item }));
    possible = () => true;
  } else {
    candidates = await itemsOf(ctx, parent);
  }
  const matches: Resource[] = [];
  let truncated = false;
  for (const r of candidates) {
    if (r.type !== 'item' || !r.item || !possible(r.item.data) || !matchesAddressbookQuery(r.item.data, filter)) continue;
    if (matches.length >= limit) {
      truncated = true;
      break;
    }
    matches.push(r);
  }
  // RFC 6352 §8.6.1: a truncated answer says so with a 507 response for the collection.
  queryAnswer(ctx, body, matches, undefined, truncated
    ? [el(DAV, 'response', el(DAV, 'href', parent.href), el(DAV, 'status', 'HTTP/1.1 507 Insufficient Storage'), el(DAV, 'error', el(DAV, 'number-of-matches-within-limits')))]
    : []);
}

export async function addressbookMultiget(ctx: DavRequest, parent: CollectionResource, body: XmlElement): Promise<void> {
  await multiget(ctx, parent, body);
}

// PROPFIND (RFC 4918 §9.1) with Depth 0 or 1. Depth: infinity is answered as 1: no
// collection here holds collections more than one level deep below a home.
import type { DavRequest } from '../context.js';
import { DavError, notFound } from '../errors.js';
import { readXml, sendXml } from '../http.js';
import { multistatus, propRequest, propResponse } from '../multistatus.js';
import { homeMembers, type CollectionResource, type Resource } from '../resources.js';
import { itemHref } from '../paths.js';
import { DAV } from '../xml/names.js';
import { is } from '../xml/parse.js';

export async function propfind(ctx: DavRequest, res: Resource): Promise<void> {
  const body = await readXml(ctx.req, ctx.deps.options.maxRequestBytes);
  if (body && !is(body, DAV, 'propfind')) throw new DavError(400, 'expected DAV:propfind');
  if (res.type === 'new-collection' || (res.type === 'item' && !res.item)) throw notFound();
  const request = propRequest(body);
  const depth = (ctx.req.headers.depth ?? 'infinity').toString().trim().toLowerCase();
  if (depth !== '0' && depth !== '1' && depth !== 'infinity') throw new DavError(400, 'bad Depth header');
  const targets: Resource[] = [res];
  if (depth !== '0') targets.push(...(await members(ctx, res)));
  sendXml(ctx.res, 207, multistatus(targets.map((t) => propResponse(ctx, t, request))));
}

export async function members(ctx: DavRequest, res: Resource): Promise<Resource[]> {
  switch (res.type) {
    case 'home': return homeMembers(ctx, res.kind);
    case 'collection': return itemsOf(ctx, res);
    default: return [];
  }
}

export async function itemsOf(ctx: DavRequest, parent: CollectionResource, options: Parameters<DavRequest['deps']['store']['dav']['listItems']>[1] = {}): Promise<Resource[]> {
  const items = await ctx.deps.store.dav.listItems(parent.collection.id, options);
  return items.map((item) => ({ type: 'item', href: itemHref(parent.href, item.name), parent, name: item.name, item }));
}

// GET, HEAD, PUT and DELETE of calendar objects and vCards, with strong ETags and
// If-Match / If-None-Match (RFC 9110 §13.1, RFC 4791 §5.3.4).
import type { DavRequest } from '../context.js';
import { checkMediaType, itemInput } from '../content.js';
import { DavError, notFound, precondition, readOnly } from '../errors.js';
import { readBody } from '../../core/http/index.js';
import { empty } from '../http.js';
import type { CollectionResource, Resource } from '../resources.js';
import { itemHref } from '../paths.js';
import { scheduleAfterWrite } from '../scheduling.js';

export function contentType(parent: CollectionResource): string {
  return parent.kind === 'calendar' ? 'text/calendar; charset=utf-8' : 'text/vcard; charset=utf-8';
}

export async function get(ctx: DavRequest, res: Resource, head: boolean): Promise<void> {
  if (res.type !== 'item') {
    if (res.type === 'new-collection') throw notFound();
    // Collections have no body of their own; clients list them with PROPFIND.
    throw new DavError(405, 'use PROPFIND on collections', null, { allow: 'OPTIONS, PROPFIND, REPORT' });
  }
  const item = res.item;
  if (!item) throw notFound();
  const inm = header(ctx, 'if-none-match');
  if (inm && (inm === '*' || weakMatch(inm, item.etag))) {
    ctx.res.writeHead(304, { etag: item.etag }).end();
    return;
  }
  const body = Buffer.from(item.data, 'utf8');
  ctx.res.writeHead(200, {
    'content-type': contentType(res.parent), 'content-length': String(body.length), etag: item.etag,
    'last-modified': item.updatedAt.toUTCString(), 'cache-control': 'private, no-cache',
  });
  ctx.res.end(head ? undefined : body);
}

export async function put(ctx: DavRequest, res: Resource): Promise<void> {
  if (res.type !== 'item') {
    if (res.type === 'collection' || res.type === 'new-collection' || res.type === 'home') {
      throw new DavError(405, 'PUT goes to a resource inside a calendar or address book', null, { allow: 'OPTIONS, PROPFIND, PROPPATCH, REPORT, DELETE' });
    }
    throw notFound();
  }
  if (!res.parent.writable) throw readOnly(res.parent.href);
  checkMediaType(res.parent, header(ctx, 'content-type'));
  const limit = ctx.deps.options.maxResourceBytes;
  // Past the limit: 413 with max-resource-size (errors.ts).
  const raw = await readBody(ctx.req, limit);
  const text = raw.toString('utf8');
  const input = itemInput(res.parent, res.name, text, limit);
  const result = await ctx.deps.store.dav.putItem(res.parent.collection.id, input, conditions(ctx, res.item?.etag ?? null))
    .catch(async (err) => { throw await uidConflict(ctx, res.parent, input.uid, err); });
  if (res.parent.kind === 'calendar') await scheduleAfterWrite(ctx, res.item?.data ?? null, text);
  // The body is stored byte for byte, so the ETag is that of what the client sent and it
  // may be kept (RFC 4791 §5.3.4).
  empty(ctx.res, result.created ? 201 : 204, { etag: result.item.etag });
}

export async function remove(ctx: DavRequest, res: Resource): Promise<void> {
  if (res.type === 'item') {
    if (!res.item) throw notFound();
    if (!res.parent.writable) throw readOnly(res.href);
    await ctx.deps.store.dav.deleteItem(res.parent.collection.id, res.name, { ifMatch: ifMatch(ctx, res.item.etag) });
    if (res.parent.kind === 'calendar') await scheduleAfterWrite(ctx, res.item.data, null);
    return empty(ctx.res, 204);
  }
  if (res.type === 'collection') {
    // Only the user's own collections go; shared ones belong to the group or the district.
    if (res.scope !== 'own') throw readOnly(res.href);
    if (header(ctx, 'if-match')) throw new DavError(412, 'collections have no ETag');
    await ctx.deps.store.dav.deleteCollection(res.collection.id);
    return empty(ctx.res, 204);
  }
  if (res.type === 'new-collection') throw notFound();
  throw new DavError(403, 'this resource cannot be deleted', precondition.needPrivileges(res.href, 'unbind'));
}

export function header(ctx: DavRequest, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v?.trim() || undefined;
}

/** The entity-tags of an If-Match / If-None-Match list (RFC 9110 §8.8.3), each with its W/
 *  if weak. A comma may sit inside the quotes, so the list is not simply split on commas. */
function etagList(value: string): string[] {
  return [...value.matchAll(/(?:W\/)?"[^"]*"/g)].map((m) => m[0]);
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): W/"x" matches "x". */
function weakMatch(value: string, current: string): boolean {
  return etagList(value).some((tag) => tag.replace(/^W\//, '') === current);
}

/** If-Match as the store checks it: undefined without one, '*', or the current ETag when the
 *  list names it; the store then checks it again at the write, so a change in between still
 *  fails. The comparison is strong (RFC 9110 §13.1.1): a weak tag never matches. 412 when
 *  nothing matches. */
export function ifMatch(ctx: DavRequest, currentEtag: string | null): string | undefined {
  const value = header(ctx, 'if-match');
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  if (currentEtag === null || !etagList(value).includes(currentEtag)) throw new DavError(412, 'precondition failed');
  return currentEtag;
}

/** If-Match / If-None-Match as the store understands them. */
export function conditions(ctx: DavRequest, currentEtag: string | null): { ifMatch?: string; ifNoneMatch?: '*' } {
  const out: { ifMatch?: string; ifNoneMatch?: '*' } = {};
  const im = ifMatch(ctx, currentEtag);
  if (im) out.ifMatch = im;
  const inm = header(ctx, 'if-none-match');
  if (inm === '*') out.ifNoneMatch = '*';
  else if (inm && currentEtag && weakMatch(inm, currentEtag)) throw new DavError(412, 'precondition failed');
  return out;
}

/** AlreadyExists from putItem is a UID clash: name the resource holding the UID. */
export async function uidConflict(ctx: DavRequest, parent: CollectionResource, uid: string, err: unknown): Promise<unknown> {
  if (!(err instanceof Error) || (err as { code?: string }).code !== 'ALREADY_EXISTS') return err;
  const holder = await ctx.deps.store.dav.findItemByUid(parent.collection.id, uid);
  const href = holder ? itemHref(parent.href, holder.name) : null;
  return new DavError(409, `UID ${uid} is already used in this collection`,
    parent.kind === 'calendar' ? precondition.calendarNoUidConflict(href) : precondition.addressNoUidConflict(href));
}

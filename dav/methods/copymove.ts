// COPY and MOVE of calendar objects and vCards between the user's writable collections
// of the same kind (RFC 4918 §9.8, §9.9). Collections themselves are not copied or moved.
import type { DavRequest } from '../context.js';
import { itemInput } from '../content.js';
import { DavError, notFound, readOnly } from '../errors.js';
import { empty } from '../http.js';
import { hrefPath } from '../paths.js';
import { resolve, type Resource } from '../resources.js';
import { header, ifMatch, uidConflict } from './items.js';

export async function copyMove(ctx: DavRequest, res: Resource, move: boolean): Promise<void> {
  if (res.type !== 'item') {
    if (res.type === 'collection') throw new DavError(403, 'calendars and address books cannot be copied or moved');
    throw notFound();
  }
  const source = res.item;
  if (!source) throw notFound();
  if (move && !res.parent.writable) throw readOnly(res.href);
  const destination = header(ctx, 'destination');
  const destPath = destination ? hrefPath(destination) : null;
  if (!destination || !destPath) throw new DavError(400, 'a Destination header is needed');
  if (!onThisServer(ctx, destination)) throw new DavError(502, 'the Destination is on another server');
  // RFC 4918 §10.6: T or F, nothing else (T when absent).
  const overwriteHeader = (header(ctx, 'overwrite') ?? 'T').toUpperCase();
  if (overwriteHeader !== 'T' && overwriteHeader !== 'F') throw new DavError(400, 'Overwrite is T or F');
  const overwrite = overwriteHeader === 'T';
  const dest = await resolve(ctx, destPath);
  // A destination the user cannot reach looks like a missing parent collection (409).
  if (!dest || dest.type !== 'item' || dest.parent.kind !== res.parent.kind) throw new DavError(409, 'no such destination collection');
  if (!dest.parent.writable) throw readOnly(dest.parent.href);
  if (dest.parent.collection.id === res.parent.collection.id && dest.name === res.name) throw new DavError(403, 'source and destination are the same');
  if (!overwrite && dest.item) throw new DavError(412, 'the destination exists and Overwrite is F');
  // If-Match is about the source, the request-URI (412 when it does not hold).
  ifMatch(ctx, source.etag);

  const dav = ctx.deps.store.dav;
  const input = itemInput(dest.parent, dest.name, source.data, ctx.deps.options.maxResourceBytes);
  const sameCollection = dest.parent.collection.id === res.parent.collection.id;
  const conditions = overwrite ? {} : { ifNoneMatch: '*' as const };
  let created: boolean;
  if (move && sameCollection) {
    // A rename keeps the UID, which must leave the old name first (no-uid-conflict); on
    // failure the item is put back as it was.
    await dav.deleteItem(res.parent.collection.id, res.name, { ifMatch: source.etag });
    try {
      created = (await dav.putItem(dest.parent.collection.id, input, conditions)).created;
    } catch (err) {
      await dav.putItem(res.parent.collection.id, { name: source.name, uid: source.uid, data: source.data, componentType: source.componentType, firstStart: source.firstStart, lastEnd: source.lastEnd });
      throw await uidConflict(ctx, dest.parent, input.uid, err);
    }
  } else {
    created = (await dav.putItem(dest.parent.collection.id, input, conditions)
      .catch(async (err) => { throw await uidConflict(ctx, dest.parent, input.uid, err); })).created;
    if (move) await dav.deleteItem(res.parent.collection.id, res.name, { ifMatch: source.etag });
  }
  empty(ctx.res, created ? 201 : 204, created ? { location: dest.href } : {});
}

/** Whether an absolute Destination names this server (RFC 4918 §9.8.4, §9.9.4: 502 for
 *  another one), as the client reached it: Host, or the X-Forwarded-Host a reverse proxy
 *  sets. A path alone always does. The scheme is not compared: behind a proxy that ends
 *  TLS, clients say https for what arrives here as http. */
function onThisServer(ctx: DavRequest, destination: string): boolean {
  let target: URL;
  try {
    target = new URL(destination.trim());
  } catch {
    return true;
  }
  const names = [ctx.req.headers.host, ...String(ctx.req.headers['x-forwarded-host'] ?? '').split(',')]
    .map((h) => h?.trim()).filter((h): h is string => !!h);
  if (names.length === 0) return true;
  // Read in the Destination's scheme, so that its default port compares equal to none.
  return names.some((name) => {
    try {
      return new URL(`${target.protocol}//${name}`).host === target.host;
    } catch {
      return false;
    }
  });
}

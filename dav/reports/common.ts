// Pieces the query and multiget reports share.
import type { DavRequest } from '../context.js';
import { hrefPath } from '../paths.js';
import { resolve, type CollectionResource, type Resource } from '../resources.js';
import { multistatus, propRequest, propResponse, statusResponse, type Overrides } from '../multistatus.js';
import { sendXml } from '../http.js';
import { DAV } from '../xml/names.js';
import { children, type XmlElement } from '../xml/parse.js';
import type { XNode } from '../xml/write.js';

/** Each href of a multiget: the item when this user may read it in a collection of the same
 *  kind, else a 404 response (RFC 4791 §7.9). */
export async function multiget(ctx: DavRequest, parent: CollectionResource, body: XmlElement, overrides?: Overrides): Promise<void> {
  const request = propRequest(body);
  const responses: XNode[] = [];
  for (const h of children(body, DAV, 'href')) {
    const raw = h.text.trim();
    const path = hrefPath(raw);
    const res = path ? await resolve(ctx, path) : null;
    if (res && res.type === 'item' && res.item && res.parent.kind === parent.kind) responses.push(propResponse(ctx, res, request, overrides));
    else responses.push(statusResponse(raw, 404));
  }
  sendXml(ctx.res, 207, multistatus(responses));
}

/** A query's answer: `matches` among the candidate items. */
export function queryAnswer(ctx: DavRequest, body: XmlElement, matches: Resource[], overrides?: Overrides, extra: XNode[] = []): void {
  const request = propRequest(body);
  sendXml(ctx.res, 207, multistatus([...matches.map((r) => propResponse(ctx, r, request, overrides)), ...extra]));
}

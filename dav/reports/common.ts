// Pieces the query and multiget reports share.
import type { DavRequest } from '../context.js';
import { hrefPath } from '../paths.js';
import { resolveMany, type CollectionResource, type Resource } from '../resources.js';
import { multistatus, propRequest, propResponse, statusResponse, type Overrides } from '../multistatus.js';
import { sendXml } from '../http.js';
import { DAV } from '../xml/names.js';
import { children, type XmlElement } from '../xml/parse.js';
import type { XNode } from '../xml/write.js';

/** Each href of a multiget: the item when this user may read it in a collection of the same
 *  kind, else a 404 response (RFC 4791 §7.9). */
export async function multiget(ctx: DavRequest, parent: CollectionResource, body: XmlElement, overrides?: Overrides): Promise<void> {
  const request = propRequest(body);
  const hrefs = children(body, DAV, 'href').map((h) => h.text.trim());
  const paths = hrefs.map(hrefPath);
  const resolved = await resolveMany(ctx, paths.filter((p) => p !== null));
  let next = 0;
  const responses: XNode[] = hrefs.map((raw, i) => {
    const res = paths[i] === null ? null : resolved[next++];
    return res && res.type === 'item' && res.item && res.parent.kind === parent.kind
      ? propResponse(ctx, res, request, overrides)
      : statusResponse(raw, 404);
  });
  sendXml(ctx.res, 207, multistatus(responses));
}

/** A query's answer: `matches` among the candidate items. */
export function queryAnswer(ctx: DavRequest, body: XmlElement, matches: Resource[], overrides?: Overrides, extra: XNode[] = []): void {
  const request = propRequest(body);
  sendXml(ctx.res, 207, multistatus([...matches.map((r) => propResponse(ctx, r, request, overrides)), ...extra]));
}

// PROPPATCH (RFC 4918 §9.2) on collections. All or nothing: if one instruction cannot be
// applied, none is, and the others are reported 424 Failed Dependency.
import type { DavCollection } from '../../storage/index.js';
import type { DavRequest } from '../context.js';
import { DavError, notFound, readOnly } from '../errors.js';
import { readXml, sendXml } from '../http.js';
import { multistatus, propEl, statusLine } from '../multistatus.js';
import { deadPropsFit, liveProps } from '../props.js';
import type { Resource } from '../resources.js';
import { DAV, clark } from '../xml/names.js';
import { children, is } from '../xml/parse.js';
import { el, fragment, type XNode } from '../xml/write.js';

export async function proppatch(ctx: DavRequest, res: Resource): Promise<void> {
  const body = await readXml(ctx.req, ctx.deps.options.maxRequestBytes);
  if (!body || !is(body, DAV, 'propertyupdate')) throw new DavError(400, 'expected DAV:propertyupdate');
  if (res.type !== 'collection') {
    if (res.type === 'new-collection' || (res.type === 'item' && !res.item)) throw notFound();
    throw new DavError(403, 'properties can only be changed on calendars and address books');
  }
  if (!res.writable) throw readOnly(res.href);
  const collection = res.collection;
  const patch: Partial<Pick<DavCollection, 'displayName' | 'description' | 'color'>> = {};
  const props = { ...collection.props };
  const done: string[] = [];
  const refused: string[] = [];
  /** Dead properties this request sets: those that take space (dav/limits.ts). */
  const deadSet = new Set<string>();
  // Instructions apply in document order (RFC 4918 §14.23).
  for (const instruction of body.children) {
    const remove = is(instruction, DAV, 'remove');
    if (!remove && !is(instruction, DAV, 'set')) continue;
    for (const prop of children(instruction, DAV, 'prop').flatMap((p) => p.children)) {
      const key = clark(prop.ns, prop.name);
      const live = liveProps.get(key);
      if (live && !live.writable) {
        refused.push(key);
        continue;
      }
      if (live?.writable) {
        const value = remove ? '' : prop.text.trim();
        if (live.writable === 'color') patch.color = value === '' ? null : value;
        else patch[live.writable] = value;
      } else if (remove) {
        delete props[key];
        deadSet.delete(key);
      } else {
        props[key] = prop.children.length ? `x:${prop.children.map(fragment).join('')}` : `t:${prop.text}`;
        deadSet.add(key);
      }
      done.push(key);
    }
  }
  let propstats: XNode[];
  if (refused.length) {
    propstats = [
      el(DAV, 'propstat', el(DAV, 'prop', refused.map((k) => propEl(k))), el(DAV, 'status', statusLine(403)), el(DAV, 'error', el(DAV, 'cannot-modify-protected-property'))),
    ];
    if (done.length) propstats.push(el(DAV, 'propstat', el(DAV, 'prop', done.map((k) => propEl(k))), el(DAV, 'status', statusLine(424))));
  } else if (!deadPropsFit(props, collection.props)) {
    // RFC 4918 §9.2.1: 507 for the properties there is no room to record.
    const others = [...new Set(done)].filter((k) => !deadSet.has(k));
    propstats = [el(DAV, 'propstat', el(DAV, 'prop', [...deadSet].map((k) => propEl(k))), el(DAV, 'status', statusLine(507)))];
    if (others.length) propstats.push(el(DAV, 'propstat', el(DAV, 'prop', others.map((k) => propEl(k))), el(DAV, 'status', statusLine(424))));
  } else {
    await ctx.deps.store.dav.updateCollection(collection.id, { ...patch, props });
    propstats = [el(DAV, 'propstat', el(DAV, 'prop', done.map((k) => propEl(k))), el(DAV, 'status', statusLine(200)))];
  }
  sendXml(ctx.res, 207, multistatus([el(DAV, 'response', el(DAV, 'href', res.href), propstats)]));
}


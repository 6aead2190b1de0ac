// DAV:multistatus responses (RFC 4918 §13): one DAV:response per resource, its properties
// grouped by status in DAV:propstat.
import type { DavRequest } from './context.js';
import { deadProps, deadValue, liveProps } from './props.js';
import type { Resource } from './resources.js';
import { DAV, clark, parseClark } from './xml/names.js';
import { child, type XmlElement } from './xml/parse.js';
import { el, type XChild, type XNode } from './xml/write.js';

export type PropRequest =
  | { kind: 'allprop'; include: { ns: string; name: string }[] }
  | { kind: 'propname' }
  | { kind: 'prop'; names: { ns: string; name: string }[] };

/** The property request of a PROPFIND or REPORT body (the element holding prop/allprop/propname). */
export function propRequest(body: XmlElement | null): PropRequest {
  if (!body) return { kind: 'allprop', include: [] };
  if (child(body, DAV, 'propname')) return { kind: 'propname' };
  const prop = child(body, DAV, 'prop');
  if (prop) return { kind: 'prop', names: prop.children.map((c) => ({ ns: c.ns, name: c.name })) };
  const include = child(body, DAV, 'include');
  return { kind: 'allprop', include: include ? include.children.map((c) => ({ ns: c.ns, name: c.name })) : [] };
}

const STATUS = {
  200: 'HTTP/1.1 200 OK', 404: 'HTTP/1.1 404 Not Found', 403: 'HTTP/1.1 403 Forbidden', 424: 'HTTP/1.1 424 Failed Dependency', 507: 'HTTP/1.1 507 Insufficient Storage',
} as const;
export const statusLine = (code: keyof typeof STATUS) => STATUS[code];

/** Report-specific values (calendar-data with expand...) that win over the live ones. */
export type Overrides = Map<string, (res: Resource) => XChild[] | undefined>;

export function propResponse(ctx: DavRequest, res: Resource, request: PropRequest, overrides?: Overrides): XNode {
  const found: XNode[] = [];
  const missing: XNode[] = [];
  const dead = deadProps(res);
  if (request.kind === 'propname') {
    for (const [key, def] of liveProps) if (def.get(res, ctx) !== undefined) found.push(propEl(key));
    for (const key of Object.keys(dead)) found.push(propEl(key));
  } else {
    const names = request.kind === 'prop'
      ? request.names.map((n) => clark(n.ns, n.name))
      : [...[...liveProps].filter(([, d]) => d.allprop).map(([k]) => k), ...Object.keys(dead), ...request.include.map((n) => clark(n.ns, n.name))];
    for (const key of new Set(names)) {
      const value = overrides?.get(key)?.(res) ?? liveProps.get(key)?.get(res, ctx) ?? (key in dead ? deadValue(dead[key]) : undefined);
      if (value === undefined) {
        // allprop lists only what is defined: no 404s for it (RFC 4918 §9.1).
        if (request.kind === 'prop') missing.push(propEl(key));
      } else {
        found.push(propEl(key, value));
      }
    }
  }
  const propstats: XNode[] = [];
  // RFC 8144 §2 (Prefer: return=minimal, or the older Brief: t): no 404 propstats.
  const minimal = ctx.minimal;
  if (found.length || !missing.length || minimal) propstats.push(el(DAV, 'propstat', el(DAV, 'prop', found), el(DAV, 'status', STATUS[200])));
  if (missing.length && !minimal) propstats.push(el(DAV, 'propstat', el(DAV, 'prop', missing), el(DAV, 'status', STATUS[404])));
  return el(DAV, 'response', el(DAV, 'href', res.href), propstats);
}

export function statusResponse(href: string, code: keyof typeof STATUS): XNode {
  return el(DAV, 'response', el(DAV, 'href', href), el(DAV, 'status', STATUS[code]));
}

export function propEl(key: string, value: XChild[] = []): XNode {
  const { ns, name } = parseClark(key);
  return el(ns, name, value);
}

export function multistatus(responses: XNode[], extra: XNode[] = []): XNode {
  return el(DAV, 'multistatus', responses, extra);
}

// Live properties: what PROPFIND answers for each kind of resource. A getter returning
// undefined means "not defined here" (404 in the propstat).
import type { DavCollection } from '../storage/index.js';
import type { DavRequest } from './context.js';
import { PRINCIPALS, homeHref, principalHref } from './paths.js';
import type { CollectionResource, Resource } from './resources.js';
import { MAX_DEAD_PROPERTIES, MAX_DEAD_PROPERTY_BYTES } from './limits.js';
import { APPLE, CALDAV, CARDDAV, CS, DAV, clark } from './xml/names.js';
import { RawXml, el, type XChild } from './xml/write.js';

type Getter = (res: Resource, ctx: DavRequest) => XChild[] | undefined;

interface LiveProp {
  get: Getter;
  /** Returned by allprop (RFC 4918 §9.1: expensive or computed ones are left out). */
  allprop: boolean;
  /** May be set by PROPPATCH (stored on the collection record, not as a dead property). */
  writable?: 'displayName' | 'description' | 'color';
}

const href = (h: string) => el(DAV, 'href', h);
const collectionOf = (res: Resource): CollectionResource | undefined =>
  res.type === 'collection' ? res : res.type === 'item' ? res.parent : undefined;

export function syncTokenOf(collection: DavCollection): string {
  return `urn:x-facteur:sync:${collection.id}:${collection.syncToken}`;
}

/** The token of a truncated sync (RFC 6578 §3.6): where to resume, and the token up to which
 *  the client knows every removal when that differs (DavStore.changesPage). */
export function syncCursorToken(collection: DavCollection, cursor: { token: number; floor: number }): string {
  const base = `urn:x-facteur:sync:${collection.id}:${cursor.token}`;
  return cursor.floor === cursor.token ? base : `${base}.${cursor.floor}`;
}

export function parseSyncToken(token: string, collection: DavCollection): { token: number; floor: number } | null {
  const m = /^urn:x-facteur:sync:([^:]+):(\d{1,15})(?:\.(\d{1,15}))?$/.exec(token.trim());
  if (!m || m[1] !== collection.id) return null;
  const at = Number(m[2]);
  return { token: at, floor: m[3] === undefined ? at : Number(m[3]) };
}

function privileges(writable: boolean): XChild[] {
  const names = writable
    ? ['read', 'write', 'write-properties', 'write-content', 'bind', 'unbind', 'read-current-user-privilege-set']
    : ['read', 'read-current-user-privilege-set'];
  return names.map((n) => el(DAV, 'privilege', el(DAV, n)));
}

function reports(res: Resource): XChild[] | undefined {
  const c = collectionOf(res);
  if (!c || res.type !== 'collection') return res.type === 'item' ? undefined : [];
  const names: [string, string][] = c.kind === 'calendar'
    ? [[CALDAV, 'calendar-query'], [CALDAV, 'calendar-multiget'], [CALDAV, 'free-busy-query'], [DAV, 'sync-collection']]
    : [[CARDDAV, 'addressbook-query'], [CARDDAV, 'addressbook-multiget'], [DAV, 'sync-collection']];
  return names.map(([ns, n]) => el(DAV, 'supported-report', el(DAV, 'report', el(ns, n))));
}

export const liveProps = new Map<string, LiveProp>([
  [clark(DAV, 'resourcetype'), { allprop: true, get: (res) => {
    switch (res.type) {
      case 'principal': return [el(DAV, 'collection'), el(DAV, 'principal')];
      case 'collection': return [el(DAV, 'collection'), res.kind === 'calendar' ? el(CALDAV, 'calendar') : el(CARDDAV, 'addressbook')];
      case 'item': return [];
      default: return [el(DAV, 'collection')];
    }
  } }],
  [clark(DAV, 'displayname'), { allprop: true, writable: 'displayName', get: (res, ctx) => {
    switch (res.type) {
      case 'principal': return [ctx.user.displayName || ctx.user.address];
      case 'collection': return [res.collection.displayName];
      case 'home': return [res.kind === 'calendar' ? 'Calendars' : 'Address books'];
      default: return undefined;
    }
  } }],
  [clark(DAV, 'current-user-principal'), { allprop: false, get: (_r, ctx) => [href(principalHref(ctx.user.address))] }],
  [clark(DAV, 'principal-URL'), { allprop: true, get: (res, ctx) => (res.type === 'principal' ? [href(principalHref(ctx.user.address))] : undefined) }],
  [clark(DAV, 'principal-collection-set'), { allprop: false, get: () => [href(PRINCIPALS)] }],
  [clark(DAV, 'owner'), { allprop: true, get: (res, ctx) => {
    const c = collectionOf(res);
    if (c && c.scope !== 'own') return undefined;
    return res.type === 'root' || res.type === 'principals' ? undefined : [href(principalHref(ctx.user.address))];
  } }],
  [clark(CALDAV, 'calendar-home-set'), { allprop: false, get: (res, ctx) => (res.type === 'principal' ? [href(homeHref('calendar', ctx.user.address))] : undefined) }],
  [clark(CARDDAV, 'addressbook-home-set'), { allprop: false, get: (res, ctx) => (res.type === 'principal' ? [href(homeHref('addressbook', ctx.user.address))] : undefined) }],
  [clark(CALDAV, 'calendar-user-address-set'), { allprop: false, get: (res, ctx) => (res.type === 'principal'
    ? [href(`mailto:${ctx.user.address}`), href(principalHref(ctx.user.address))] : undefined) }],
  [clark(CARDDAV, 'principal-address'), { allprop: false, get: () => undefined }],
  [clark(DAV, 'supported-report-set'), { allprop: false, get: reports }],
  [clark(DAV, 'current-user-privilege-set'), { allprop: false, get: (res) => {
    const c = collectionOf(res);
    if (c) return privileges(c.writable);
    return privileges(res.type === 'home');
  } }],
  [clark(DAV, 'sync-token'), { allprop: false, get: (res) => (res.type === 'collection' ? [syncTokenOf(res.collection)] : undefined) }],
  [clark(CS, 'getctag'), { allprop: false, get: (res) => (res.type === 'collection' ? [String(res.collection.syncToken)] : undefined) }],
  [clark(DAV, 'getetag'), { allprop: true, get: (res) => (res.type === 'item' && res.item ? [res.item.etag] : undefined) }],
  [clark(DAV, 'getcontenttype'), { allprop: true, get: (res) => {
    if (res.type !== 'item' || !res.item) return undefined;
    return [res.parent.kind === 'calendar' ? `text/calendar; charset=utf-8; component=${res.item.componentType.toLowerCase()}` : 'text/vcard; charset=utf-8'];
  } }],
  [clark(DAV, 'getcontentlength'), { allprop: true, get: (res) => (res.type === 'item' && res.item ? [String(res.item.size)] : undefined) }],
  [clark(DAV, 'getlastmodified'), { allprop: true, get: (res) => (res.type === 'item' && res.item ? [res.item.updatedAt.toUTCString()] : undefined) }],
  [clark(CALDAV, 'calendar-description'), { allprop: true, writable: 'description', get: (res) => (res.type === 'collection' && res.kind === 'calendar' ? [res.collection.description] : undefined) }],
  [clark(CARDDAV, 'addressbook-description'), { allprop: true, writable: 'description', get: (res) => (res.type === 'collection' && res.kind === 'addressbook' ? [res.collection.description] : undefined) }],
  [clark(APPLE, 'calendar-color'), { allprop: true, writable: 'color', get: (res) => (res.type === 'collection' && res.kind === 'calendar' && res.collection.color ? [res.collection.color] : undefined) }],
  [clark(CALDAV, 'supported-calendar-component-set'), { allprop: true, get: (res) => (res.type === 'collection' && res.kind === 'calendar'
    ? res.collection.components.map((c) => ({ ns: CALDAV, name: 'comp', attrs: { name: c } })) : undefined) }],
  [clark(CALDAV, 'supported-calendar-data'), { allprop: false, get: (res) => (res.type === 'collection' && res.kind === 'calendar'
    ? [{ ns: CALDAV, name: 'calendar-data', attrs: { 'content-type': 'text/calendar', version: '2.0' } }] : undefined) }],
  [clark(CARDDAV, 'supported-address-data'), { allprop: false, get: (res) => (res.type === 'collection' && res.kind === 'addressbook'
    ? ['3.0', '4.0'].map((version) => ({ ns: CARDDAV, name: 'address-data-type', attrs: { 'content-type': 'text/vcard', version } })) : undefined) }],
  [clark(CALDAV, 'max-resource-size'), { allprop: false, get: (res, ctx) => (res.type === 'collection' && res.kind === 'calendar' ? [String(ctx.deps.options.maxResourceBytes)] : undefined) }],
  [clark(CARDDAV, 'max-resource-size'), { allprop: false, get: (res, ctx) => (res.type === 'collection' && res.kind === 'addressbook' ? [String(ctx.deps.options.maxResourceBytes)] : undefined) }],
  // Report-only data, also answered by PROPFIND on an item when asked by name.
  [clark(CALDAV, 'calendar-data'), { allprop: false, get: (res) => (res.type === 'item' && res.item && res.parent.kind === 'calendar' ? [res.item.data] : undefined) }],
  [clark(CARDDAV, 'address-data'), { allprop: false, get: (res) => (res.type === 'item' && res.item && res.parent.kind === 'addressbook' ? [res.item.data] : undefined) }],
]);

/** A dead property as stored: text, or an XML fragment of the value's children. */
export function deadValue(stored: string): XChild[] {
  if (stored.startsWith('x:')) return [new RawXml(stored.slice(2))];
  return [stored.startsWith('t:') ? stored.slice(2) : stored];
}

export function deadProps(res: Resource): Record<string, string> {
  return res.type === 'collection' ? res.collection.props : {};
}

/** Whether `after` may become a collection's dead properties, replacing `before`: within
 *  MAX_DEAD_PROPERTIES and MAX_DEAD_PROPERTY_BYTES, or at least not growing past them, so
 *  that a collection over them (made before they existed) can still shed properties. */
export function deadPropsFit(after: Record<string, string>, before: Record<string, string> = {}): boolean {
  const count = (props: Record<string, string>) => Object.keys(props).length;
  const bytes = (props: Record<string, string>) => Object.entries(props).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  const fits = (measure: (p: Record<string, string>) => number, max: number) => measure(after) <= max || measure(after) <= measure(before);
  return fits(count, MAX_DEAD_PROPERTIES) && fits(bytes, MAX_DEAD_PROPERTY_BYTES);
}

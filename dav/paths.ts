// The URL layout (what a client is told to configure is /dav/ or the server root; the rest
// is discovered through PROPFIND):
//   /dav/                                          context root (RFC 6764 target)
//   /dav/principals/<address>/                     the user's principal (RFC 5397)
//   /dav/calendars/<address>/                      calendar home: own calendars, then
//   /dav/calendars/<address>/group-<group>/          each group's shared calendar
//   /dav/addressbooks/<address>/                   address book home: own address books, then
//   /dav/addressbooks/<address>/directory/           the district directory (read-only)
//   /dav/addressbooks/<address>/directory-<unit>/    the people of a hidden unit the user is in
//   .../<collection>/<item>                        one calendar object or vCard
import type { DavKind } from '../storage/index.js';

export const ROOT = '/dav/';
export const PRINCIPALS = '/dav/principals/';
export const DIRECTORY_SLUG = 'directory';
export const GROUP_PREFIX = 'group-';

/** URL segment of a directory book: the shared one (null), or a hidden unit's. Unit names may
 *  hold '/', which a decoded segment may not: the name is encoded once more. */
export const directorySlug = (unit: string | null) => (unit === null ? DIRECTORY_SLUG : `${DIRECTORY_SLUG}-${encodeURIComponent(unit)}`);

const HOME_SEGMENT: Record<DavKind, string> = { calendar: 'calendars', addressbook: 'addressbooks' };

/** Like encodeURIComponent but keeps '@', which clients show in paths and compare literally. */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/%40/g, '@');
}

export const principalHref = (address: string) => `${PRINCIPALS}${encodeSegment(address)}/`;
export const homeHref = (kind: DavKind, address: string) => `${ROOT}${HOME_SEGMENT[kind]}/${encodeSegment(address)}/`;
export const collectionHref = (kind: DavKind, address: string, slug: string) => `${homeHref(kind, address)}${encodeSegment(slug)}/`;
export const itemHref = (collection: string, name: string) => `${collection}${encodeSegment(name)}`;

export type ParsedPath =
  | { t: 'root' }
  | { t: 'principals' }
  | { t: 'principal'; address: string }
  | { t: 'home'; kind: DavKind; address: string }
  | { t: 'collection'; kind: DavKind; address: string; slug: string }
  | { t: 'item'; kind: DavKind; address: string; slug: string; name: string };

/** null for anything outside the layout, including undecodable segments. */
export function parsePath(pathname: string): ParsedPath | null {
  if (pathname !== '/dav' && !pathname.startsWith(ROOT)) return null;
  let segments: string[];
  try {
    segments = pathname.slice(ROOT.length).split('/').filter((s, i, all) => s !== '' || i < all.length - 1).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/'))) return null;
  const [top, address, slug, name, ...rest] = segments;
  if (top === undefined) return { t: 'root' };
  if (top === 'principals') {
    if (address === undefined) return { t: 'principals' };
    return slug === undefined ? { t: 'principal', address: address.toLowerCase() } : null;
  }
  const kind: DavKind | null = top === 'calendars' ? 'calendar' : top === 'addressbooks' ? 'addressbook' : null;
  if (!kind || address === undefined || rest.length > 0) return null;
  const addr = address.toLowerCase();
  if (slug === undefined) return { t: 'home', kind, address: addr };
  if (name === undefined) return { t: 'collection', kind, address: addr, slug };
  return { t: 'item', kind, address: addr, slug, name };
}

/** Path of an href a client sent (absolute URL or absolute path), or null. */
export function hrefPath(href: string): string | null {
  try {
    return new URL(href.trim(), 'http://localhost').pathname;
  } catch {
    return null;
  }
}

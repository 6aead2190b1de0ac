// dav: WebDAV (RFC 4918), CalDAV (RFC 4791), CardDAV (RFC 6352) and sync-collection
// (RFC 6578) on the shared HTTP listener, plus the RFC 6764 well-known redirects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CredentialCache, type Authenticator, type Delivery } from '../core/index.js';
import { parsePrefer, type HttpRoute } from '../core/http/index.js';
import type { Logger } from '../core/log.js';
import type { Group, Store } from '../storage/index.js';
import { authenticate } from './auth.js';
import type { DavDeps, DavOptions, DavRequest } from './context.js';
import { DirectoryBook } from './directory/book.js';
import { DavError, notFound, toDavError } from './errors.js';
import { empty, sendError } from './http.js';
import { copyMove } from './methods/copymove.js';
import { get, put, remove } from './methods/items.js';
import { mkcol } from './methods/mkcol.js';
import { propfind } from './methods/propfind.js';
import { proppatch } from './methods/proppatch.js';
import { ROOT } from './paths.js';
import { report } from './reports/index.js';
import { resolve } from './resources.js';

export { DirectoryBook } from './directory/book.js';
export type { DavOptions } from './context.js';
export { MAX_COLLECTIONS_PER_HOME, MAX_DEAD_PROPERTIES, MAX_DEAD_PROPERTY_BYTES, MAX_REPORT_INSTANCES } from './limits.js';

export interface DavRoutesOptions extends Partial<DavOptions> {
  store: Pick<Store, 'accounts' | 'dav' | 'changes'>;
  authenticator: Authenticator;
  log: Logger;
  delivery?: Delivery;
}

const MiB = 1024 * 1024;
const METHODS = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, MKCALENDAR, REPORT, COPY, MOVE';
// Class 3 is RFC 4918 without locks; extended-mkcol is RFC 5689 §3; calendar-auto-schedule
// (RFC 6638 §2) tells clients that the server sends organizers' invitations (scheduling.ts).
const DAV_HEADER = '1, 3, access-control, calendar-access, calendar-auto-schedule, addressbook, extended-mkcol';

export function createDavRoutes(options: DavRoutesOptions): HttpRoute[] {
  const deps: DavDeps = {
    store: options.store,
    authenticator: options.authenticator,
    log: options.log,
    options: { maxResourceBytes: options.maxResourceBytes ?? MiB, maxRequestBytes: options.maxRequestBytes ?? MiB },
    directory: new DirectoryBook(options.store, options.log),
    delivery: options.delivery,
    credentials: new CredentialCache(options.store),
  };
  // Built in the background from the start, so that the first client does not wait for a
  // large district's cards; requests wait for it only if it is still running.
  setImmediate(() => deps.directory.sync().catch((err) => deps.log.warn({ err }, 'directory address book: first build failed; retried at the next request')));
  const wellKnown = (prefix: string): HttpRoute => ({
    prefix,
    name: 'dav-well-known',
    // RFC 6764 §5: the well-known URI redirects to the context path, for every method.
    handle: (_req, res) => empty(res, 301, { location: ROOT }),
  });
  return [
    { prefix: '/dav', name: 'dav', handle: (req, res) => handle(deps, req, res) },
    wellKnown('/.well-known/caldav'),
    wellKnown('/.well-known/carddav'),
  ];
}

async function handle(deps: DavDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const log = deps.log;
  if (method === 'OPTIONS') {
    // The same answer on every path and without credentials: it reveals nothing.
    return empty(res, 200, { dav: DAV_HEADER, allow: METHODS });
  }
  let user;
  try {
    user = await authenticate(deps.authenticator, req, res, deps.credentials);
  } catch (err) {
    log.error({ err, method, path }, 'DAV authentication failed');
    return sendError(res, new DavError(503, 'temporarily unavailable'));
  }
  if (!user) return void req.resume();
  let groups: Promise<Group[]> | null = null;
  const ctx: DavRequest = {
    deps, req, res, user, path, log,
    groups: () => (groups ??= deps.store.accounts.listGroupsOfUser(user.id)),
    minimal: parsePrefer(req.headers.prefer).get('return')?.toLowerCase() === 'minimal' || String(req.headers.brief ?? '').trim().toLowerCase() === 't',
  };
  try {
    const resource = await resolve(ctx, path);
    if (!resource) throw notFound();
    switch (method) {
      case 'PROPFIND': return await propfind(ctx, resource);
      case 'PROPPATCH': return await proppatch(ctx, resource);
      case 'MKCOL': return await mkcol(ctx, resource, 'MKCOL');
      case 'MKCALENDAR': return await mkcol(ctx, resource, 'MKCALENDAR');
      case 'GET': return await get(ctx, resource, false);
      case 'HEAD': return await get(ctx, resource, true);
      case 'PUT': return await put(ctx, resource);
      case 'DELETE': return await remove(ctx, resource);
      case 'COPY': return await copyMove(ctx, resource, false);
      case 'MOVE': return await copyMove(ctx, resource, true);
      case 'REPORT': return await report(ctx, resource);
      default: throw new DavError(405, `${method} is not supported`, null, { allow: METHODS });
    }
  } catch (err) {
    // Store errors on a write of data carry the data's precondition (valid-*-data, no-uid-conflict).
    const writesData = method === 'PUT' || method === 'COPY' || method === 'MOVE';
    const kind = !writesData ? undefined : path.startsWith(`${ROOT}calendars/`) ? 'calendar' : path.startsWith(`${ROOT}addressbooks/`) ? 'addressbook' : undefined;
    const { error, fault } = toDavError(err, { kind });
    if (fault) log.error({ err, method, path, user: user.address }, 'DAV request failed');
    else log.debug({ method, path, user: user.address, status: error.status, why: error.message }, 'DAV request refused');
    req.resume();
    sendError(res, error, method === 'HEAD');
  }
}

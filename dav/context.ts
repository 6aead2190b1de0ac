// What every method handler receives.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator, CredentialCache, Delivery } from '../core/index.js';
import type { Logger } from '../core/log.js';
import type { Group, Store, User } from '../storage/index.js';
import type { DirectoryBook } from './directory/book.js';

export interface DavOptions {
  /** Largest calendar object or vCard accepted (CalDAV/CardDAV max-resource-size). */
  maxResourceBytes: number;
  /** Largest XML request body (PROPFIND, REPORT...). */
  maxRequestBytes: number;
}

export interface DavDeps {
  store: Pick<Store, 'accounts' | 'dav' | 'changes'>;
  authenticator: Authenticator;
  log: Logger;
  options: DavOptions;
  directory: DirectoryBook;
  /** Sends organizers' invitations by mail (scheduling.ts); none: nothing is sent. */
  delivery?: Delivery;
  /** Clients send the password with every request: verified ones are remembered briefly. */
  credentials?: CredentialCache;
}

export interface DavRequest {
  deps: DavDeps;
  req: IncomingMessage;
  res: ServerResponse;
  user: User;
  /** Decoded request path. */
  path: string;
  log: Logger;
  /** The user's groups, read once per request. */
  groups(): Promise<Group[]>;
  /** Prefer: return=minimal (RFC 7240 §4.2) or the older Brief: t, read once per request:
   *  multistatus answers then leave out 404 propstats (RFC 8144 §2). */
  minimal: boolean;
}

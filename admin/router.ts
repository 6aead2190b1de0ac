// A small method + path-template router for the admin API. Each route carries what the OpenAPI
// document needs to stay honest about it (the test compares the two).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounts, Actor } from '../core/accounts/index.js';
import type { AccountDeletion, AdminTokens, QueueAdmin, Scope } from '../core/operations/index.js';
import type { Dkim } from '../core/dkim/index.js';
import type { Logger } from '../core/log.js';
import type { AdminToken, Store } from '../storage/index.js';
import { HttpError } from './errors.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** What the API is built on: the same core services the CLI uses. */
export interface AdminDeps {
  store: Store;
  accounts: Accounts;
  dkim: Dkim;
  tokens: AdminTokens;
  queueAdmin: QueueAdmin;
  deletion: AccountDeletion;
  /** Private folder (0700) for temporary files, such as the mbox files of an export. */
  tmpDir: string;
  log: Logger;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  deps: AdminDeps;
  params: Record<string, string>;
  query: URLSearchParams;
  token: AdminToken;
  scope: Scope;
  /** token:<id> and the client's IP, for the audit log. */
  actor: Actor;
  /** The parsed JSON body (an object), or {} when there is none. */
  body(): Promise<Record<string, unknown>>;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** The handler wrote the response itself (a download). */
  sent?: true;
}

export interface ApiRoute {
  method: Method;
  /** Below /api/admin, with {name} for a path segment: '/users/{address}'. */
  path: string;
  handle(ctx: RequestContext): Promise<Reply>;
}

export interface Match {
  route: ApiRoute;
  params: Record<string, string>;
}

export class ApiRouter {
  constructor(readonly routes: ApiRoute[]) {}

  /** The route for this method and path; 405 if only other methods match, 404 if none. */
  match(method: string, path: string): Match {
    const segments = path.split('/').slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchTemplate(route.path, segments);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
    throw new HttpError(404, 'NO_ROUTE', `no admin API route ${path}`);
  }
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | null {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const m = /^\{(\w+)\}$/.exec(parts[i]);
    if (m) {
      if (segments[i] === '') return null;
      try {
        params[m[1]] = decodeURIComponent(segments[i]);
      } catch {
        throw new HttpError(400, 'BAD_PATH', 'malformed percent-encoding in the path');
      }
    } else if (parts[i] !== segments[i]) {
      return null;
    }
  }
  return params;
}

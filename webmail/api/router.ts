// A small method + path table for /api: ':name' segments become params; a path that exists
// with another method answers 405; authentication and CSRF are checked before any handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../../core/http/index.js';
import type { AuthedContext, RequestContext, WebmailDeps } from './context.js';
import { Errors, sendError } from './errors.js';
import { readJson } from './http.js';
import type { Sessions } from './sessions.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How large a JSON body a route reads. Small by default: anyone can send a login, and each
 * open request holds its body in memory (30 logins of 64 MB took 1 GB). 'text' for long free
 * text (an event's description, a signature and an out-of-office reply: 30,000 characters
 * of up to 3 bytes each), 'message' for a whole message with its attachments.
 */
export type BodySize = 'small' | 'text' | 'message';

/** `path` is below /api, e.g. '/mailboxes/:id/messages'. Only the login goes without a session. */
export type ApiRoute = { method: Method; path: string; body?: BodySize } & (
  | { auth: false; handler(ctx: RequestContext): Promise<void> }
  | { auth?: true; handler(ctx: AuthedContext): Promise<void> });

type Compiled = ApiRoute & { pattern: RegExp; names: string[] };

const SAFE = new Set(['GET', 'HEAD']);

export function apiRoute(deps: WebmailDeps, sessions: Sessions, routes: ApiRoute[]): HttpRoute {
  const table: Compiled[] = routes.map((r) => {
    const names: string[] = [];
    const source = r.path.split('/').map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(seg.slice(1));
      return '([^/]+)';
    }).join('/');
    return { ...r, pattern: new RegExp(`^/api${source}$`), names };
  });
  const limits: Record<BodySize, number> = {
    small: 64 * 1024,
    text: 256 * 1024,
    // JSON with base64 attachments is 4/3 of the message, plus room for the other fields.
    message: Math.ceil((deps.maxMessageBytes * 4) / 3) + 64 * 1024,
  };
  const log = deps.log;

  return {
    prefix: '/api',
    name: 'webmail-api',
    async handle(req: IncomingMessage, res: ServerResponse) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
      const context = { method: req.method, path: url.pathname };
      try {
        const candidates: { route: Compiled; match: RegExpExecArray }[] = [];
        for (const route of table) {
          const match = route.pattern.exec(url.pathname);
          if (match) candidates.push({ route, match });
        }
        if (candidates.length === 0) throw Errors.notFound('No such API route');
        const found = candidates.find((c) => c.route.method === method);
        if (!found) throw Errors.methodNotAllowed([...new Set(candidates.map((c) => c.route.method))]);

        const params: Record<string, string> = {};
        found.route.names.forEach((name, i) => {
          try {
            params[name] = decodeURIComponent(found.match[i + 1]);
          } catch {
            throw Errors.badRequest(`Malformed ${name} in the path`);
          }
        });
        let body: Promise<Record<string, unknown>> | null = null;
        const ctx: RequestContext = {
          deps, req, res, url, params, log,
          body: () => (body ??= readJson(req, res, limits[found.route.body ?? 'small'])),
        };
        const route = found.route;
        if (route.auth === false) return await route.handler(ctx);

        const current = await sessions.resolve(req);
        if (!current) throw Errors.unauthenticated();
        // Double submit: the token comes from a JSON answer a foreign page cannot read, and
        // SameSite=Strict already keeps the cookie off cross-site requests (belt and braces).
        if (!SAFE.has(req.method ?? 'GET') && !sessions.checkCsrf(current.session, req.headers['x-csrf-token'])) throw Errors.csrf();
        const authed: AuthedContext = { ...ctx, user: current.user, session: current.session, log: log.child({ user: current.user.address }) };
        await route.handler(authed);
      } catch (err) {
        sendError(res, err, log, context);
      }
    },
  };
}

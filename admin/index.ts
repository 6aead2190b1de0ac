// The admin REST API under /api/admin: bearer tokens (facteur token create), JSON in and out,
// rights checked here on every request (a unit admin's token reaches only its units), every
// change audited by the core services with the token as actor. The OpenAPI document is served
// at /api/admin/openapi.json without a token: it holds no data.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Scope, tokenActor } from '../core/operations/index.js';
import { canonicalIp } from '../core/auth/index.js';
import { isSecureChannel, type HttpRoute } from '../core/http/index.js';
import { readJson } from './body.js';
import { HttpError, sendError, sendJson } from './errors.js';
import { openApiDocument } from './openapi.js';
import { ApiRouter, type AdminDeps, type RequestContext } from './router.js';
import { apiRoutes } from './routes/index.js';

export type { AdminDeps } from './router.js';
export { apiRoutes } from './routes/index.js';
export { openApiDocument } from './openapi.js';

export const ADMIN_PREFIX = '/api/admin';

export function createAdminRoute(deps: AdminDeps): HttpRoute {
  const router = new ApiRouter(apiRoutes);
  const log = deps.log.child({ svc: 'admin' });
  return {
    prefix: ADMIN_PREFIX,
    name: 'admin',
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname.slice(ADMIN_PREFIX.length) || '/';
      try {
        if (path === '/openapi.json') {
          if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET, HEAD' });
          return sendJson(res, 200, openApiDocument);
        }
        const { route, params } = router.match(req.method ?? '', path);
        const ctx = await authenticate(req, res, deps, url, params);
        const reply = await route.handle(ctx);
        if (!reply.sent) sendJson(res, reply.status, reply.body);
      } catch (err) {
        sendError(res, err, log, { method: req.method, path });
      }
    },
  };
}

async function authenticate(req: IncomingMessage, res: ServerResponse, deps: AdminDeps, url: URL, params: Record<string, string>): Promise<RequestContext> {
  const ip = canonicalIp(req.socket.remoteAddress ?? '');
  // RFC 6750 §5.3: bearer tokens only over TLS (or on this machine).
  if (!isSecureChannel(req)) throw new HttpError(403, 'TLS_REQUIRED', 'use HTTPS for the admin API');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const check = await deps.tokens.check(m?.[1]);
  if (!check.ok) {
    if (check.token) {
      // A real token past its life is worth a trace: it may have leaked.
      await deps.store.audit.append({
        actor: tokenActor(check.token).name, ip, action: 'admin.auth', target: null, unit: null, success: false,
        details: { reason: check.reason, name: check.token.name },
      });
    }
    const error = check.reason === 'missing' ? '' : ', error="invalid_token"';
    throw new HttpError(401, 'UNAUTHORIZED', check.reason === 'missing' ? 'send "Authorization: Bearer <token>"' : `token ${check.reason}`,
      { 'www-authenticate': `Bearer realm="facteur-admin"${error}` });
  }
  const token = check.token;
  let body: Promise<Record<string, unknown>> | null = null;
  return {
    req, res, deps, params, query: url.searchParams, token,
    scope: await Scope.of(token, deps.store.accounts),
    actor: tokenActor(token, ip),
    body: () => (body ??= readJson(req)),
  };
}

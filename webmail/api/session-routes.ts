// POST/GET/DELETE /api/session: login through core's Authenticator (the brute-force guard is
// shared with IMAP and SMTP), logout, and who am I.
import type { User } from '../../storage/index.js';
import type { ApiRoute } from './router.js';
import { Errors } from './errors.js';
import { sendJson, str } from './http.js';
import type { Sessions } from './sessions.js';

export function publicUser(user: User) {
  return { address: user.address, displayName: user.displayName };
}

export function sessionRoutes(sessions: Sessions): ApiRoute[] {
  return [
    {
      method: 'POST', path: '/session', auth: false,
      async handler(ctx) {
        const body = await ctx.body();
        const address = str(body, 'address', { max: 320 });
        const password = str(body, 'password', { max: 1024 });
        const result = await ctx.deps.authenticator.authenticate({
          username: address, password, protocol: 'webmail',
          ip: ctx.req.socket.remoteAddress ?? '', client: String(ctx.req.headers['user-agent'] ?? '').slice(0, 200) || null,
        });
        if (!result.ok) {
          ctx.log.info({ reason: result.reason }, 'webmail login refused');
          if (result.reason === 'throttled') throw Errors.throttled(result.retryAfterMs);
          if (result.reason === 'disabled') throw Errors.accountDisabled();
          throw Errors.badCredentials();
        }
        // A login replaces the session this browser had: one cookie, one session.
        const previous = await sessions.resolve(ctx.req);
        if (previous) await sessions.destroy(previous.session);
        const { session, token } = await sessions.create(result.user);
        ctx.log.info({ user: result.user.address }, 'webmail login');
        sendJson(ctx.res, 200, { user: publicUser(result.user), csrf: session.csrf }, { 'set-cookie': sessions.cookie(ctx.req, token) });
      },
    },
    {
      method: 'GET', path: '/session',
      async handler(ctx) {
        sendJson(ctx.res, 200, { user: publicUser(ctx.user), csrf: ctx.session.csrf });
      },
    },
    {
      method: 'DELETE', path: '/session',
      async handler(ctx) {
        await sessions.destroy(ctx.session);
        sendJson(ctx.res, 204, null, { 'set-cookie': sessions.clearCookie(ctx.req) });
      },
    },
  ];
}

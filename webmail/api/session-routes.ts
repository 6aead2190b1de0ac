// POST/GET/DELETE /api/session: login through core's Authenticator (the brute-force guard is
// shared with IMAP and SMTP), logout, and who am I. A user with the TOTP second factor on gets
// a short-lived challenge instead of a session, and the session at POST /api/session/totp.
import type { TotpFactor } from '../../core/index.js';
import type { User } from '../../storage/index.js';
import type { RequestContext } from './context.js';
import type { ApiRoute } from './router.js';
import { ApiError, Errors } from './errors.js';
import { sendJson, str } from './http.js';
import type { LoginChallenges } from './login-challenges.js';
import type { Sessions } from './sessions.js';

export interface SecondFactorDeps {
  totp: TotpFactor;
  challenges: LoginChallenges;
}

function clientOf(ctx: RequestContext): string | null {
  return String(ctx.req.headers['user-agent'] ?? '').slice(0, 200) || null;
}

/** Ends the session this browser had (one cookie, one session) and opens one for `user`. */
async function openSession(ctx: RequestContext, sessions: Sessions, user: User, extra: Record<string, unknown> = {}): Promise<void> {
  const previous = await sessions.resolve(ctx.req);
  if (previous) await sessions.destroy(previous.session);
  const { session, token } = await sessions.create(user);
  ctx.log.info({ user: user.address }, 'webmail login');
  sendJson(ctx.res, 200, { user: publicUser(user), csrf: session.csrf, ...extra }, { 'set-cookie': sessions.cookie(ctx.req, token) });
}

export function publicUser(user: User) {
  return { address: user.address, displayName: user.displayName };
}

export function sessionRoutes(sessions: Sessions, factor: SecondFactorDeps): ApiRoute[] {
  return [
    {
      method: 'POST', path: '/session', auth: false,
      async handler(ctx) {
        const body = await ctx.body();
        const address = str(body, 'address', { max: 320 });
        const password = str(body, 'password', { max: 1024 });
        // The authenticator asks whether a code is due (for its audit entry) except for app
        // passwords: the answer is kept so the TOTP row is read once, and asked here otherwise.
        const asked: { totp?: boolean } = {};
        const result = await ctx.deps.authenticator.authenticate({
          username: address, password, protocol: 'webmail',
          ip: ctx.req.socket.remoteAddress ?? '', client: clientOf(ctx),
          secondFactor: async (u) => ((asked.totp = await factor.totp.required(u)) ? 'totp' : null),
        });
        if (!result.ok) {
          ctx.log.info({ reason: result.reason }, 'webmail login refused');
          if (result.reason === 'throttled') throw Errors.throttled(result.retryAfterMs);
          if (result.reason === 'disabled') throw Errors.accountDisabled();
          throw Errors.badCredentials();
        }
        if (asked.totp ?? await factor.totp.required(result.user)) {
          // No cookie yet: the password alone opens nothing.
          sendJson(ctx.res, 200, { secondFactor: 'totp', challenge: factor.challenges.create(result.user.id) });
          return;
        }
        await openSession(ctx, sessions, result.user);
      },
    },
    {
      method: 'POST', path: '/session/totp', auth: false,
      async handler(ctx) {
        const body = await ctx.body();
        const challenge = str(body, 'challenge', { max: 100 });
        const code = str(body, 'code', { max: 64 });
        const userId = factor.challenges.peek(challenge);
        const user = userId ? await ctx.deps.store.accounts.getUser(userId) : null;
        if (!user || !user.enabled) {
          factor.challenges.consume(challenge);
          throw new ApiError(401, 'login_expired', 'The login has expired: give your password again');
        }
        const result = await factor.totp.verify({ user, code, protocol: 'webmail', ip: ctx.req.socket.remoteAddress ?? '', client: clientOf(ctx) });
        if (!result.ok) {
          ctx.log.info({ reason: result.reason }, 'webmail second factor refused');
          if (result.reason === 'throttled') throw Errors.throttled(result.retryAfterMs);
          const triesLeft = factor.challenges.failed(challenge);
          throw new ApiError(401, triesLeft > 0 ? 'bad_code' : 'login_expired',
            triesLeft > 0 ? 'Wrong or already used code' : 'Too many wrong codes: give your password again', { triesLeft });
        }
        factor.challenges.consume(challenge);
        await openSession(ctx, sessions, user, result.method === 'recovery-code' ? { recoveryCodesLeft: result.recoveryCodesLeft } : {});
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

// The account's security and data: the TOTP second factor (enrol, confirm, disable, new
// recovery codes), the user's own recent logins from the audit log, and the export of all
// their data (the archive `facteur user export` writes).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { auditExport, writeUserArchive } from '../../core/export/index.js';
import type { Actor, TotpFactor } from '../../core/index.js';
import type { AuthedContext } from './context.js';
import { ApiError, Errors } from './errors.js';
import { sendJson, str } from './http.js';
import type { ApiRoute } from './router.js';

const RECENT_LOGINS = 20;
/** Audit entries read to find the recent logins among the user's other entries. */
const AUDIT_SCAN = 500;

function actor(ctx: AuthedContext): Actor {
  return { name: ctx.user.address, ip: ctx.req.socket.remoteAddress ?? null };
}

/** Turning the factor off or replacing its recovery codes takes the password and a code:
 *  a session left open on a shared computer must not be enough. */
async function checkPasswordAndCode(ctx: AuthedContext, totp: TotpFactor): Promise<void> {
  const body = await ctx.body();
  const password = str(body, 'password', { max: 1024 });
  const code = str(body, 'code', { max: 64 });
  const ip = ctx.req.socket.remoteAddress ?? '';
  const check = await ctx.deps.authenticator.authenticate({ username: ctx.user.address, password, protocol: 'webmail', ip });
  if (!check.ok) {
    if (check.reason === 'throttled') throw Errors.throttled(check.retryAfterMs);
    throw Errors.badCredentials();
  }
  const second = await totp.verify({ user: ctx.user, code, protocol: 'webmail', ip });
  if (!second.ok) {
    if (second.reason === 'throttled') throw Errors.throttled(second.retryAfterMs);
    throw new ApiError(401, 'bad_code', 'Wrong or already used code');
  }
}

export function securityRoutes(totp: TotpFactor): ApiRoute[] {
  const exporting = new Set<string>();
  let privateTmp: Promise<string> | null = null;
  const tmpDir = (ctx: AuthedContext) => ctx.deps.tmpDir
    ?? (privateTmp ??= mkdtemp(path.join(os.tmpdir(), 'facteur-webmail-export-'))); // mkdtemp makes it 0700

  return [
    {
      method: 'GET', path: '/settings/totp',
      async handler(ctx) {
        sendJson(ctx.res, 200, await totp.status(ctx.user));
      },
    },
    {
      method: 'POST', path: '/settings/totp',
      async handler(ctx) {
        if ((await totp.status(ctx.user)).enabled) throw Errors.conflict('The second factor is already on: turn it off first');
        // The secret goes to this answer only (never to a log line).
        sendJson(ctx.res, 201, await totp.beginEnrolment(ctx.user));
      },
    },
    {
      method: 'POST', path: '/settings/totp/confirm',
      async handler(ctx) {
        const code = str(await ctx.body(), 'code', { max: 64 });
        sendJson(ctx.res, 200, await totp.confirmEnrolment(ctx.user, code, actor(ctx)));
      },
    },
    {
      method: 'POST', path: '/settings/totp/disable',
      async handler(ctx) {
        if (!(await totp.status(ctx.user)).enabled) throw Errors.conflict('The second factor is not on');
        await checkPasswordAndCode(ctx, totp);
        await totp.disable(ctx.user, actor(ctx));
        sendJson(ctx.res, 204, null);
      },
    },
    {
      method: 'POST', path: '/settings/totp/recovery-codes',
      async handler(ctx) {
        if (!(await totp.status(ctx.user)).enabled) throw Errors.conflict('The second factor is not on');
        await checkPasswordAndCode(ctx, totp);
        sendJson(ctx.res, 200, { recoveryCodes: await totp.regenerateRecoveryCodes(ctx.user, actor(ctx)) });
      },
    },
    {
      method: 'GET', path: '/settings/logins',
      async handler(ctx) {
        const entries = await ctx.deps.store.audit.query({ target: ctx.user.address, limit: AUDIT_SCAN });
        const logins = entries.filter((e) => e.action.startsWith('login.')).slice(0, RECENT_LOGINS).map((e) => {
          const d = e.details;
          const text = (k: string) => (typeof d[k] === 'string' ? d[k] as string : null);
          return {
            at: e.at.toISOString(), protocol: e.action.slice('login.'.length), ip: e.ip, client: text('client'), success: e.success,
            reason: text('reason'), appPassword: text('appPassword'), secondFactor: text('secondFactor'), factor: text('factor'),
          };
        });
        sendJson(ctx.res, 200, { logins });
      },
    },
    {
      method: 'GET', path: '/export',
      async handler(ctx) {
        // One export per user at a time: it reads the whole mailbox.
        if (exporting.has(ctx.user.id)) throw new ApiError(429, 'export_running', 'An export of this account is already running');
        exporting.add(ctx.user.id);
        try {
          const dir = await tmpDir(ctx);
          const day = new Date().toISOString().slice(0, 10);
          ctx.res.writeHead(200, {
            'content-type': 'application/gzip', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
            'content-disposition': `attachment; filename="${ctx.user.address.replace(/[^a-z0-9@._-]/g, '_')}-${day}.tar.gz"`,
          });
          const summary = await writeUserArchive(ctx.deps.store, ctx.user, ctx.res, { tmpDir: dir });
          await auditExport(ctx.deps.store, ctx.user, summary, actor(ctx));
        } finally {
          exporting.delete(ctx.user.id);
        }
      },
    },
  ];
}

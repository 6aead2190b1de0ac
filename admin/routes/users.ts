// Users: list, get, idempotent PUT by address (what a nightly directory sync calls), PATCH,
// quota, password, enable/disable, delete. A unit admin works only inside its units.
import { normalizeAddress, parseSize } from '../../core/accounts/index.js';
import { Forbidden, Invalid } from '../../core/errors.js';
import { auditExport, writeUserArchive } from '../../core/export/index.js';
import type { Role, User } from '../../storage/index.js';
import { optBoolean, optNullableString, optString, queryInt, reqString } from '../body.js';
import type { ApiRoute, RequestContext } from '../router.js';
import { userView } from '../views.js';

const ROLES: Role[] = ['user', 'unit-admin', 'admin'];

/** The user at {address} if the token may see it; 404 otherwise. */
export async function visibleUser(ctx: RequestContext, address = ctx.params.address): Promise<User> {
  const normalized = normalizeAddress(address);
  return ctx.scope.user(await ctx.deps.store.accounts.getUserByAddress(normalized), normalized);
}

function quotaOf(body: Record<string, unknown>): number | undefined {
  const v = body.quota;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' && typeof v !== 'string') throw new Invalid('quota must be bytes or a size such as "2G"', 'quota');
  return parseSize(v);
}

function roleOf(ctx: RequestContext, body: Record<string, unknown>): Role | undefined {
  const role = optString(body, 'role') as Role | undefined;
  if (role === undefined) return undefined;
  if (!ROLES.includes(role)) throw new Invalid(`invalid role "${role}": use user, unit-admin or admin`, 'role');
  // Rights are granted from above: a unit admin makes users, not other admins.
  if (!ctx.scope.isDistrict && role !== 'user') throw new Forbidden('a unit admin may only give the role user');
  return role;
}

/** The unit asked for, checked against the token; a unit admin with one unit gets it by default. */
function unitOf(ctx: RequestContext, body: Record<string, unknown>, creating: boolean): string | null | undefined {
  let unit = optNullableString(body, 'unit');
  if (unit === undefined && creating && !ctx.scope.isDistrict && ctx.token.units.length === 1) unit = ctx.token.units[0];
  if (unit !== undefined && !(unit === null && ctx.scope.isDistrict)) ctx.scope.requireUnit(unit?.trim() || null);
  return unit === null ? null : unit?.trim();
}

/** Applies the fields given to an existing user, one audited step per kind of change. */
async function applyChanges(ctx: RequestContext, user: User, body: Record<string, unknown>): Promise<User> {
  const { accounts } = ctx.deps;
  const name = optString(body, 'name');
  const role = roleOf(ctx, body);
  const unit = unitOf(ctx, body, false);
  const quota = quotaOf(body);
  const enabled = optBoolean(body, 'enabled');
  let current = user;
  const patch: { displayName?: string; unit?: string | null; role?: Role } = {};
  if (name !== undefined && name.trim() !== current.displayName) patch.displayName = name.trim();
  if (unit !== undefined && unit !== current.unit) patch.unit = unit;
  if (role !== undefined && role !== current.role) patch.role = role;
  if ((patch.role ?? current.role) === 'unit-admin' && !(patch.unit !== undefined ? patch.unit : current.unit)) {
    throw new Invalid('a unit-admin needs a unit', 'unit');
  }
  if (Object.keys(patch).length > 0) current = await accounts.updateUser(current.address, patch, ctx.actor);
  if (quota !== undefined && quota !== current.quotaBytes) current = await accounts.setQuota(current.address, quota, ctx.actor);
  if (enabled !== undefined && enabled !== current.enabled) current = await accounts.setEnabled(current.address, enabled, ctx.actor);
  return current;
}

export const userRoutes: ApiRoute[] = [
  {
    method: 'GET', path: '/users',
    async handle(ctx) {
      const domain = ctx.query.get('domain') ?? undefined;
      const unit = ctx.query.get('unit');
      if (unit !== null && !ctx.scope.seesUnit(unit)) return { status: 200, body: { users: [], next: null } };
      const units = unit !== null ? [unit] : ctx.scope.units;
      const limit = queryInt(ctx.query, 'limit', 100, 1000);
      const users = await ctx.deps.store.accounts.listUsers({
        domain: domain?.toLowerCase(), units, after: ctx.query.get('after') ?? undefined, limit,
      });
      return { status: 200, body: { users: users.map(userView), next: users.length === limit ? users[users.length - 1].address : null } };
    },
  },
  {
    method: 'GET', path: '/users/{address}',
    async handle(ctx) {
      return { status: 200, body: userView(await visibleUser(ctx)) };
    },
  },
  {
    // Idempotent: creates the user when absent, else brings the fields given to these values.
    // The password is only used on creation, so a nightly sync does not reset passwords.
    method: 'PUT', path: '/users/{address}',
    async handle(ctx) {
      const address = normalizeAddress(ctx.params.address);
      const body = await ctx.body();
      const existing = await ctx.deps.store.accounts.getUserByAddress(address);
      if (existing) return { status: 200, body: userView(await applyChanges(ctx, ctx.scope.user(existing, address), body)) };
      const created = await ctx.deps.accounts.createUser({
        address,
        displayName: optString(body, 'name'),
        password: optNullableString(body, 'password'),
        quotaBytes: quotaOf(body),
        unit: unitOf(ctx, body, true) ?? null,
        role: roleOf(ctx, body),
        enabled: optBoolean(body, 'enabled'),
      }, ctx.actor);
      return { status: 201, body: userView(created) };
    },
  },
  {
    method: 'PATCH', path: '/users/{address}',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      const body = await ctx.body();
      if ('password' in body) throw new Invalid('change passwords with POST /users/{address}/password', 'password');
      return { status: 200, body: userView(await applyChanges(ctx, user, body)) };
    },
  },
  {
    // Immediate without a grace period (204); else the account is disabled and purged later
    // unless restored (202 with the date).
    method: 'DELETE', path: '/users/{address}',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      const outcome = await ctx.deps.deletion.delete(user.address, ctx.actor);
      return outcome.purged ? { status: 204 } : { status: 202, body: { address: user.address, purgeAfter: outcome.pending.purgeAfter } };
    },
  },
  {
    method: 'POST', path: '/users/{address}/restore',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      return { status: 200, body: userView(await ctx.deps.deletion.restore(user.address, ctx.actor)) };
    },
  },
  {
    method: 'GET', path: '/users/{address}/quota',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      return { status: 200, body: { quotaBytes: user.quotaBytes, usedBytes: user.usedBytes } };
    },
  },
  {
    method: 'PUT', path: '/users/{address}/quota',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      const quota = quotaOf(await ctx.body());
      if (quota === undefined) throw new Invalid('quota is required (bytes, "2G" or "unlimited")', 'quota');
      const updated = await ctx.deps.accounts.setQuota(user.address, quota, ctx.actor);
      return { status: 200, body: { quotaBytes: updated.quotaBytes, usedBytes: updated.usedBytes } };
    },
  },
  {
    method: 'POST', path: '/users/{address}/password',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      await ctx.deps.accounts.setPassword(user.address, reqString(await ctx.body(), 'password'), ctx.actor);
      return { status: 204 };
    },
  },
  {
    // GDPR access/portability: the same archive as `facteur user export`, streamed.
    method: 'GET', path: '/users/{address}/export',
    async handle(ctx) {
      const user = await visibleUser(ctx);
      ctx.res.writeHead(200, {
        'content-type': 'application/gzip', 'cache-control': 'no-store',
        'content-disposition': `attachment; filename="${user.address.replace(/[^a-z0-9@._-]/g, '_')}.tar.gz"`,
      });
      const summary = await writeUserArchive(ctx.deps.store, user, ctx.res, { tmpDir: ctx.deps.tmpDir });
      await auditExport(ctx.deps.store, user, summary, ctx.actor);
      return { status: 200, sent: true };
    },
  },
  ...(['enable', 'disable'] as const).map((verb): ApiRoute => ({
    method: 'POST', path: `/users/{address}/${verb}`,
    async handle(ctx) {
      const user = await visibleUser(ctx);
      return { status: 200, body: userView(await ctx.deps.accounts.setEnabled(user.address, verb === 'enable', ctx.actor)) };
    },
  })),
];

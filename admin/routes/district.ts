// District-wide resources: domains, DKIM keys, aliases, the outbound queue, units. Only a
// district admin changes them; a unit admin may read the domains and units it needs to
// provision users, nothing else.
import { normalizeAddress, normalizeDomain } from '../../core/accounts/index.js';
import { setUnitHidden } from '../../core/accounts/index.js';
import { Invalid, NotFound } from '../../core/errors.js';
import type { DkimAlgorithm } from '../../storage/index.js';
import { optBoolean, optString, optStringList } from '../body.js';
import type { ApiRoute, RequestContext } from '../router.js';
import { aliasView, queueView } from '../views.js';

function district(ctx: RequestContext, what: string): void {
  ctx.scope.requireDistrict(what);
}

export const domainRoutes: ApiRoute[] = [
  {
    method: 'GET', path: '/domains',
    async handle(ctx) {
      const domains = await ctx.deps.store.accounts.listDomains();
      const units = ctx.scope.units;
      return {
        status: 200,
        body: { domains: await Promise.all(domains.map(async (d) => ({ name: d.name, users: await ctx.deps.store.accounts.countUsers({ domain: d.name, units }), createdAt: d.createdAt }))) },
      };
    },
  },
  {
    method: 'PUT', path: '/domains/{domain}',
    async handle(ctx) {
      district(ctx, 'adding a domain');
      const existing = await ctx.deps.store.accounts.getDomain(normalizeDomain(ctx.params.domain));
      if (existing) return { status: 200, body: { name: existing.name, createdAt: existing.createdAt } };
      const added = await ctx.deps.accounts.addDomain(ctx.params.domain, ctx.actor);
      return { status: 201, body: { name: added.name, createdAt: added.createdAt } };
    },
  },
  {
    method: 'DELETE', path: '/domains/{domain}',
    async handle(ctx) {
      district(ctx, 'removing a domain');
      const name = normalizeDomain(ctx.params.domain);
      if (!(await ctx.deps.store.accounts.getDomain(name))) throw new NotFound(`unknown domain ${name}`);
      await ctx.deps.accounts.removeDomain(name, ctx.actor);
      return { status: 204 };
    },
  },
  {
    method: 'GET', path: '/domains/{domain}/dkim',
    async handle(ctx) {
      district(ctx, 'DKIM keys');
      return { status: 200, body: { keys: await ctx.deps.dkim.list(ctx.params.domain) } };
    },
  },
  {
    method: 'POST', path: '/domains/{domain}/dkim',
    async handle(ctx) {
      district(ctx, 'DKIM keys');
      const body = await ctx.body();
      const record = await ctx.deps.dkim.generate(ctx.params.domain, {
        selector: optString(body, 'selector'), algorithm: optString(body, 'algorithm') as DkimAlgorithm | undefined,
      }, ctx.actor);
      return { status: 201, body: record };
    },
  },
  {
    method: 'GET', path: '/units',
    async handle(ctx) {
      const units = (await ctx.deps.store.accounts.listUnits()).filter((u) => ctx.scope.seesUnit(u.name));
      return { status: 200, body: { units } };
    },
  },
  {
    // Hidden from other units in the directory (core/accounts/units.ts). A unit admin may not,
    // not even for its own unit: it would decide what the rest of the district sees.
    method: 'PUT', path: '/units/{unit}/hidden',
    async handle(ctx) {
      district(ctx, 'hiding or showing a unit');
      const hidden = optBoolean(await ctx.body(), 'hidden');
      if (hidden === undefined) throw new Invalid('give "hidden": true or false', 'hidden');
      return { status: 200, body: await setUnitHidden(ctx.deps.store, ctx.params.unit, hidden, ctx.actor) };
    },
  },
];

export const aliasRoutes: ApiRoute[] = [
  {
    method: 'GET', path: '/aliases',
    async handle(ctx) {
      district(ctx, 'aliases');
      const domain = ctx.query.get('domain')?.toLowerCase() ?? undefined;
      return { status: 200, body: { aliases: (await ctx.deps.store.accounts.listAliases(domain)).map(aliasView) } };
    },
  },
  {
    // Idempotent: creates the alias, or replaces its targets when they differ.
    method: 'PUT', path: '/aliases/{address}',
    async handle(ctx) {
      district(ctx, 'aliases');
      const address = normalizeAddress(ctx.params.address);
      const targets = optStringList(await ctx.body(), 'targets') ?? [];
      const existing = (await ctx.deps.store.accounts.resolveAddress(address));
      if (existing?.kind === 'alias') {
        const wanted = [...new Set(targets.map(normalizeAddress))].sort();
        if (wanted.join(',') === [...existing.alias.targets].sort().join(',')) return { status: 200, body: aliasView(existing.alias) };
        await ctx.deps.accounts.removeAlias(address, ctx.actor);
        return { status: 200, body: aliasView(await ctx.deps.accounts.addAlias(address, targets, ctx.actor)) };
      }
      return { status: 201, body: aliasView(await ctx.deps.accounts.addAlias(address, targets, ctx.actor)) };
    },
  },
  {
    method: 'DELETE', path: '/aliases/{address}',
    async handle(ctx) {
      district(ctx, 'aliases');
      await ctx.deps.accounts.removeAlias(ctx.params.address, ctx.actor);
      return { status: 204 };
    },
  },
];

export const queueRoutes: ApiRoute[] = [
  {
    method: 'GET', path: '/queue',
    async handle(ctx) {
      district(ctx, 'the outbound queue');
      return { status: 200, body: { entries: (await ctx.deps.store.queue.list()).map(queueView) } };
    },
  },
  {
    method: 'POST', path: '/queue/{id}/retry',
    async handle(ctx) {
      district(ctx, 'the outbound queue');
      return { status: 200, body: queueView(await ctx.deps.queueAdmin.retry(ctx.params.id, ctx.actor)) };
    },
  },
  {
    method: 'DELETE', path: '/queue/{id}',
    async handle(ctx) {
      district(ctx, 'the outbound queue');
      await ctx.deps.queueAdmin.remove(ctx.params.id, ctx.actor);
      return { status: 204 };
    },
  },
];

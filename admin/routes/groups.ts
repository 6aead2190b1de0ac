// Groups (work groups of a school): list, get, idempotent PUT with the full member list, member
// add/remove, delete. A unit admin sees the groups of its units, with members it can see.
import { normalizeAddress } from '../../core/accounts/index.js';
import { Conflict } from '../../core/errors.js';
import type { Group } from '../../storage/index.js';
import { optNullableString, optString, optStringList, reqString } from '../body.js';
import type { ApiRoute, RequestContext } from '../router.js';
import { groupView } from '../views.js';
import { visibleUser } from './users.js';

async function visibleGroup(ctx: RequestContext): Promise<Group> {
  const address = normalizeAddress(ctx.params.address);
  return ctx.scope.group(await ctx.deps.store.accounts.getGroupByAddress(address), address);
}

async function view(ctx: RequestContext, group: Group) {
  return groupView(group, await ctx.deps.accounts.memberAddresses(group));
}

export const groupRoutes: ApiRoute[] = [
  {
    method: 'GET', path: '/groups',
    async handle(ctx) {
      const domain = ctx.query.get('domain')?.toLowerCase() ?? undefined;
      const groups = (await ctx.deps.store.accounts.listGroups(domain)).filter((g) => ctx.scope.seesUnit(g.unit));
      return { status: 200, body: { groups: await Promise.all(groups.map((g) => view(ctx, g))) } };
    },
  },
  {
    method: 'GET', path: '/groups/{address}',
    async handle(ctx) {
      return { status: 200, body: await view(ctx, await visibleGroup(ctx)) };
    },
  },
  {
    // Idempotent: creates the group, or makes its members exactly the list given.
    method: 'PUT', path: '/groups/{address}',
    async handle(ctx) {
      const address = normalizeAddress(ctx.params.address);
      const body = await ctx.body();
      const members = optStringList(body, 'members');
      const memberUsers = await Promise.all((members ?? []).map((m) => visibleUser(ctx, m)));
      const unit = optNullableString(body, 'unit');
      const existing = await ctx.deps.store.accounts.getGroupByAddress(address);
      if (!existing) {
        let groupUnit = unit === undefined ? null : unit;
        if (groupUnit === null && !ctx.scope.isDistrict && ctx.token.units.length === 1) groupUnit = ctx.token.units[0];
        ctx.scope.requireUnit(groupUnit);
        const created = await ctx.deps.accounts.createGroup({
          address, displayName: optString(body, 'name'), unit: groupUnit, members: memberUsers.map((u) => u.address),
        }, ctx.actor);
        return { status: 201, body: await view(ctx, created) };
      }
      let group = ctx.scope.group(existing, address);
      if (unit !== undefined && unit !== group.unit) throw new Conflict(`group ${address} belongs to unit ${group.unit ?? '(none)'}; its unit cannot be changed`);
      if (members !== undefined) {
        const wanted = new Set(memberUsers.map((u) => u.id));
        for (const u of memberUsers) if (!group.memberIds.includes(u.id)) group = await ctx.deps.accounts.addGroupMember(group.address, u.address, ctx.actor);
        for (const id of group.memberIds) {
          if (wanted.has(id)) continue;
          const user = await ctx.deps.store.accounts.getUser(id);
          if (user) group = await ctx.deps.accounts.removeGroupMember(group.address, user.address, ctx.actor);
        }
      }
      return { status: 200, body: await view(ctx, group) };
    },
  },
  {
    method: 'DELETE', path: '/groups/{address}',
    async handle(ctx) {
      const group = await visibleGroup(ctx);
      await ctx.deps.accounts.deleteGroup(group.address, ctx.actor);
      return { status: 204 };
    },
  },
  {
    method: 'POST', path: '/groups/{address}/members',
    async handle(ctx) {
      const group = await visibleGroup(ctx);
      const user = await visibleUser(ctx, reqString(await ctx.body(), 'address'));
      return { status: 200, body: await view(ctx, await ctx.deps.accounts.addGroupMember(group.address, user.address, ctx.actor)) };
    },
  },
  {
    method: 'DELETE', path: '/groups/{address}/members/{member}',
    async handle(ctx) {
      const group = await visibleGroup(ctx);
      const user = await visibleUser(ctx, ctx.params.member);
      return { status: 200, body: await view(ctx, await ctx.deps.accounts.removeGroupMember(group.address, user.address, ctx.actor)) };
    },
  },
];

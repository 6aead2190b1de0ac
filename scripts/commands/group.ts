// facteur group add|list|remove, facteur group member add|remove
import type { Command } from 'commander';
import { normalizeAddress, normalizeDomain } from '../../core/accounts/index.js';
import { NotFound } from '../../core/errors.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { printJson, printLine, printTable } from '../output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  const group = program.command('group').description('work groups: a shared address, calendar and member list');

  group.command('add <address>')
    .description('create a group')
    .option('--member <address>', 'a member (repeat for several)', collect, [])
    .option('--name <name>', 'display name (default: the local part)')
    .option('--unit <unit>', 'organisational unit the group belongs to')
    .action(action(async (address: string, opts: { member: string[]; name?: string; unit?: string }, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        const created = await accounts.createGroup({ address, displayName: opts.name, unit: opts.unit ?? null, members: opts.member }, actor);
        printLine(`created group ${created.address} with ${created.memberIds.length} member${created.memberIds.length === 1 ? '' : 's'}`);
      });
    }));

  group.command('list')
    .description('list groups with their members')
    .option('--domain <domain>', 'only groups of this domain')
    .option('--json', 'print JSON')
    .action(action(async (opts: { domain?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store, accounts }) => {
        const domain = opts.domain === undefined ? undefined : normalizeDomain(opts.domain);
        if (domain && !(await store.accounts.getDomain(domain))) throw new NotFound(`unknown domain ${domain}`);
        const groups = await Promise.all((await store.accounts.listGroups(domain)).map(async (g) => ({
          address: g.address, name: g.displayName, unit: g.unit, members: await accounts.memberAddresses(g), createdAt: g.createdAt,
        })));
        if (opts.json) return printJson(groups);
        printTable(['group', 'name', 'unit', 'members'], groups.map((g) => [g.address, g.name, g.unit ?? '-', g.members.join(', ') || '-']), 'no groups');
      });
    }));

  group.command('remove <address>')
    .description('delete a group and its shared calendar (members keep their accounts)')
    .action(action(async (address: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        const g = await accounts.getGroup(address);
        await accounts.deleteGroup(g.address, actor);
        printLine(`removed group ${g.address}`);
      });
    }));

  const member = group.command('member').description("a group's members");

  member.command('add <group> <member>')
    .description('add a user to a group')
    .action(action(async (groupAddress: string, memberAddress: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        const g = await accounts.addGroupMember(groupAddress, memberAddress, actor);
        printLine(`${normalizeAddress(memberAddress)} is a member of ${g.address} (${g.memberIds.length} members)`);
      });
    }));

  member.command('remove <group> <member>')
    .description('remove a user from a group')
    .action(action(async (groupAddress: string, memberAddress: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        const g = await accounts.removeGroupMember(groupAddress, memberAddress, actor);
        printLine(`${normalizeAddress(memberAddress)} is no longer a member of ${g.address} (${g.memberIds.length} members)`);
      });
    }));
}

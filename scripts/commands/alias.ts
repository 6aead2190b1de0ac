// facteur alias add|remove|list
import type { Command } from 'commander';
import { normalizeAddress, normalizeDomain } from '../../core/accounts/index.js';
import { NotFound } from '../../core/errors.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { printJson, printLine, printTable } from '../output.js';

export function register(program: Command): void {
  const alias = program.command('alias').description('addresses that forward to users, groups or outside addresses');

  alias.command('add <alias> <targets...>')
    .description('create an alias delivering to one or more targets')
    .action(action(async (address: string, targets: string[], _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        const created = await accounts.addAlias(address, targets, actor);
        printLine(`added alias ${created.address} -> ${created.targets.join(', ')}`);
      });
    }));

  alias.command('remove <alias>')
    .description('remove an alias')
    .action(action(async (address: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        await accounts.removeAlias(address, actor);
        printLine(`removed alias ${normalizeAddress(address)}`);
      });
    }));

  alias.command('list')
    .description('list aliases and their targets')
    .option('--domain <domain>', 'only aliases of this domain')
    .option('--json', 'print JSON')
    .action(action(async (opts: { domain?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const domain = opts.domain === undefined ? undefined : normalizeDomain(opts.domain);
        if (domain && !(await store.accounts.getDomain(domain))) throw new NotFound(`unknown domain ${domain}`);
        const aliases = await store.accounts.listAliases(domain);
        if (opts.json) return printJson(aliases.map((a) => ({ address: a.address, targets: a.targets, createdAt: a.createdAt })));
        printTable(['alias', 'targets'], aliases.map((a) => [a.address, a.targets.join(', ')]), 'no aliases');
      });
    }));
}

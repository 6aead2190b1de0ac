// facteur domain add|list|remove
import type { Command } from 'commander';
import { normalizeDomain } from '../../core/accounts/index.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { formatDate, printJson, printLine, printTable } from '../output.js';

export function register(program: Command): void {
  const domain = program.command('domain').description('mail domains served by this server');

  domain.command('add <domain>')
    .description('start serving a domain')
    .action(action(async (name: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        const added = await accounts.addDomain(name, actor);
        printLine(`added domain ${added.name}`);
      });
    }));

  domain.command('list')
    .description('list domains with their number of users')
    .option('--json', 'print JSON')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const domains = await store.accounts.listDomains();
        const rows = await Promise.all(domains.map(async (d) => ({
          name: d.name, users: await store.accounts.countUsers({ domain: d.name }), createdAt: d.createdAt,
        })));
        if (opts.json) return printJson(rows);
        printTable(['domain', 'users', 'created'], rows.map((r) => [r.name, String(r.users), formatDate(r.createdAt)]), 'no domains');
      });
    }));

  domain.command('remove <domain>')
    .description('stop serving a domain (it must have no users, aliases or groups left)')
    .action(action(async (name: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        await accounts.removeDomain(name, actor);
        printLine(`removed domain ${normalizeDomain(name)}`);
      });
    }));
}

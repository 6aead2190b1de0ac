// facteur user restore ADDRESS and facteur user deletions: undoing a deletion during its grace
// period (retention.deletionGraceDays), and seeing which are pending. Added to the `user` group.
import type { Command } from 'commander';
import { AccountDeletion } from '../../core/operations/index.js';
import { action } from '../cli.js';
import { withContext, type CliContext } from '../context.js';
import { formatDate, printJson, printLine, printTable } from '../output.js';

function service(ctx: CliContext): AccountDeletion {
  return new AccountDeletion(ctx.store, ctx.accounts, ctx.config.retention.deletionGraceDays * 86_400_000);
}

export function register(program: Command): void {
  const user = program.commands.find((c) => c.name() === 'user');
  if (!user) throw new Error('the user command group must be registered before user restore');

  user.command('restore <address>')
    .description('cancel a pending deletion: the account comes back as it was, with its data')
    .action(action(async (address: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const restored = await service(ctx).restore(address, ctx.actor);
        printLine(`restored ${restored.address} (${restored.enabled ? 'enabled' : 'disabled, as before its deletion'})`);
      });
    }));

  user.command('deletions')
    .description('list users whose deletion is pending, soonest purge first')
    .option('--json', 'print JSON')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const pending = await service(ctx).pending();
        if (opts.json) return printJson(pending);
        printTable(['address', 'purged after', 'requested by', 'requested'], pending.map((d) => [
          d.address, formatDate(d.purgeAfter), d.requestedBy, formatDate(d.requestedAt),
        ]), 'no deletions pending');
      });
    }));
}

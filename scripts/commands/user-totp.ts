// facteur user totp-reset ADDRESS: turns a teacher's TOTP second factor off when they lost both
// their phone and their recovery codes (audited as totp.reset). They log in with their password
// alone and may enrol again from the webmail settings. Added to the `user` group.
import type { Command } from 'commander';
import { BruteForceGuard } from '../../core/auth/guard.js';
import { TotpFactor } from '../../core/auth/totp-factor.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  const user = program.commands.find((c) => c.name() === 'user');
  if (!user) throw new Error('the user command group must be registered before user totp-reset');

  user.command('totp-reset <address>')
    .description("turn off a user's TOTP second factor (lost phone and recovery codes); audited")
    .option('--json', 'print a JSON result')
    .action(action(async (address: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ accounts, store, actor }) => {
        const u = await accounts.getUser(address);
        const removed = await new TotpFactor(store, { guard: new BruteForceGuard() }).reset(u, actor);
        if (opts.json) return printJson({ address: u.address, secondFactorRemoved: removed });
        printLine(removed
          ? `second factor of ${u.address} turned off: they log in with their password and may enrol again in the webmail settings`
          : `${u.address} had no second factor (nothing changed; the request is in the audit log)`);
      });
    }));
}

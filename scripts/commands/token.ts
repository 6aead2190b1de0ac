// facteur token create|list|revoke: bearer tokens for the admin API (/api/admin).
import type { Command } from 'commander';
import { AdminTokens, parseDuration, tokenStatus } from '../../core/operations/index.js';
import type { AdminToken } from '../../storage/index.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { formatDate, printJson, printLine, printTable } from '../output.js';

export function register(program: Command): void {
  const token = program.command('token').description('admin API tokens');

  token.command('create')
    .description('make a token and print its secret (shown this once; only a hash is kept)')
    .requiredOption('--role <role>', 'admin (whole district) or unit-admin (its units and their sub-units)')
    .option('--unit <unit>', 'a unit the token manages (repeat for several); required for unit-admin', collect, [])
    .option('--expires <duration>', 'lifetime, e.g. 90d, 12h, 4w, or never', '90d')
    .option('--name <name>', 'a name to tell tokens apart (default: role and date)')
    .option('--json', 'print JSON')
    .action(action(async (opts: { role: string; unit: string[]; expires: string; name?: string; json?: boolean }, cmd: Command) => {
      const lifetimeMs = opts.expires === 'never' ? null : parseDuration(opts.expires, 'expires');
      await withContext(cmd, async ({ store, actor }) => {
        const { token: made, secret } = await new AdminTokens(store).create({ name: opts.name, role: opts.role, units: opts.unit, lifetimeMs }, actor);
        if (opts.json) return printJson({ ...view(made), secret });
        printLine(`created ${made.role} token ${made.name} (id ${made.id}${made.units.length ? `, units ${made.units.join(', ')}` : ''}, ${made.expiresAt ? `expires ${formatDate(made.expiresAt)}` : 'never expires'})`);
        printLine('secret (shown only now; send it as "Authorization: Bearer <secret>"):');
        printLine(secret);
      });
    }));

  token.command('list')
    .description('list tokens, newest first (never their secrets)')
    .option('--json', 'print JSON')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const tokens = await new AdminTokens(store).list();
        if (opts.json) return printJson(tokens.map(view));
        printTable(['id', 'name', 'role', 'units', 'status', 'expires', 'last used'], tokens.map((t) => [
          t.id, t.name, t.role, t.units.join(',') || '-', tokenStatus(t), t.expiresAt ? formatDate(t.expiresAt) : 'never',
          t.lastUsedAt ? formatDate(t.lastUsedAt) : 'never',
        ]), 'no tokens');
      });
    }));

  token.command('revoke <token>')
    .description('revoke a token (by id or name): the API refuses it from the next request on')
    .action(action(async (idOrName: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ store, actor }) => {
        const revoked = await new AdminTokens(store).revoke(idOrName, actor);
        printLine(`revoked token ${revoked.name} (id ${revoked.id})`);
      });
    }));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A token as listings show it: no hash. */
export function view(t: AdminToken) {
  return {
    id: t.id, name: t.name, role: t.role, units: t.units, status: tokenStatus(t), createdBy: t.createdBy, createdAt: t.createdAt,
    expiresAt: t.expiresAt, revokedAt: t.revokedAt, lastUsedAt: t.lastUsedAt,
  };
}

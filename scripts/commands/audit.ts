// facteur audit: who did what, when, from where: admin actions and logins on every protocol.
import type { Command } from 'commander';
import { AUDIT_MAX_LIMIT, parseTime, queryAudit } from '../../core/operations/index.js';
import { Invalid } from '../../core/errors.js';
import type { AuditEntry } from '../../storage/index.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { formatDate, printJson, printTable } from '../output.js';

interface AuditOptions { user?: string; unit?: string; since?: string; until?: string; action?: string; limit: string; json?: boolean }

export function register(program: Command): void {
  program.command('audit')
    .description('query the audit log, newest first: admin actions and logins (success and failure, IP, client)')
    .option('--user <address>', 'entries where this user acts or is acted upon')
    .option('--unit <unit>', 'entries about this unit and its sub-units')
    .option('--since <time>', 'from this time: ISO date (2026-09-01, 2026-09-01T08:00Z) or an age (7d, 12h)')
    .option('--until <time>', 'up to this time (same forms)')
    .option('--action <action>', 'one action, e.g. user.create, login.imap, token.revoke')
    .option('--limit <n>', `most entries shown (1-${AUDIT_MAX_LIMIT})`, '100')
    .option('--json', 'print JSON')
    .action(action(async (opts: AuditOptions, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX_LIMIT) throw new Invalid(`invalid --limit "${opts.limit}": an integer from 1 to ${AUDIT_MAX_LIMIT}`, 'limit');
      const now = new Date();
      const filter = {
        user: opts.user, unit: opts.unit, action: opts.action, limit,
        since: opts.since === undefined ? undefined : parseTime(opts.since, now, 'since'),
        until: opts.until === undefined ? undefined : parseTime(opts.until, now, 'until'),
      };
      await withContext(cmd, async ({ store }) => {
        const entries = await queryAudit(store, filter);
        if (opts.json) return printJson(entries);
        // Tokens appear as token:<id> in the log; show their names too.
        const names = new Map((await store.adminTokens.list()).map((t) => [`token:${t.id}`, t.name]));
        printTable(['when', 'actor', 'action', 'target', 'unit', 'ip', 'result', 'details'], entries.map((e) => [
          formatDate(e.at), names.has(e.actor) ? `${e.actor} (${names.get(e.actor)})` : e.actor, e.action, e.target ?? '-', e.unit ?? '-',
          e.ip ?? '-', e.success ? 'ok' : 'failed', detailsText(e),
        ]), 'no audit entries match');
      });
    }));
}

function detailsText(e: AuditEntry): string {
  return Object.entries(e.details).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') || '-';
}

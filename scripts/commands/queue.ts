// facteur queue list|retry|delete: the outbound queue as the running server sees it (the
// store is shared, so what this changes is what the worker reads next).
import type { Command } from 'commander';
import { formatSize } from '../../core/accounts/index.js';
import { NotFound } from '../../core/errors.js';
import { QueueAdmin } from '../../core/operations/index.js';
import type { QueueEntry } from '../../storage/index.js';
import { action, CliError } from '../cli.js';
import { withContext, type CliContext } from '../context.js';
import { formatDate, printJson, printLine, printTable } from '../output.js';

export function register(program: Command): void {
  const queue = program.command('queue').description('outbound mail queue (messages waiting for a remote server)');

  queue.command('list')
    .description('list queued messages, next attempt first')
    .option('--json', 'print JSON')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const entries = await store.queue.list();
        if (opts.json) return printJson(entries.map(toJson));
        printTable(['id', 'from', 'to', 'size', 'attempts', 'next attempt', 'expires', 'last error'], entries.map((e) => [
          e.id,
          e.from || '<>',
          recipientsText(e),
          formatSize(e.size),
          String(e.attempts),
          e.leaseUntil && e.leaseUntil > new Date() ? 'sending now' : formatDate(e.nextAttemptAt),
          formatDate(e.expiresAt),
          e.lastError ?? '-',
        ]), 'the queue is empty');
      });
    }));

  queue.command('retry [id]')
    .description('make a queued message (or all with --all) due now')
    .option('--all', 'every queued message')
    .action(action(async (id: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      if (!id === !opts.all) throw new CliError('give either a queue entry id or --all');
      await withContext(cmd, async (ctx) => {
        const ids = id ? [id] : (await ctx.store.queue.list()).map((e) => e.id);
        let retried = 0;
        for (const one of ids) {
          try {
            await ctx.store.queue.retryNow(one);
            retried++;
          } catch (err) {
            // With --all, an entry delivered meanwhile is not a fault.
            if (!(opts.all && err instanceof NotFound)) throw err;
          }
        }
        await audit(ctx, 'queue.retry', id ?? null, { count: retried });
        printLine(id ? `queue entry ${id} will be retried now` : `${retried} queue ${retried === 1 ? 'entry' : 'entries'} will be retried now`);
      });
    }));

  queue.command('delete <id>')
    .description('remove a queued message without delivering it (the sender is not told)')
    .action(action(async (id: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        // The same audited step as the admin API's DELETE /queue/{id}.
        const entry = await new QueueAdmin(ctx.store).remove(id, ctx.actor);
        const pending = entry.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
        printLine(`deleted queue entry ${id} (from ${entry.from || '<>'} to ${pending.join(', ') || 'nobody pending'})`);
      });
    }));
}

async function audit(ctx: CliContext, action: string, target: string | null, details: Record<string, unknown>): Promise<void> {
  await ctx.store.audit.append({ actor: ctx.actor.name, action, target, unit: null, ip: null, success: true, details });
}

function recipientsText(e: QueueEntry): string {
  const pending = e.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
  const shown = pending.slice(0, 2).join(', ');
  return pending.length > 2 ? `${shown} (+${pending.length - 2})` : shown || '-';
}

function toJson(e: QueueEntry) {
  return {
    id: e.id,
    from: e.from,
    domain: e.domain,
    recipients: e.recipients,
    size: e.size,
    attempts: e.attempts,
    createdAt: e.createdAt,
    nextAttemptAt: e.nextAttemptAt,
    expiresAt: e.expiresAt,
    lastError: e.lastError,
    sending: e.leaseUntil !== null && e.leaseUntil > new Date(),
    envid: typeof e.meta.envid === 'string' ? e.meta.envid : null,
  };
}

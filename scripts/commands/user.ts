// facteur user add|list|show|passwd|quota|enable|disable|delete
import type { Command } from 'commander';
import { formatSize, normalizeAddress, normalizeDomain, parseSize, type NewUserInput } from '../../core/accounts/index.js';
import { AccountDeletion } from '../../core/operations/index.js';
import { Invalid, NotFound } from '../../core/errors.js';
import type { Role, Store, User } from '../../storage/index.js';
import { action, CliError } from '../cli.js';
import { withContext } from '../context.js';
import { formatDate, printFields, printJson, printLine, printTable } from '../output.js';

interface PasswordOptions { password?: string; passwordStdin?: boolean }

export function register(program: Command): void {
  const user = program.command('user').description('user accounts');

  user.command('add <address>')
    .description('create a user with the default folders, calendar and address book')
    .option('--name <name>', 'display name (default: the local part)')
    .option('--password <password>', 'initial password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the initial password from the first line of standard input')
    .option('--quota <size>', 'mailbox quota, e.g. 2G, 500M, unlimited')
    .option('--unit <unit>', 'organisational unit (school, service)')
    .option('--role <role>', 'user, unit-admin or admin', 'user')
    .action(action(async (address: string, opts: PasswordOptions & { name?: string; quota?: string; unit?: string; role: string }, cmd: Command) => {
      const input: NewUserInput = {
        address,
        displayName: opts.name,
        quotaBytes: opts.quota === undefined ? undefined : parseQuota(opts.quota),
        unit: opts.unit ?? null,
        role: opts.role as Role,
      };
      const password = await passwordFromOptions(opts);
      await withContext(cmd, async ({ accounts, actor }) => {
        const created = await accounts.createUser({ ...input, password }, actor);
        printLine(`created user ${created.address} (role ${created.role}, quota ${quotaText(created.quotaBytes)}${created.unit ? `, unit ${created.unit}` : ''})`);
        if (!password) printLine(`no password set: password login stays disabled until \`facteur user passwd ${created.address}\``);
      });
    }));

  user.command('list')
    .description('list users, by address')
    .option('--domain <domain>', 'only users of this domain')
    .option('--json', 'print JSON')
    .action(action(async (opts: { domain?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const domain = opts.domain === undefined ? undefined : normalizeDomain(opts.domain);
        if (domain && !(await store.accounts.getDomain(domain))) throw new NotFound(`unknown domain ${domain}`);
        const users: User[] = [];
        for await (const u of allUsers(store, domain)) users.push(u);
        if (opts.json) return printJson(users.map(userSummary));
        printTable(
          ['address', 'name', 'role', 'unit', 'status', 'used / quota'],
          users.map((u) => [u.address, u.displayName, u.role, u.unit ?? '-', u.enabled ? 'enabled' : 'disabled', `${formatSize(u.usedBytes)} / ${quotaText(u.quotaBytes)}`]),
          'no users',
        );
      });
    }));

  user.command('show <address>')
    .description('show a user: role, unit, quota and use, folders, groups, aliases')
    .option('--json', 'print JSON')
    .action(action(async (address: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store, accounts }) => {
        const u = await accounts.getUser(address);
        const mailboxes = await Promise.all((await store.mail.listMailboxes(u.id)).map(async (m) => {
          const status = await store.mail.mailboxStatus(m.id);
          return { name: m.name, specialUse: m.specialUse, messages: status.messages, unseen: status.unseen, sizeBytes: status.sizeBytes };
        }));
        const groups = (await store.accounts.listGroupsOfUser(u.id)).map((g) => g.address).sort();
        const aliases = (await store.accounts.listAliases()).filter((a) => a.targets.includes(u.address)).map((a) => a.address).sort();
        const detail = { ...userSummary(u), passwordSet: u.passwordHash !== null, updatedAt: u.updatedAt, mailboxes, groups, aliases };
        if (opts.json) return printJson(detail);
        printFields([
          ['Address', u.address],
          ['Name', u.displayName],
          ['Role', u.role],
          ['Unit', u.unit ?? '-'],
          ['Status', u.enabled ? 'enabled' : 'disabled'],
          ['Password', detail.passwordSet ? 'set' : 'not set (password login disabled)'],
          ['Quota', `${formatSize(u.usedBytes)} used of ${quotaText(u.quotaBytes)}`],
          ['Groups', groups.join(', ') || '-'],
          ['Aliases', aliases.join(', ') || '-'],
          ['Created', formatDate(u.createdAt)],
        ]);
        printLine();
        printTable(['folder', 'messages', 'unseen', 'size'],
          mailboxes.map((m) => [m.name, String(m.messages), String(m.unseen), formatSize(m.sizeBytes)]), 'no folders');
      });
    }));

  user.command('passwd <address>')
    .description("set a user's password (prompted twice on a terminal when no option is given)")
    .option('--password <password>', 'the new password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the new password from the first line of standard input')
    .action(action(async (address: string, opts: PasswordOptions, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor }) => {
        // Look the user up first, so that a mistyped address fails before any prompt.
        const u = await accounts.getUser(address);
        const password = (await passwordFromOptions(opts)) ?? (await promptNewPassword(u.address));
        await accounts.setPassword(u.address, password, actor);
        printLine(`password of ${u.address} changed`);
      });
    }));

  user.command('quota <address> <size>')
    .description("set a user's quota, e.g. 2G, 500M, unlimited")
    .action(action(async (address: string, size: string, _opts: unknown, cmd: Command) => {
      const quotaBytes = parseQuota(size);
      await withContext(cmd, async ({ accounts, actor }) => {
        const u = await accounts.setQuota(address, quotaBytes, actor);
        printLine(`quota of ${u.address} set to ${quotaText(u.quotaBytes)} (${formatSize(u.usedBytes)} used)`);
      });
    }));

  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    user.command(`${name} <address>`)
      .description(enabled ? 'allow the user to log in and receive mail again' : 'refuse logins and incoming mail for the user, keeping their data')
      .action(action(async (address: string, _opts: unknown, cmd: Command) => {
        await withContext(cmd, async ({ accounts, actor }) => {
          const u = await accounts.setEnabled(address, enabled, actor);
          printLine(`${enabled ? 'enabled' : 'disabled'} ${u.address}`);
        });
      }));
  }

  user.command('delete <address>')
    .description('delete a user with all their mail, calendars and contacts (after retention.deletionGraceDays, if set)')
    .action(action(async (address: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ accounts, actor, store, config }) => {
        const outcome = await new AccountDeletion(store, accounts, config.retention.deletionGraceDays * 86_400_000).delete(address, actor);
        if (outcome.purged) return printLine(`deleted user ${normalizeAddress(address)} and their data`);
        printLine(`disabled ${outcome.pending.address}; their data will be purged after ${formatDate(outcome.pending.purgeAfter)} `
          + `(undo with: facteur user restore ${outcome.pending.address})`);
      });
    }));
}

/** What list and show print of a user: never the password hash. */
export function userSummary(u: User) {
  return {
    address: u.address, name: u.displayName, role: u.role, unit: u.unit, enabled: u.enabled,
    quotaBytes: u.quotaBytes, usedBytes: u.usedBytes, createdAt: u.createdAt,
  };
}

/** All users (of a domain), one page at a time so a district of 100,000 stays cheap. */
export async function* allUsers(store: Store, domain?: string): AsyncGenerator<User> {
  const limit = 1000;
  let after: string | undefined;
  for (;;) {
    const page = await store.accounts.listUsers({ domain, after, limit });
    yield* page;
    if (page.length < limit) return;
    after = page[page.length - 1].address;
  }
}

export function parseQuota(text: string): number {
  try {
    return parseSize(text);
  } catch {
    throw new Invalid(`invalid quota "${text}": use bytes or a number with K, M, G or T (e.g. 2G), or unlimited`, 'quota');
  }
}

export function quotaText(bytes: number): string {
  return bytes === 0 ? 'unlimited' : formatSize(bytes);
}

async function passwordFromOptions(opts: PasswordOptions): Promise<string | undefined> {
  if (opts.password !== undefined && opts.passwordStdin) throw new CliError('use either --password or --password-stdin, not both');
  if (opts.password !== undefined) return opts.password;
  if (opts.passwordStdin) return readPasswordFromStdin();
  return undefined;
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
  if (!line) throw new CliError('no password on standard input');
  return line;
}

async function promptNewPassword(address: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError('no password given: use --password or --password-stdin (or run on a terminal to be prompted)');
  const first = await promptHidden(`New password for ${address}: `);
  const second = await promptHidden('Repeat the password: ');
  if (first !== second) throw new CliError('the two passwords do not match; nothing changed');
  return first;
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('interrupted; nothing changed')); // Ctrl-C
        if (ch === '\u0004') return finish(value ? undefined : new CliError('no password entered; nothing changed')); // Ctrl-D
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = ''; // Ctrl-U
        else if (ch >= ' ') value += ch;
      }
    };
    // Echo goes off before the prompt shows, so nothing typed after seeing it is echoed.
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.on('data', onData);
    stdin.resume();
  });
}

// facteur import users FILE.csv: bulk creation of staff accounts.
//
// Every line is checked first (columns, address, domain, quota, duplicates in the file and in
// the store) with a handful of queries for the whole file; the lines that pass are created
// through Accounts.createUsers, the code path of every new user (default folders, calendar,
// address book, audit entry, all in one atomic step per user). Bad lines are reported with
// their number and skipped; the others import. Hashing (argon2 on the libuv thread pool) runs
// ahead while the users already hashed are written a batch per transaction.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { domainOf, normalizeAddress, type NewUserInput } from '../../core/accounts/index.js';
import { isFacteurError } from '../../core/errors.js';
import type { Role, Store } from '../../storage/index.js';
import { action, CliError } from '../cli.js';
import { withContext, type CliContext } from '../context.js';
import { printJson, printLine } from '../output.js';
import { allUsers, parseQuota } from './user.js';

const COLUMNS = ['email', 'name', 'password', 'quota', 'unit', 'role'] as const;
type Column = (typeof COLUMNS)[number];

interface Row { line: number; fields: Partial<Record<Column, string>> }
interface Candidate { line: number; input: NewUserInput }
interface LineError { line: number; email: string | null; reason: string }

export interface ImportReport {
  file: string;
  /** Data lines read (header and blank lines excluded). */
  lines: number;
  imported: number;
  skipped: number;
  users: { line: number; address: string }[];
  errors: LineError[];
}

export function register(program: Command): void {
  const imp = program.command('import').description('bulk provisioning from files');

  imp.command('users <file>')
    .description(`create users from a CSV file with the columns ${COLUMNS.join(',')} (header line optional; `
      + 'empty password: password login disabled; empty quota: the default)')
    .option('--json', 'print the report as JSON')
    .action(action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const text = await readText(file);
      const parsed = parseUsersCsv(text);
      await withContext(cmd, async (ctx) => {
        const report = await importUsers(ctx, file, parsed);
        if (opts.json) printJson(report);
        else printReport(report);
        if (report.skipped > 0) throw new CliError(`${report.skipped} of ${report.lines} lines of ${file} were not imported`);
      });
    }));
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
}

// ------------------------------------------------------------------ reading the CSV

/** Parses line by line rather than as one stream: a stray quote on one line must cost that
 *  line only, where a whole-file parser loses its footing for the lines after it. Users'
 *  fields never hold line breaks, so nothing is lost. */
export function parseUsersCsv(text: string): { rows: Row[]; errors: LineError[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const rows: Row[] = [];
  const errors: LineError[] = [];
  let columns: readonly Column[] = COLUMNS;
  let delimiter: string | null = null;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const first = delimiter === null;
    delimiter ??= guessDelimiter(raw);
    let fields: string[];
    if (!raw.includes('"')) {
      // Without quotes a line is its fields split on the delimiter, as csv-parse would read it
      // (trimmed); the parser, a visible cost over 10,000 lines, is kept for quoted lines.
      fields = raw.split(delimiter).map((f) => f.trim());
    } else {
      try {
        fields = (parse(raw, { delimiter, trim: true, relax_column_count: true }) as string[][])[0] ?? [];
      } catch (err) {
        errors.push({ line, email: null, reason: `malformed CSV: ${csvProblem(err)}` });
        return;
      }
    }
    if (first && fields.some((f) => f.toLowerCase() === 'email')) {
      columns = headerColumns(fields, line);
      return;
    }
    if (fields.length !== columns.length) {
      const email = fields[columns.indexOf('email')] || null;
      const reason = fields.length < columns.length
        ? `missing column${columns.length - fields.length > 1 ? 's' : ''} ${columns.slice(fields.length).join(', ')} (expected ${columns.length}: ${columns.join(',')})`
        : `too many columns: ${fields.length}, expected ${columns.length} (${columns.join(',')})`;
      errors.push({ line, email, reason });
      return;
    }
    rows.push({ line, fields: Object.fromEntries(columns.map((c, j) => [c, fields[j]])) });
  });
  return { rows, errors };
}

/** Spreadsheets in French locales export with ";" since "," is their decimal mark. */
function guessDelimiter(line: string): string {
  const count = (ch: string) => line.split(ch).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

function headerColumns(fields: string[], line: number): Column[] {
  const names = fields.map((f) => f.toLowerCase());
  for (const name of names) {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new CliError(`line ${line}: unknown column "${name}" in the header (known columns: ${COLUMNS.join(', ')})`);
    }
  }
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new CliError(`line ${line}: column "${dup}" appears twice in the header`);
  return names as Column[];
}

function csvProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is not closed';
  if (code === 'CSV_INVALID_CLOSING_QUOTE') return 'text after a closing quote';
  return (err as Error).message.replace(/ at line \d+/, '');
}

// ------------------------------------------------------------------ checking and creating

export async function importUsers(ctx: CliContext, file: string, parsed: { rows: Row[]; errors: LineError[] }): Promise<ImportReport> {
  const errors = [...parsed.errors];
  const candidates = await checkRows(ctx.store, parsed.rows, errors);
  const users: ImportReport['users'] = [];

  const bar = process.stderr.isTTY && candidates.length > 0
    ? new cliProgress.SingleBar({
      stream: process.stderr, hideCursor: true, clearOnComplete: true,
      format: 'importing users [{bar}] {value}/{total} | {eta_formatted} left',
    }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(candidates.length, 0);

  // Checks, hashing and batched writes are pipelined in core (Accounts.createUsers); each user
  // is reported once durable. A refusal found only there (rules checked in core, or an address
  // taken meanwhile by someone else) skips that line; a fault stops the import.
  try {
    await ctx.accounts.createUsers(candidates.map((c) => c.input), ctx.actor, (index, result) => {
      const c = candidates[index];
      if (result.ok) users.push({ line: c.line, address: result.user.address });
      else errors.push({ line: c.line, email: c.input.address, reason: result.error.message });
      bar?.increment();
    });
  } finally {
    bar?.stop();
  }

  users.sort((a, b) => a.line - b.line);
  errors.sort((a, b) => a.line - b.line);
  const report: ImportReport = {
    file, lines: parsed.rows.length + parsed.errors.length, imported: users.length, skipped: errors.length, users, errors,
  };
  await ctx.store.audit.append({
    actor: ctx.actor.name, ip: null, action: 'user.import', target: path.basename(file), unit: null,
    success: errors.length === 0, details: { imported: report.imported, skipped: report.skipped },
  });
  return report;
}

/** Everything that can be known about a line without writing, in a few queries for the
 *  whole file: syntax, known domain, quota, and whether the address is free. */
async function checkRows(store: Store, rows: Row[], errors: LineError[]): Promise<Candidate[]> {
  const domains = new Set((await store.accounts.listDomains()).map((d) => d.name));
  const checked: Candidate[] = [];
  for (const { line, fields } of rows) {
    const email = fields.email ?? '';
    try {
      if (!email) throw new CliError('missing email');
      const address = normalizeAddress(email);
      if (!domains.has(domainOf(address))) throw new CliError(`unknown domain ${domainOf(address)}`);
      checked.push({
        line,
        input: {
          address,
          displayName: fields.name || undefined,
          password: fields.password || null,
          quotaBytes: fields.quota ? parseQuota(fields.quota) : undefined,
          unit: fields.unit || null,
          role: (fields.role || 'user') as Role,
        },
      });
    } catch (err) {
      if (!(err instanceof CliError) && !isFacteurError(err)) throw err;
      errors.push({ line, email: email || null, reason: err.message });
    }
  }

  const taken = await takenAddresses(store, new Set(checked.map((c) => domainOf(c.input.address))));
  const firstLine = new Map<string, number>();
  return checked.filter(({ line, input }) => {
    const earlier = firstLine.get(input.address);
    if (taken.has(input.address)) errors.push({ line, email: input.address, reason: `${input.address} already exists` });
    else if (earlier !== undefined) errors.push({ line, email: input.address, reason: `duplicate of line ${earlier}` });
    else {
      firstLine.set(input.address, line);
      return true;
    }
    return false;
  });
}

/** Addresses of users, aliases and groups in these domains. */
async function takenAddresses(store: Store, domains: Set<string>): Promise<Set<string>> {
  const taken = new Set<string>();
  for (const domain of domains) {
    for await (const u of allUsers(store, domain)) taken.add(u.address);
    for (const a of await store.accounts.listAliases(domain)) taken.add(a.address);
    for (const g of await store.accounts.listGroups(domain)) taken.add(g.address);
  }
  return taken;
}

function printReport(report: ImportReport): void {
  printLine(`imported ${report.imported} user${report.imported === 1 ? '' : 's'} from ${report.file}`);
  if (report.skipped === 0) return;
  printLine(`skipped ${report.skipped} line${report.skipped === 1 ? '' : 's'}:`);
  for (const e of report.errors) printLine(`  line ${e.line}${e.email ? `, ${e.email}` : ''}: ${e.reason}`);
}

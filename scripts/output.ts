// How commands print: aligned plain-text tables for people, JSON for scripts (--json).
// Results go to stdout; diagnostics and progress go to stderr.

/** Pretty JSON on stdout; Dates become ISO strings. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Columns padded to their widest cell; the last column is not padded. `empty` is printed
 *  instead of a lone header when there are no rows. */
export function printTable(headers: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    printLine(empty);
    return;
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const lines = [format(headers.map((h) => h.toUpperCase())), ...rows.map(format)];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Key/value lines ("Address:  jeanne@..."), for `show` commands. */
export function printFields(fields: [string, string][]): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  printLine(fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`).join('\n'));
}

/** Date and minute in UTC, short enough for a table cell. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

// facteur dkim generate|list: signing keys per domain. Only the public DNS record is printed;
// the private key stays in the store.
import type { Command } from 'commander';
import { txtStrings, type DkimRecord } from '../../core/dkim/index.js';
import type { DkimAlgorithm } from '../../storage/index.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { formatDate, printJson, printLine } from '../output.js';

export function register(program: Command): void {
  const dkim = program.command('dkim').description('DKIM signing keys');

  dkim.command('generate <domain>')
    .description('make a signing key for a domain and print the DNS TXT record to publish')
    .option('--selector <selector>', 'DNS selector (default: facteur<yyyymmdd>)')
    .option('--algorithm <algorithm>', 'rsa (2048 bits) or ed25519', 'rsa')
    .option('--json', 'print JSON')
    .action(action(async (domain: string, opts: { selector?: string; algorithm: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ dkim: keys, actor }) => {
        const record = await keys.generate(domain, { selector: opts.selector, algorithm: opts.algorithm as DkimAlgorithm }, actor);
        if (opts.json) return printJson(record);
        printLine(`generated ${record.algorithm} key ${record.selector} for ${record.domain}; publish this TXT record:`);
        printLine();
        printRecord(record);
      });
    }));

  dkim.command('list <domain>')
    .description("list a domain's keys, newest first, with their DNS records")
    .option('--json', 'print JSON')
    .action(action(async (domain: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ dkim: keys }) => {
        const records = await keys.list(domain);
        if (opts.json) return printJson(records);
        if (records.length === 0) return printLine(`no DKIM keys for ${domain} (make one with: facteur dkim generate ${domain})`);
        records.forEach((r, i) => {
          if (i > 0) printLine();
          printLine(`${r.selector}  ${r.algorithm}  created ${formatDate(r.createdAt)}`);
          printRecord(r);
        });
      });
    }));
}

function printRecord(r: DkimRecord): void {
  printLine(`Name:  ${r.name}`);
  printLine('Type:  TXT');
  printLine(`Value: ${r.value}`);
  // Zone files need values over 255 octets split into several quoted strings.
  const strings = txtStrings(r.value);
  if (strings.length > 1) printLine(`Zone:  ${r.name}. IN TXT ( ${strings.map((s) => `"${s}"`).join(' ')} )`);
}

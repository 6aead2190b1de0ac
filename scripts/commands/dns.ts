// facteur dns DOMAIN: every DNS record the domain needs, ready to paste into its zone.
import type { Command } from 'commander';
import { normalizeDomain } from '../../core/accounts/index.js';
import { clientSettingsFromConfig, domainRecords, formatZone, mtaStsPolicy } from '../../core/clients/index.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program.command('dns <domain>')
    .description('print the DNS records a domain needs: MX, SPF, DKIM, DMARC, MTA-STS, autoconfig, SRV (zone-file form)')
    .option('--json', 'print JSON')
    .action(action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ config, dkim }) => {
        const domain = normalizeDomain(name);
        const keys = await dkim.list(domain); // NotFound for a domain not served here
        const settings = clientSettingsFromConfig(config);
        const records = domainRecords(domain, settings, keys);
        const policy = mtaStsPolicy(settings);
        if (opts.json) return printJson({ domain, hostname: settings.hostname, records, mtaStsPolicy: policy });
        printLine(`; DNS records for ${domain}, served by ${settings.hostname}`);
        printLine(`; ${settings.hostname} itself needs A/AAAA records, and its address a PTR record naming it (ask your network provider).`);
        if (keys.length === 0) printLine(`; no DKIM key yet: run \`facteur dkim generate ${domain}\` and print these records again.`);
        printLine(formatZone(records));
        printLine();
        printLine(`; MTA-STS policy, served by this server at https://mta-sts.${domain}/.well-known/mta-sts.txt:`);
        for (const line of policy.trimEnd().split('\r\n')) printLine(`;   ${line}`);
      });
    }));
}

// facteur user export ADDRESS --out FILE: the user's mail (mbox), calendars (.ics) and contacts
// (.vcf) in one .tar.gz, for a GDPR access or portability request. Added to the `user` group.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { auditExport, writeUserArchive } from '../../core/export/index.js';
import { action, CliError } from '../cli.js';
import { withContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  const user = program.commands.find((c) => c.name() === 'user');
  if (!user) throw new Error('the user command group must be registered before user export');

  user.command('export <address>')
    .description('write every folder (mbox), calendar (.ics) and address book (.vcf) of a user to a .tar.gz')
    .requiredOption('--out <file>', 'archive to write (e.g. jeanne.tar.gz); it holds personal data: readable by its owner only')
    .option('--json', 'print a JSON summary')
    .action(action(async (address: string, opts: { out: string; json?: boolean }, cmd: Command) => {
      const out = path.resolve(opts.out);
      await withContext(cmd, async ({ accounts, store, actor }) => {
        const u = await accounts.getUser(address);
        // Written beside the target and renamed at the end: a failed export leaves no half archive.
        const partial = `${out}.partial`;
        let summary;
        try {
          const stream = createWriteStream(partial, { mode: 0o600, flags: 'wx' });
          await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject))
            .catch((err: NodeJS.ErrnoException) => { throw new CliError(`cannot write ${partial}: ${err.code === 'EEXIST' ? 'file exists (an export in progress?)' : err.message}`); });
          summary = await writeUserArchive(store, u, stream, { tmpDir: path.dirname(out) });
          await rename(partial, out);
        } catch (err) {
          await rm(partial, { force: true });
          throw err;
        }
        await auditExport(store, u, summary, actor);
        if (opts.json) return printJson({ file: out, ...summary });
        const messages = summary.folders.reduce((n, f) => n + f.messages, 0);
        printLine(`exported ${u.address} to ${out}: ${messages} messages in ${summary.folders.length} folders, `
          + `${summary.calendars.reduce((n, c) => n + c.items, 0)} calendar items, ${summary.addressBooks.reduce((n, c) => n + c.items, 0)} contacts`);
      });
    }));
}

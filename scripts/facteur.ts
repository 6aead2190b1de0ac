// The `facteur` command: one file per command group under scripts/commands/.
import { Command } from 'commander';
import { commands } from './commands/index.js';

// `facteur user list | head` closes our stdout early: that is the reader's choice, not a fault.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('facteur')
  .description('Facteur: mail, agenda and directory server')
  .option('-c, --config <file>', 'configuration file (JSON)')
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors (unknown option, missing argument) exit 2 like every other input error.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

for (const register of commands) register(program);

await program.parseAsync(process.argv);

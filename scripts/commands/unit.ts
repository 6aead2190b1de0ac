// facteur unit hide|show|list: organisational units and whether the directory hides them from
// other units (core/accounts/units.ts).
import type { Command } from 'commander';
import { setUnitHidden } from '../../core/accounts/index.js';
import { action } from '../cli.js';
import { withContext } from '../context.js';
import { printJson, printLine, printTable } from '../output.js';

export function register(program: Command): void {
  const unit = program.command('unit').description('organisational units (schools, services) and their visibility in the directory');

  for (const [verb, hidden] of [['hide', true], ['show', false]] as const) {
    unit.command(`${verb} <unit>`)
      .description(hidden
        ? 'hide the unit from other units: its people (and sub-units) leave the directory everyone else sees'
        : 'make a hidden unit visible to every user again')
      .action(action(async (name: string, _opts: unknown, cmd: Command) => {
        await withContext(cmd, async ({ store, actor }) => {
          const before = (await store.accounts.listUnits()).find((u) => u.name === name);
          const updated = await setUnitHidden(store, name, hidden, actor);
          const state = hidden ? 'hidden from other units' : 'visible to every unit';
          printLine(before?.hidden === updated.hidden ? `unit ${name} was already ${state}` : `unit ${name} is now ${state}`);
        });
      }));
  }

  unit.command('list')
    .description('list units, their parent and whether they are hidden')
    .option('--json', 'print JSON')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const units = await store.accounts.listUnits();
        if (opts.json) return printJson(units);
        printTable(['unit', 'parent', 'hidden', 'name'], units.map((u) => [u.name, u.parent ?? '-', u.hidden ? 'yes' : 'no', u.displayName]), 'no units');
      });
    }));
}

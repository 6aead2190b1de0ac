// NOOP and CHECK (RFC 3501 §6.4.1, folded into NOOP by RFC 9051): the session sends what
// changed in the selected mailbox after every command, so there is nothing else to do.
import { ok } from '../replies.js';
import { ANY, defineCommand, noArgs, SELECTED } from './command.js';

export const noop = defineCommand({
  name: 'NOOP',
  states: ANY,
  parse: noArgs,
  async run() {
    return ok('NOOP completed');
  },
});

export const check = defineCommand({
  name: 'CHECK',
  states: SELECTED,
  parse: noArgs,
  async run() {
    return ok('CHECK completed');
  },
});

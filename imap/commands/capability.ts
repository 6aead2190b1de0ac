import { line } from '../protocol/compiler.js';
import { ok } from '../replies.js';
import { ANY, defineCommand, noArgs } from './command.js';

export const capability = defineCommand({
  name: 'CAPABILITY',
  states: ANY,
  parse: noArgs,
  async run(session) {
    await session.send(line(`* CAPABILITY ${session.capabilityList().join(' ')}`));
    return ok('CAPABILITY completed');
  },
});

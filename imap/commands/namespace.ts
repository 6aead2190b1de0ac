import { line } from '../protocol/compiler.js';
import { ok } from '../replies.js';
import { AUTHENTICATED, defineCommand, noArgs } from './command.js';

// RFC 2342: one personal namespace, no prefix, "/" as separator; no shared ones yet.
export const namespace = defineCommand({
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  parse: noArgs,
  async run(session) {
    await session.send(line('* NAMESPACE (("" "/")) NIL NIL'));
    return ok('NAMESPACE completed');
  },
});

// ENABLE (RFC 5161): CONDSTORE (RFC 7162 §3.1) is the one extension to enable; unknown names
// are ignored, and the answer lists what was enabled by this command.
import { line } from '../protocol/compiler.js';
import { ok } from '../replies.js';
import { defineCommand } from './command.js';

export const enable = defineCommand({
  name: 'ENABLE',
  // Only in the authenticated state, not with a mailbox selected (RFC 5161 §3.1).
  states: ['authenticated'],
  parse(cur) {
    const names: string[] = [];
    while (cur.trySp()) names.push(cur.atom().toUpperCase());
    if (names.length === 0) cur.sp(); // at least one capability name
    return { names };
  },
  async run(session, { names }) {
    const enabled: string[] = [];
    if (names.includes('CONDSTORE') && !session.condstore) {
      session.condstore = true;
      enabled.push('CONDSTORE');
    }
    await session.send(line(`* ENABLED${enabled.map((n) => ` ${n}`).join('')}`));
    return ok('ENABLE completed');
  },
});

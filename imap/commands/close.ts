// CLOSE (RFC 9051 §6.4.1): removes \Deleted messages silently (no EXPUNGE responses) unless
// the mailbox is read-only, then leaves the selected state. UNSELECT (RFC 3691) only leaves.
import { ok } from '../replies.js';
import { defineCommand, noArgs, SELECTED } from './command.js';

export const close = defineCommand({
  name: 'CLOSE',
  states: SELECTED,
  parse: noArgs,
  async run(session) {
    const sel = session.selected!;
    session.unselect();
    if (!sel.readOnly) await session.store.mail.expunge(sel.id, { onlyDeleted: true });
    return ok('CLOSE completed');
  },
});

export const unselect = defineCommand({
  name: 'UNSELECT',
  states: SELECTED,
  parse: noArgs,
  async run(session) {
    session.unselect();
    return ok('UNSELECT completed');
  },
});

// IDLE (RFC 2177): changes to the selected mailbox are sent as they happen (EXISTS, EXPUNGE,
// FETCH FLAGS) until the client sends DONE.
import type { Frame } from '../protocol/reader.js';
import { line } from '../protocol/compiler.js';
import { bad, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand, noArgs } from './command.js';

export const idle = defineCommand({
  name: 'IDLE',
  states: AUTHENTICATED,
  parse: noArgs,
  async run(session) {
    await session.send(line('+ idling'));
    const frame = session.conn.next().then((f): { frame: Frame | null } => ({ frame: f }));
    try {
      for (;;) {
        await session.flushChanges(true);
        session.conn.flush(); // at once: the client is waiting, not sending
        if (session.isLoggedOut) return { status: 'OK', text: '', silent: true };
        if (session.isStopping) return ok('IDLE terminated (server shutting down)');
        const next = await Promise.race([frame, session.waitForChange().then(() => null)]);
        if (next === null) continue;
        if (!next.frame) {
          session.logout();
          return { status: 'OK', text: '', silent: true };
        }
        const f = next.frame;
        if (f.kind === 'command' && f.bytes.toString('latin1').trim().toUpperCase() === 'DONE') return ok('IDLE terminated');
        return bad('Expected DONE');
      }
    } finally {
      session.stopWaitingForChange();
    }
  },
});

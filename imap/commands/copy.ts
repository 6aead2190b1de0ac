// COPY, MOVE and their UID forms (RFC 9051 §6.4.7, RFC 6851) with COPYUID (RFC 4315 §3).
// MOVE sends COPYUID in an untagged OK before the EXPUNGE responses (RFC 6851 §4.3), which
// come from the session's sync like everyone else's.
import { line } from '../protocol/compiler.js';
import { compactSet, parseSequenceSet } from '../protocol/sequence.js';
import { no, ok } from '../replies.js';
import { defineCommand, SELECTED } from './command.js';
import { findDestination, intoDestination, isReply, parseMailbox } from './mailbox-arg.js';
import { resolveTargets } from './sets.js';

function copyCommand(name: 'COPY' | 'MOVE') {
  return defineCommand({
    name,
    states: SELECTED,
    uidForm: true,
    parse(cur) {
      cur.sp();
      const set = parseSequenceSet(cur);
      cur.sp();
      return { set, mailbox: parseMailbox(cur) };
    },
    async run(session, { set, mailbox }, ctx) {
      const sel = session.selected!;
      if (name === 'MOVE' && sel.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
      const target = await findDestination(session, mailbox);
      if (isReply(target)) return target;
      const { uids, expungeIssued } = resolveTargets(sel, set, ctx.uid);
      if (expungeIssued) return no('Some of the messages were expunged', 'EXPUNGEISSUED');
      if (uids.length === 0) return ok(`${name} completed`);
      return intoDestination(session, mailbox, target, async (targetId) => {
        const result = name === 'COPY'
          ? await session.store.mail.copyMessages(sel.id, uids, targetId)
          : await session.store.mail.moveMessages(sel.id, uids, targetId);
        const code = result.mapping.length === 0 ? undefined
          : `COPYUID ${result.uidValidity} ${compactSet(result.mapping.map((m) => m[0]))} ${compactSet(result.mapping.map((m) => m[1]))}`;
        if (name === 'MOVE') {
          if (code) await session.send(line(`* OK [${code}] Moved`));
          return ok('MOVE completed');
        }
        return ok('COPY completed', code);
      });
    },
  });
}

export const copy = copyCommand('COPY');
export const move = copyCommand('MOVE');

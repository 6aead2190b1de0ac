// APPEND (RFC 9051 §6.3.12) with UIDPLUS's APPENDUID (RFC 4315 §3). The message is stored by
// core (analysis for search and threads, then one atomic store call) and acknowledged only
// once durable. A missing mailbox gets [TRYCREATE]; a full quota [OVERQUOTA]; a message above
// APPENDLIMIT never gets read (protocol/reader.ts).
import { appendRawMessage } from '../../core/index.js';
import { parseDateTime } from '../dates.js';
import { checkFlag } from '../flags.js';
import { ParseError } from '../protocol/cursor.js';
import { bad, no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findDestination, intoDestination, isReply, parseMailbox } from './mailbox-arg.js';

export const append = defineCommand({
  name: 'APPEND',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const mailbox = parseMailbox(cur);
    cur.sp();
    let flags: string[] = [];
    if (cur.peek() === 0x28) {
      flags = cur.flagList().map((f) => {
        const flag = checkFlag(f);
        if (!flag) throw new ParseError(`invalid flag ${f}`);
        return flag;
      });
      cur.sp();
    }
    let date: Date | undefined;
    if (cur.peek() === 0x22) {
      date = parseDateTime(cur);
      cur.sp();
    }
    // append-data: a literal; a literal8 (BINARY, RFC 3516 §4.4); or "UTF8" SP "(" literal8 ")"
    // once UTF8=ACCEPT is enabled (RFC 6855 §4).
    if (cur.acceptWord('UTF8')) {
      cur.sp();
      cur.expect('(');
      const message = cur.literal8();
      cur.expect(')');
      return { mailbox, flags, date, message, utf8: true };
    }
    if (cur.peek() === 0x7e) return { mailbox, flags, date, message: cur.literal8(), utf8: false };
    if (cur.peek() !== 0x7b) throw new ParseError('expected the message as a literal');
    return { mailbox, flags, date, message: cur.literal(), utf8: false };
  },
  async run(session, { mailbox, flags, date, message, utf8 }) {
    if (utf8 && !session.utf8) return bad('APPEND UTF8 needs ENABLE UTF8=ACCEPT');
    const target = await findDestination(session, mailbox);
    if (isReply(target)) return target;
    if (message.length === 0) return no('Empty message', 'CANNOT');
    return intoDestination(session, mailbox, target, async (mailboxId) => {
      const result = await appendRawMessage(session.store, mailboxId, message, { flags, internalDate: date });
      return ok('APPEND completed', `APPENDUID ${result.uidValidity} ${result.uid}`);
    });
  },
});

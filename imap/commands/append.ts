// APPEND (RFC 9051 §6.3.12) with UIDPLUS's APPENDUID (RFC 4315 §3). The message is stored by
// core (analysis for search and threads, then one atomic store call) and acknowledged only
// once durable. A missing mailbox gets [TRYCREATE]; a full quota [OVERQUOTA]; a message above
// APPENDLIMIT never gets read (protocol/reader.ts).
import { appendRawMessage, NotFound } from '../../core/index.js';
import { parseDateTime } from '../dates.js';
import { checkFlag } from '../flags.js';
import { ParseError } from '../protocol/cursor.js';
import { no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

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
    if (cur.peek() !== 0x7b) throw new ParseError('expected the message as a literal');
    return { mailbox, flags, date, message: cur.literal() };
  },
  async run(session, { mailbox, flags, date, message }) {
    let target;
    try {
      target = await findMailbox(session, mailbox);
    } catch (err) {
      if (err instanceof NotFound) return no('Mailbox does not exist', 'TRYCREATE');
      throw err;
    }
    if (message.length === 0) return no('Empty message', 'CANNOT');
    const result = await appendRawMessage(session.store, target.id, message, { flags, internalDate: date });
    return ok('APPEND completed', `APPENDUID ${result.uidValidity} ${result.uid}`);
  },
});

// GETQUOTAROOT (RFC 9208 §4.3.2): the quota roots of a mailbox, then each root's QUOTA.
import { line, str } from '../protocol/compiler.js';
import { QUOTA_ROOT, quotaLine, storageQuota } from '../quota.js';
import { ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

export const getquotaroot = defineCommand({
  name: 'GETQUOTAROOT',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    return { mailbox: parseMailbox(cur) };
  },
  async run(session, { mailbox }) {
    const mb = await findMailbox(session, mailbox);
    const quota = await storageQuota(session);
    const roots = quota ? [' ', str(QUOTA_ROOT)] : [];
    await session.send(line('* QUOTAROOT ', str(session.mailboxName(mb.name)), ...roots));
    if (quota) await session.send(line(quotaLine(quota)));
    return ok('GETQUOTAROOT completed');
  },
});

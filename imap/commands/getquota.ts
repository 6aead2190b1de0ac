// GETQUOTA (RFC 9208 §4.3.1): the resources of one quota root; only the user's own root ("") exists.
import { line } from '../protocol/compiler.js';
import { QUOTA_ROOT, quotaLine, storageQuota } from '../quota.js';
import { no, ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';

export const getquota = defineCommand({
  name: 'GETQUOTA',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    return { root: cur.astringText() };
  },
  async run(session, { root }) {
    const quota = root === QUOTA_ROOT ? await storageQuota(session) : null;
    if (!quota) return no('No such quota root', 'NONEXISTENT');
    await session.send(line(quotaLine(quota)));
    return ok('GETQUOTA completed');
  },
});

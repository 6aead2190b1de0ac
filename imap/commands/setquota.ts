// SETQUOTA (RFC 9208 §4.3.3): limits are the administrator's (facteur user quota), so QUOTASET
// is not advertised and the command is refused after a syntax check.
import { no } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';

export const setquota = defineCommand({
  name: 'SETQUOTA',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    cur.astring();
    cur.sp();
    cur.list(() => {
      cur.atom();
      cur.sp();
      cur.number64();
    });
    return undefined;
  },
  async run() {
    return no('Quotas are set by the administrator', 'NOPERM');
  },
});

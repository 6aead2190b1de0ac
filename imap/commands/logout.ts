import { line } from '../protocol/compiler.js';
import { ANY, defineCommand, noArgs } from './command.js';

// RFC 9051 §6.1.3: BYE, then the tagged OK, then the server closes the connection.
export const logout = defineCommand({
  name: 'LOGOUT',
  states: ANY,
  parse: noArgs,
  async run(session, _args, ctx) {
    await session.send(line('* BYE Logging out'));
    await session.send(line(`${ctx.tag} OK LOGOUT completed`));
    session.logout();
    session.log.debug('logged out');
    return { status: 'OK', text: '', silent: true };
  },
});

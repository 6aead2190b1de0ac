import { line } from '../protocol/compiler.js';
import { bad } from '../replies.js';
import { defineCommand, noArgs } from './command.js';

// RFC 9051 §6.2.1. The tagged OK goes out in plain text, then the handshake starts; the
// reader drops anything the client pipelined after STARTTLS (connection.ts).
export const starttls = defineCommand({
  name: 'STARTTLS',
  states: ['not-authenticated'],
  parse: noArgs,
  async run(session, _args, ctx) {
    const context = session.options.tlsContext;
    if (!context || session.conn.secure) return bad('TLS is already active');
    await session.send(line(`${ctx.tag} OK Begin TLS negotiation now`));
    try {
      await session.conn.startTls(context);
    } catch (err) {
      session.log.debug({ err: (err as Error).message }, 'STARTTLS handshake failed');
      session.logout();
      return { status: 'OK', text: '', silent: true };
    }
    session.log.debug(session.conn.tlsInfo ?? {}, 'TLS started');
    // Nothing more to say: the client asks CAPABILITY again (RFC 9051 §6.2.1).
    return { status: 'OK', text: '', silent: true };
  },
});

// LOGIN (RFC 9051 §6.2.3) and the check both LOGIN and AUTHENTICATE go through.
import { no, ok, type Reply } from '../replies.js';
import type { Session } from '../session.js';
import { defineCommand } from './command.js';

export const login = defineCommand({
  name: 'LOGIN',
  states: ['not-authenticated'],
  parse(cur) {
    cur.sp();
    const username = cur.astringText();
    cur.sp();
    const password = cur.astringText();
    return { username, password };
  },
  run(session, { username, password }) {
    return logIn(session, username, password);
  },
});

/** Checks the credentials through the shared Authenticator (throttling and audit are its job). */
export async function logIn(session: Session, username: string, password: string): Promise<Reply> {
  if (!session.mayAuthenticate) return no('Use STARTTLS before logging in', 'PRIVACYREQUIRED');
  const result = await session.options.authenticator.authenticate({
    username, password, protocol: 'imap', ip: session.conn.remoteAddress, client: session.clientName,
  });
  if (result.ok) {
    if (!session.claimUserSlot(result.user)) {
      session.log.info('too many sessions for this account');
      return no('Too many connections for this account', 'LIMIT');
    }
    session.loggedIn(result.user);
    // RFC 9051 §6.2.3: the capabilities may change with login; saying them saves a round trip.
    return ok('Logged in', `CAPABILITY ${session.capabilityList().join(' ')}`);
  }
  session.log.info({ reason: result.reason }, 'login failed');
  switch (result.reason) {
    case 'throttled': return no('Too many failed logins, try again later', 'UNAVAILABLE');
    case 'disabled': return no('This account is disabled', 'CONTACTADMIN');
    default: return no('Authentication failed', 'AUTHENTICATIONFAILED');
  }
}

// AUTHENTICATE (RFC 9051 §6.2.2) with the PLAIN mechanism (RFC 4616) and an optional initial
// response (SASL-IR, RFC 4959: "=" stands for an empty one).
import { line } from '../protocol/compiler.js';
import { ParseError } from '../protocol/cursor.js';
import { bad, no, type Reply } from '../replies.js';
import type { Session } from '../session.js';
import { defineCommand } from './command.js';
import { logIn } from './login.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const authenticate = defineCommand({
  name: 'AUTHENTICATE',
  states: ['not-authenticated'],
  parse(cur) {
    cur.sp();
    const mechanism = cur.atom().toUpperCase();
    let initial: string | null = null;
    if (cur.trySp()) {
      initial = cur.accept('=') ? '' : cur.atom();
      if (initial !== '' && !BASE64.test(initial)) throw new ParseError('invalid base64 initial response');
    }
    return { mechanism, initial };
  },
  async run(session, { mechanism, initial }) {
    if (mechanism !== 'PLAIN') return no('Unsupported authentication mechanism', 'CANNOT');
    if (!session.mayAuthenticate) return no('Use STARTTLS before logging in', 'PRIVACYREQUIRED');
    let response = initial;
    if (response === null) {
      const answer = await askResponse(session);
      if (typeof answer !== 'string') return answer;
      response = answer;
    }
    // authzid NUL authcid NUL passwd
    const parts = Buffer.from(response, 'base64').toString('utf8').split('\0');
    if (parts.length !== 3) return bad('Malformed PLAIN response');
    const [authzid, authcid, password] = parts;
    if (authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase()) {
      return no('Acting as another user is not allowed', 'AUTHORIZATIONFAILED');
    }
    return logIn(session, authcid, password);
  },
});

/** "+ " then one line from the client: the base64 response, or "*" to cancel. */
async function askResponse(session: Session): Promise<string | Reply> {
  await session.send(line('+ '));
  const frame = await session.conn.next();
  if (!frame) {
    session.logout();
    return { status: 'BAD', text: '', silent: true };
  }
  if (frame.kind !== 'command') return bad('Response too long');
  const text = frame.bytes.toString('latin1').trim();
  if (text === '*') return bad('Authentication cancelled');
  if (!BASE64.test(text)) return bad('Invalid base64 response');
  return text;
}

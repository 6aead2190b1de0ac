// The submission listeners' handlers (RFC 6409; 587 with STARTTLS, 465 with implicit TLS per
// RFC 8314): authenticated users sending mail. AUTH PLAIN/LOGIN with the account or an app
// password; MAIL FROM and From: must be the user's own (the pipeline checks both); local
// recipients are delivered at once, remote ones queued, all DKIM-signed by the pipeline.
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Origin } from '../core/index.js';
import type { User } from '../storage/index.js';
import { answer, checkAddressEncoding, onClose, onConnect, receive, type SmtpContext } from './handlers.js';
import { mayAuthenticate, type AuthTransportPolicy } from './listener.js';
import { Replies, acceptedText, decisionError } from './replies.js';
import { acceptedRecipients, dsnOf, envelopeSender, sessionUser, stateOf, tlsInfo, transactionId, type SessionUser } from './session.js';
import { receivedHeader } from './trace.js';

type Handlers = Pick<SMTPServerOptions, 'onConnect' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>;

export function submissionHandlers(ctx: SmtpContext, policy: AuthTransportPolicy): Handlers {
  /** The user as stored now: a disable or a deletion applies to sessions already open. */
  const currentUser = async (session: SMTPServerSession): Promise<User> => {
    const who = sessionUser(session);
    const user = who ? await ctx.store.accounts.getUser(who.id) : null;
    if (!user || !user.enabled) throw Replies.userGone();
    return user;
  };
  const origin = (session: SMTPServerSession, user: User): Origin => ({ kind: 'submission', ip: session.remoteAddress, user });

  return {
    onConnect: onConnect(ctx),
    onClose: onClose(ctx),

    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void) {
      const state = stateOf(session, ctx.log);
      // listener.ts refuses AUTH on an insecure channel before the exchange; this is the backstop.
      if (!mayAuthenticate(session.secure, session.remoteAddress, policy)) return callback(Replies.encryptionRequired());
      answer<SMTPServerAuthenticationResponse>(state, 'AUTH', callback, async () => {
        // RFC 4616: acting as someone else (an authzid other than the authcid) is not offered.
        if (auth.method === 'PLAIN' && auth.authzid && auth.authcid && auth.authzid.toLowerCase() !== auth.authcid.toLowerCase()) {
          throw Replies.authInvalid();
        }
        const result = await ctx.authenticator.authenticate({
          username: auth.username ?? '', password: auth.password ?? '', protocol: 'smtp',
          ip: session.remoteAddress, client: session.hostNameAppearsAs || null,
        });
        if (!result.ok) {
          state.log.info({ method: auth.method, reason: result.reason }, 'authentication failed');
          if (result.reason === 'throttled') throw Replies.authThrottled(result.retryAfterMs);
          if (result.reason === 'disabled') throw Replies.accountDisabled();
          throw Replies.authInvalid();
        }
        const user: SessionUser = { id: result.user.id, username: result.user.address, appPassword: result.appPassword?.name ?? null };
        state.log = state.log.child({ user: user.username });
        state.log.info({ method: auth.method, appPassword: user.appPassword }, 'authenticated');
        return { user };
      });
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      const state = stateOf(session, ctx.log);
      state.recipients = new Map();
      answer(state, 'MAIL FROM', callback, async () => {
        checkAddressEncoding(address.address, session);
        const user = await currentUser(session);
        const decision = await ctx.delivery.checkSender(origin(session, user), address.address);
        if (!decision.ok) {
          state.log.info({ from: address.address }, 'sender refused');
          throw decisionError(decision);
        }
      });
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      const state = stateOf(session, ctx.log);
      answer(state, 'RCPT TO', callback, async () => {
        checkAddressEncoding(address.address, session);
        const user = await currentUser(session);
        const resolved = await ctx.delivery.checkRecipient(origin(session, user), address.address);
        if (!resolved.decision.ok) throw decisionError(resolved.decision);
        state.recipients.set(address.address.toLowerCase(), resolved);
      });
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const state = stateOf(session, ctx.log);
      answer(state, 'DATA', callback, async () => {
        const raw = await receive(ctx, stream, session);
        const user = await currentUser(session);
        const from = envelopeSender(session);
        const recipients = acceptedRecipients(session, state);
        const id = transactionId(session);
        // Nothing about the client: a teacher's home IP (which clients also put in EHLO, as
        // "[192.0.2.7]") in every message sent is personal data the recipients have no need
        // for. Our log keeps it for abuse handling.
        const received = receivedHeader({
          by: ctx.hostname, helo: false, ip: null, ptr: null,
          protocol: session.transmissionType, id, tls: tlsInfo(session),
          recipients: recipients.map((r) => r.address), date: new Date(),
        });
        const result = await ctx.delivery.accept(origin(session, user), from, recipients, raw, { traceHeaders: received, dsn: dsnOf(session) });
        const log = { id, from, rcpts: recipients.length, bytes: raw.length };
        if (!result.decision.ok) {
          state.log.info({ ...log, code: result.decision.code, status: result.decision.status }, 'message refused');
          throw decisionError(result.decision);
        }
        state.log.info({ ...log, delivered: result.delivered, queued: result.queued.length }, 'message accepted');
        return acceptedText(id);
      });
    },
  };
}

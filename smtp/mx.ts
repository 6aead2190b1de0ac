// The MX listener's handlers: mail from other servers, for local recipients only (never an
// open relay, RFC 5321 §3.6). Each message is checked (SPF, DKIM, DMARC, ARC) and stamped
// with trace headers before the pipeline stores it; 250 comes after every copy is durable.
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { Refusals, type AcceptExtras, type Decision, type DeliveryResult, type Origin, type ResolvedRecipient, type Resolver } from '../core/index.js';
import { answer, checkAddressEncoding, onClose, onConnect, receive, type SessionContext } from './handlers.js';
import { headerFields } from './message.js';
import { Replies, acceptedText, decisionError } from './replies.js';
import { acceptedRecipients, dsnOf, envelopeSender, stateOf, tlsInfo, transactionId, type SessionState } from './session.js';
import { MAX_HOPS, countReceived, receivedHeader, stripOwnAuthResults } from './trace.js';
import type { VerifyMemo } from './verify-memo.js';
import { verifyInbound } from './verify.js';

type Handlers = Pick<SMTPServerOptions, 'onConnect' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>;

/**
 * What the MX handlers use of the rest of the server. Narrow on purpose: the MX listener runs
 * in a worker thread (mx-thread.ts), and each of these is a call to the main thread there.
 */
export interface MxContext extends SessionContext {
  hostname: string;
  resolver: Resolver;
  delivery: {
    checkSender(origin: Origin, from: string): Promise<Decision>;
    checkRecipient(origin: Origin, rcpt: string): Promise<ResolvedRecipient>;
    /** `raw` may be handed over to the other thread: not to be read after the call. */
    accept(origin: Origin, from: string, recipients: ResolvedRecipient[], raw: Buffer, extras: AcceptExtras): Promise<DeliveryResult>;
  };
  /** SPF and DMARC results reused while their DNS answers are served unchanged (verify-memo.ts). */
  verifyMemo?: VerifyMemo;
  /** Is `domain` one of ours? */
  isLocalDomain(domain: string): Promise<boolean>;
  /** Recipients checked but not handed to accept() (RSET, a new MAIL FROM, the end of the
   *  session): what the main thread holds for them can go. accept() takes its own. */
  release?(recipients: ResolvedRecipient[]): void;
}

/** Refused recipients a session may try before it is closed (421). A sender with a stale list
 *  meets a few; a harvest of our addresses, thousands. */
export const MAX_REFUSED_RECIPIENTS = 20;

export function mxHandlers(ctx: MxContext): Handlers {
  const origin = (session: SMTPServerSession): Origin => ({ kind: 'mx', ip: session.remoteAddress });

  const closed = onClose(ctx);
  /** Forgets the transaction's recipients, telling the main thread when it holds some. */
  const forget = (state: SessionState) => {
    if (state.recipients.size > 0) ctx.release?.([...state.recipients.values()]);
    state.recipients = new Map();
  };

  return {
    onConnect: onConnect(ctx),
    onClose(session: SMTPServerSession) {
      closed(session);
      forget(stateOf(session, ctx.log));
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      const state = stateOf(session, ctx.log);
      forget(state);
      answer(state, 'MAIL FROM', callback, async () => {
        checkAddressEncoding(address.address, session);
        const decision = await ctx.delivery.checkSender(origin(session), address.address);
        if (!decision.ok) throw decisionError(decision);
      });
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      const state = stateOf(session, ctx.log);
      answer(state, 'RCPT TO', callback, async () => {
        checkAddressEncoding(address.address, session);
        const rcpt = /^postmaster$/i.test(address.address) ? await postmaster(ctx) : address.address;
        const resolved = await ctx.delivery.checkRecipient(origin(session), rcpt);
        if (!resolved.decision.ok) {
          state.log.debug({ rcpt: address.address, code: resolved.decision.code, status: resolved.decision.status }, 'recipient refused');
          if (++state.refusedRecipients > MAX_REFUSED_RECIPIENTS) {
            state.log.info({ refused: state.refusedRecipients }, 'session closed: too many refused recipients');
            throw Replies.tooManyRefusedRecipients();
          }
          throw decisionError(resolved.decision);
        }
        const key = address.address.toLowerCase();
        const repeated = state.recipients.get(key);
        if (repeated) ctx.release?.([repeated]);
        state.recipients.set(key, resolved);
      });
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const state = stateOf(session, ctx.log);
      answer(state, 'DATA', callback, async () => {
        let raw = await receive(ctx, stream, session);
        const fields = headerFields(raw);
        if (countReceived(raw, fields) > MAX_HOPS) throw Replies.tooManyHops(MAX_HOPS);
        // RFC 5322 §3.6 allows one From: field; with two, DMARC has no single author domain to
        // judge (mailauth then skips it), and readers show either: refused, as on submission
        // (RFC 7489 §6.6.1).
        if (fields.filter((f) => f.name === 'from').length > 1) {
          state.log.info({ id: transactionId(session) }, 'message refused: more than one From field');
          throw decisionError(Refusals.multipleFrom());
        }
        const from = envelopeSender(session);
        const recipients = acceptedRecipients(session, state);
        const id = transactionId(session);

        let verdict;
        try {
          verdict = await verifyInbound(raw, { ip: session.remoteAddress, helo: session.hostNameAppearsAs, sender: from, mta: ctx.hostname, resolver: ctx.resolver, memo: ctx.verifyMemo });
        } catch (err) {
          state.log.warn({ err: (err as Error).message }, 'message authentication failed to run');
          throw Replies.verifyFailed();
        }
        const log = { id, from, rcpts: recipients.length, bytes: raw.length, ...verdict.results, dmarcAction: verdict.action };
        if (verdict.action === 'reject') {
          state.log.info(log, 'message refused by DMARC policy');
          throw decisionError(Refusals.dmarcReject(verdict.dmarcDomain ?? 'the sender domain'));
        }
        if (verdict.action === 'tempfail') {
          state.log.info(log, 'message deferred: DMARC lookup failed');
          throw Replies.dmarcTempError(verdict.dmarcDomain ?? 'the sender domain');
        }

        raw = stripOwnAuthResults(raw, ctx.hostname, fields);
        const received = receivedHeader({
          by: ctx.hostname, helo: session.hostNameAppearsAs, ip: session.remoteAddress, ptr: ptrOf(session),
          protocol: session.transmissionType, id, tls: tlsInfo(session),
          recipients: recipients.map((r) => r.address), date: new Date(),
        });
        // Newest on top: our results, then our Received, then what the message came with.
        const delivered = ctx.delivery.accept(origin(session), from, recipients, raw, {
          traceHeaders: verdict.headers + received,
          junk: verdict.action === 'junk',
          dsn: dsnOf(session),
        });
        // accept() takes the recipients, whatever becomes of the message.
        state.recipients = new Map();
        const result = await delivered;
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

/**
 * RFC 5321 §4.5.1: "RCPT TO:<Postmaster>" without a domain must be accepted. It means the
 * postmaster of the local domain closest to our host name (mx.facteur.test -> facteur.test);
 * that address then has to exist, as an alias or a user.
 */
async function postmaster(ctx: MxContext): Promise<string> {
  const labels = ctx.hostname.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const domain = labels.slice(i).join('.');
    if (await ctx.isLocalDomain(domain)) return `postmaster@${domain}`;
  }
  return 'postmaster';
}

/** smtp-server puts the PTR name there, or "[ip]" when there is none. */
function ptrOf(session: SMTPServerSession): string | null {
  const name = session.clientHostname;
  return name && !name.startsWith('[') ? name : null;
}

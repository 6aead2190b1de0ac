// The parts of the smtp-server handlers that MX and submission share: the context they run in,
// turning an async step into a callback reply (an error is logged once, here, where it becomes
// a reply), and receiving the DATA bytes under the rules both apply.
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { Refusals, type Authenticator, type Delivery, type Resolver } from '../core/index.js';
import type { Logger } from '../core/log.js';
import type { Store } from '../storage/index.js';
import { hasNul, normalizeBareLf, readMessage, type ByteBudget } from './message.js';
import { Replies, SmtpError, decisionError, errorReply } from './replies.js';
import { stateOf, type SessionState } from './session.js';

export interface SmtpContext {
  /** Our name: greeting, Received, Authentication-Results. */
  hostname: string;
  maxMessageBytes: number;
  store: Store;
  delivery: Delivery;
  authenticator: Authenticator;
  resolver: Resolver;
  /** The listener's logger ({svc, listener}); each session gets a child. */
  log: Logger;
  /** DATA bytes in memory across the listener's sessions (message.ts). */
  dataBudget?: ByteBudget;
}

/** What the steps shared by both listeners use of the context. */
export type SessionContext = Pick<SmtpContext, 'log' | 'maxMessageBytes' | 'dataBudget'>;

type Callback<T> = (err?: Error | null, value?: T) => void;

/** Runs `step` and answers with its value, its SmtpError, or the reply for what it threw. */
export function answer<T>(state: SessionState, what: string, callback: Callback<T>, step: () => Promise<T>): void {
  step().then(
    (value) => callback(null, value),
    (err: unknown) => {
      if (err instanceof SmtpError) return callback(err);
      const { error, unexpected } = errorReply(err);
      if (unexpected) state.log.error({ err }, `${what} failed`);
      else state.log.warn({ err: (err as Error).message }, `${what} failed`);
      callback(error);
    },
  );
}

/**
 * An address may hold non-ASCII characters only in a transaction that declared SMTPUTF8 (RFC
 * 6531 §3.4), and never bytes that are not UTF-8: smtp-server decodes those as U+FFFD, which
 * would then be stored in Return-Path and the results as if the sender had written it.
 */
export function checkAddressEncoding(address: string, session: SMTPServerSession): void {
  if (address.includes('\uFFFD')) throw Replies.addressNotUtf8();
  if (!session.envelope.smtpUtf8 && /[^\x00-\x7f]/.test(address)) throw Replies.nonAsciiWithoutSmtpUtf8();
}

export function onConnect(ctx: SessionContext) {
  return (session: SMTPServerSession, callback: (err?: Error | null) => void): void => {
    stateOf(session, ctx.log).log.debug({ secure: session.secure }, 'connect');
    callback();
  };
}

export function onClose(ctx: SessionContext) {
  return (session: SMTPServerSession): void => {
    // A session refused before its greeting (maxClients) has no transaction count yet.
    stateOf(session, ctx.log).log.debug({ transactions: Math.max(0, (session.transaction || 1) - 1) }, 'close');
  };
}

/**
 * The message as the pipeline takes it: within the size limit (552 5.3.4 after the final
 * dot), without NUL bytes, bare LF line ends made CRLF (message.ts says why).
 */
export async function receive(ctx: SessionContext, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<Buffer> {
  const state = stateOf(session, ctx.log);
  let data;
  try {
    data = await readMessage(stream, ctx.maxMessageBytes, ctx.dataBudget);
  } catch {
    // The client left (or timed out) in the middle of DATA: nothing was stored, nobody to tell.
    state.log.info({ bytes: stream.byteLength }, 'connection lost during DATA');
    throw Replies.internalError();
  }
  if (data.overBudget) {
    state.log.warn({ bytes: data.size, budget: ctx.dataBudget?.limit }, 'message deferred: too many bytes of DATA in memory');
    throw Replies.busyWithData();
  }
  if (!data.raw) {
    state.log.info({ bytes: data.size, limit: ctx.maxMessageBytes }, 'message refused: too big');
    throw decisionError(Refusals.tooBig(ctx.maxMessageBytes));
  }
  if (hasNul(data.raw)) {
    state.log.info({ bytes: data.size }, 'message refused: NUL bytes');
    throw Replies.nulBytes();
  }
  return normalizeBareLf(data.raw);
}

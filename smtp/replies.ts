// Every SMTP refusal the listeners give, in one place (../shared/ARCHITECTURE.md): the
// pipeline's decisions, the typed core errors and the protocol's own replies. A reply carries
// its enhanced status code (RFC 3463) at the start of its text; listener.ts makes smtp-server
// send that code as given instead of guessing one from the reply code.
import { isFacteurError, type Decision } from '../core/index.js';

export interface SmtpReply {
  code: number;
  /** Enhanced status code, e.g. 5.7.1. */
  status: string;
  text: string;
}

/** What the smtp-server callbacks take: `responseCode` is the reply code, the message starts
 *  with the enhanced status code. */
export class SmtpError extends Error {
  readonly responseCode: number;
  readonly status: string;
  constructor(reply: SmtpReply) {
    super(`${reply.status} ${oneLine(reply.text)}`);
    this.name = 'SmtpError';
    this.responseCode = reply.code;
    this.status = reply.status;
  }
}

/** "5.7.1 text": the shape listener.ts recognises as a reply that brings its own code. */
export const OWN_STATUS = /^[245]\.\d{1,3}\.\d{1,3} /;

export function smtpError(code: number, status: string, text: string): SmtpError {
  return new SmtpError({ code, status, text });
}

/** A refusal from the delivery pipeline, verbatim. */
export function decisionError(decision: Decision): SmtpError {
  if (decision.ok) throw new TypeError('an accepting decision is not an SMTP error');
  return smtpError(decision.code, decision.status, decision.text);
}

/**
 * A thrown error as the client should see it. Typed core errors say what went wrong; anything
 * else is a fault of ours, answered with a temporary failure so that the sender retries, and
 * flagged `unexpected` so that the caller logs it with its stack.
 */
export function errorReply(err: unknown): { error: SmtpError; unexpected: boolean } {
  if (isFacteurError(err)) {
    switch (err.code) {
      case 'OVER_QUOTA': return { error: smtpError(552, '5.2.2', 'Mailbox full: this message does not fit in the quota'), unexpected: false };
      case 'NOT_FOUND': return { error: smtpError(550, '5.1.1', 'No such mailbox'), unexpected: false };
      case 'INVALID': return { error: smtpError(554, '5.6.0', `Message refused: ${err.message}`), unexpected: false };
      case 'FORBIDDEN': return { error: smtpError(550, '5.7.1', 'Not allowed'), unexpected: false };
      case 'UNAVAILABLE': return { error: Replies.storageFailed(), unexpected: false };
      default: break; // ALREADY_EXISTS, CONFLICT, PRECONDITION_FAILED: not expected while delivering
    }
  }
  return { error: Replies.internalError(), unexpected: true };
}

export const Replies = {
  // Submission: authentication (RFC 4954 §6, codes from RFC 5248).
  authRequired: () => smtpError(530, '5.7.0', 'Authentication required'),
  encryptionRequired: () => smtpError(538, '5.7.11', 'Encryption required: use STARTTLS (or port 465) before AUTH'),
  authInvalid: () => smtpError(535, '5.7.8', 'Authentication credentials invalid'),
  accountDisabled: () => smtpError(525, '5.7.13', 'Account disabled: ask your administrator'),
  /** Per client address and account, so that other users are not affected (core/auth/guard.ts). */
  authThrottled: (retryAfterMs: number) => smtpError(454, '4.7.0',
    `Too many failed logins: try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} seconds`),
  authUnavailable: () => smtpError(454, '4.7.0', 'Temporary authentication failure, try again later'),
  /** The session's user was disabled or deleted after it logged in. */
  userGone: () => smtpError(550, '5.7.13', 'Account disabled: ask your administrator'),

  // Addresses (RFC 6531 §3.4, §3.7.4.1).
  addressNotUtf8: () => smtpError(553, '5.6.7', 'Address refused: it is not valid UTF-8'),
  nonAsciiWithoutSmtpUtf8: () => smtpError(553, '5.6.7', 'Address refused: non-ASCII addresses need the SMTPUTF8 parameter on MAIL FROM'),

  /** After too many refused recipients in one session (an address harvest, a dictionary
   *  attack): the connection ends, as Postfix's smtpd_hard_error_limit does. */
  tooManyRefusedRecipients: () => smtpError(421, '4.7.0', 'Too many unknown recipients in this session, closing'),

  // Message content.
  /** RFC 5322 §2.2 and §2.3 allow no NUL; BINARYMIME is not offered, so it never belongs. */
  nulBytes: () => smtpError(554, '5.6.0', 'Message refused: it contains NUL characters'),
  /** RFC 5321 §6.3: a message that went through this many hops is in a loop. */
  tooManyHops: (max: number) => smtpError(554, '5.4.6', `Message refused: more than ${max} Received headers, probably a mail loop`),
  verifyFailed: () => smtpError(451, '4.7.5', 'Temporary failure while checking SPF/DKIM/DMARC, try again later'),
  dmarcTempError: (domain: string) => smtpError(451, '4.7.5', `Temporary DNS failure checking the DMARC policy of ${domain}, try again later`),

  /** Over the listener's budget of DATA bytes in memory (handlers.ts): other sessions are
   *  holding it; the sender retries (RFC 3463 4.3.1, mail system full). */
  busyWithData: () => smtpError(452, '4.3.1', 'Insufficient system storage for this message now, try again later'),
  /** Per-address connection limit (listener.ts). */
  tooManyFromAddress: () => smtpError(421, '4.7.0', 'Too many connections from your address, try again later'),

  // Faults.
  storageFailed: () => smtpError(451, '4.3.0', 'Temporary storage failure, try again later'),
  internalError: () => smtpError(451, '4.3.0', 'Temporary local error, try again later'),
} as const;

/** The 250 at the end of DATA. */
export function acceptedText(id: string): string {
  return `2.6.0 Message accepted (id ${id})`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

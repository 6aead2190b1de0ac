// What one attempt means for each recipient: delivered (2xx), failed for good (5xx: bounce)
// or deferred (4xx, no answer, broken connection: try again later), with the reply kept for
// the queue listing and the DSN.
import type { Route } from './route.js';
import type { SendResult, SmtpError } from './transport.js';

export type RecipientOutcome = 'delivered' | 'failed' | 'deferred';

export interface RecipientResult {
  address: string;
  outcome: RecipientOutcome;
  /** The server's reply, or our own account of what went wrong, on one line. */
  reply: string;
  /** RFC 3463 enhanced status code. */
  status: string;
  /** The server that answered, for the DSN's Remote-MTA. */
  remoteMta: string | null;
}

const MAX_REPLY = 500;

export function resultsFromSend(to: string[], result: SendResult): RecipientResult[] {
  if (!result.reached) {
    const reply = `no server took the message: ${result.failures.map((f) => `${f.hop.name} [${f.hop.host}]:${f.hop.port}: ${describe(f.error)}`).join('; ') || 'no server to try'}`;
    // RFC 3463: 4.4.1 no answer from host, 4.4.2 bad connection (it answered, then failed us).
    const status = result.failures.some((f) => f.error.responseCode) ? '4.4.2' : '4.4.1';
    return to.map((address) => ({ address, outcome: 'deferred', reply: oneLine(reply), status, remoteMta: null }));
  }
  const remoteMta = result.hop.name;
  const byAddress = new Map<string, SmtpError>();
  const rejected = result.info?.rejectedErrors ?? result.error?.rejectedErrors ?? [];
  for (const e of rejected) if (e.recipient) byAddress.set(e.recipient.toLowerCase(), e);

  if (result.info) {
    const accepted = new Set(result.info.accepted.map((a) => a.toLowerCase()));
    return to.map((address) => {
      const key = address.toLowerCase();
      if (accepted.has(key)) return fromReply(address, result.info!.response, remoteMta);
      const err = byAddress.get(key);
      if (err) return fromError(address, err, remoteMta);
      return { address, outcome: 'deferred', reply: 'the server gave no reply for this recipient', status: '4.0.0', remoteMta };
    });
  }

  const error = result.error!;
  // Every recipient refused at RCPT: each has its own reply. Otherwise the failure (MAIL FROM,
  // DATA, end of data) concerns them all. nodemailer does not say which recipients a failure
  // after RCPT found already refused, so those get the later reply too: a 4xx makes us ask
  // again and the next try gives each its own answer; a 5xx bounces them all, as it should
  // for those the server had accepted.
  if (error.command === 'RCPT TO' && byAddress.size > 0) {
    return to.map((address) => fromError(address, byAddress.get(address.toLowerCase()) ?? error, remoteMta));
  }
  return to.map((address) => fromError(address, error, remoteMta));
}

/** Every recipient gets the route's failure (no MX, null MX, DNS failure). */
export function resultsFromRoute(to: string[], route: Extract<Route, { ok: false }>): RecipientResult[] {
  const reply = `${route.code} ${route.status} ${route.text}`;
  const outcome: RecipientOutcome = route.temporary ? 'deferred' : 'failed';
  return to.map((address) => ({ address, outcome, reply, status: route.status, remoteMta: null }));
}

function fromReply(address: string, response: string, remoteMta: string): RecipientResult {
  const code = replyCode(response);
  const outcome: RecipientOutcome = code >= 200 && code < 300 ? 'delivered' : code >= 500 && code < 600 ? 'failed' : 'deferred';
  return { address, outcome, reply: oneLine(response), status: enhancedStatus(response, code), remoteMta };
}

function fromError(address: string, err: SmtpError, remoteMta: string): RecipientResult {
  if (err.response && err.responseCode) return fromReply(address, err.response, remoteMta);
  // The server's EHLO announced a SIZE limit below this message, and nodemailer did not send
  // it: a refusal in advance, permanent like the 552 it would get (RFC 1870 §6).
  if (err.code === 'EMESSAGE' && err.command === 'MAIL FROM') {
    return { address, outcome: 'failed', reply: `552 5.3.4 Message too big for ${remoteMta}: ${err.message}`, status: '5.3.4', remoteMta };
  }
  const reply = err.code === 'EABORT' ? 'delivery interrupted' : describe(err);
  return { address, outcome: 'deferred', reply: oneLine(reply), status: '4.4.2', remoteMta };
}

function replyCode(response: string): number {
  const m = /^(\d{3})/.exec(response);
  return m ? Number(m[1]) : 0;
}

/**
 * The reply's enhanced status code (RFC 2034) when it has one of the same class as the basic
 * code, else the class's generic one (X.0.0, RFC 3463).
 */
export function enhancedStatus(response: string, code = replyCode(response)): string {
  const m = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response);
  const cls = Math.floor(code / 100);
  if (m && Number(m[1]) === cls) return `${m[1]}.${m[2]}.${m[3]}`;
  return cls === 2 || cls === 4 || cls === 5 ? `${cls}.0.0` : '4.0.0';
}

function describe(err: SmtpError): string {
  if (err.response) return err.response;
  const cause = err.originalCode;
  return cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message;
}

function oneLine(s: string): string {
  const line = s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > MAX_REPLY ? `${line.slice(0, MAX_REPLY - 3)}...` : line;
}

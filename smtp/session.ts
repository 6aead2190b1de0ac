// What the listeners keep per SMTP session beside smtp-server's own session object: the
// connection's logger and the recipients of the current transaction as the pipeline resolved
// them at RCPT time (so DATA delivers to exactly what RCPT promised).
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { RecipientDsn, ResolvedRecipient } from '../core/index.js';
import type { Logger } from '../core/log.js';

/** What `session.user` holds after AUTH; smtp-server logs `username`. It is cleared by
 *  smtp-server itself on STARTTLS (RFC 3207 §4.2). */
export interface SessionUser {
  id: string;
  username: string;
  appPassword: string | null;
}

export interface SessionState {
  log: Logger;
  /** Keyed by the lower-cased address as given in RCPT TO; reset at each MAIL FROM. */
  recipients: Map<string, ResolvedRecipient>;
  /** Recipients refused in this session, all transactions together. */
  refusedRecipients: number;
}

const states = new WeakMap<SMTPServerSession, SessionState>();

/** The session's state, made on first use with a child logger (cid, remote). */
export function stateOf(session: SMTPServerSession, log: Logger): SessionState {
  let state = states.get(session);
  if (!state) {
    state = { log: log.child({ cid: session.id, remote: session.remoteAddress }), recipients: new Map(), refusedRecipients: 0 };
    states.set(session, state);
  }
  return state;
}

export function sessionUser(session: SMTPServerSession): SessionUser | null {
  const user = session.user as SessionUser | false | undefined;
  return user && typeof user === 'object' && typeof user.id === 'string' ? user : null;
}

/** The recipients smtp-server kept for this transaction, each as resolved at RCPT time. */
export function acceptedRecipients(session: SMTPServerSession, state: SessionState): ResolvedRecipient[] {
  const out: ResolvedRecipient[] = [];
  for (const rcpt of session.envelope.rcptTo) {
    const resolved = state.recipients.get(rcpt.address.toLowerCase());
    if (resolved) out.push(rcpt.dsn ? { ...resolved, dsn: recipientDsn(rcpt.dsn) } : resolved);
  }
  return out;
}

export function envelopeSender(session: SMTPServerSession): string {
  const from = session.envelope.mailFrom as SMTPServerAddress | false;
  return from ? from.address : '';
}

/** NOTIFY and ORCPT of one RCPT TO, as smtp-server parsed them (it checks their syntax). */
function recipientDsn(dsn: { notify?: string[]; orcpt?: string }): RecipientDsn {
  const notify = dsn.notify?.map((n) => n.toUpperCase()).filter((n): n is NonNullable<RecipientDsn['notify']>[number] =>
    n === 'NEVER' || n === 'SUCCESS' || n === 'FAILURE' || n === 'DELAY');
  return { notify: notify?.length ? notify : null, orcpt: dsn.orcpt ?? null };
}

/** RFC 3461 parameters of MAIL FROM, as the pipeline takes them. */
export function dsnOf(session: SMTPServerSession): { envid: string | null; ret: 'FULL' | 'HDRS' | null } {
  const dsn = session.envelope.dsn;
  const ret = dsn?.ret === 'FULL' || dsn?.ret === 'HDRS' ? dsn.ret : null;
  return { envid: dsn?.envid ?? null, ret };
}

/** The id shown in the 250 reply and the Received header: session and transaction. */
export function transactionId(session: SMTPServerSession): string {
  return `${session.id}-${session.transaction}`;
}

export function tlsInfo(session: SMTPServerSession): { version: string; cipher: string } | null {
  const t = session.tlsOptions;
  return session.secure && t ? { version: t.version, cipher: t.standardName ?? t.name } : null;
}

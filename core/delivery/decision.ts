// Every step of the delivery pipeline answers with a decision, not an exception: accept, or
// a refusal with its SMTP code and enhanced status code (RFC 3463), which each protocol turns
// into its own reply (SMTP verbatim, webmail as a message, CLI as a line).

export type Decision =
  | { ok: true }
  | { ok: false; temporary: boolean; code: number; status: string; text: string };

export const ACCEPT: Decision = { ok: true };

export function refuse(code: number, status: string, text: string): Decision {
  return { ok: false, temporary: code >= 400 && code < 500, code, status, text };
}

// The refusals the pipeline gives, named once so every protocol says the same thing.
export const Refusals = {
  relayDenied: () => refuse(550, '5.7.1', 'Relaying denied: this server only accepts mail for its own domains'),
  unknownUser: (rcpt: string) => refuse(550, '5.1.1', `<${rcpt}>: no such user here`),
  disabledUser: (rcpt: string) => refuse(550, '5.2.1', `<${rcpt}>: mailbox disabled`),
  mailboxFull: (rcpt: string) => refuse(452, '4.2.2', `<${rcpt}>: mailbox full, try again later`),
  messageWontFit: () => refuse(552, '5.2.2', 'Mailbox full: this message does not fit in the quota'),
  tooBig: (limit: number) => refuse(552, '5.3.4', `Message too big: the limit is ${limit} bytes`),
  senderNotOwned: (from: string) => refuse(553, '5.7.1', `Sender address <${from}> does not belong to the authenticated user`),
  fromNotOwned: (from: string) => refuse(553, '5.7.1', `From: address <${from}> does not belong to the authenticated user`),
  /** RFC 5322 §3.6 allows one From: field; with two, what readers show need not be what was checked. */
  multipleFrom: () => refuse(550, '5.6.0', 'Message refused: it has more than one From: header field'),
  badAddress: (addr: string) => refuse(553, '5.1.3', `<${addr}>: malformed address`),
  rateLimited: () => refuse(450, '4.7.1', 'Sending limit reached: too many messages this hour, try again later'),
  storageFailed: () => refuse(451, '4.3.0', 'Temporary storage failure, try again later'),
  tooManyRecipients: (max: number) => refuse(452, '4.5.3', `Too many recipients (at most ${max} per message)`),
  dmarcReject: (domain: string) => refuse(550, '5.7.1', `Message refused: it fails the DMARC policy of ${domain}`),
  noRecipients: () => refuse(554, '5.5.1', 'No valid recipients'),
  /** An SRS address of ours whose hash does not match, or too old (srs.ts). */
  badSrs: (rcpt: string) => refuse(550, '5.1.1', `<${rcpt}>: invalid or expired forwarding address`),
};

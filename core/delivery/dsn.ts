// Delivery status notifications (RFC 3464): a multipart/report (RFC 6522) with a readable
// explanation (French first, then English), the machine-readable delivery-status part and
// the original headers. Sent with a null reverse-path so that it never bounces itself
// (RFC 5321 §4.5.5).
import { randomBytes } from 'node:crypto';

export interface FailedRecipient {
  address: string;
  /** Enhanced status code, e.g. 5.1.1. */
  status: string;
  /** The remote server's reply or our own reason. */
  diagnostic: string;
  /** The MTA that answered, when it was a remote one. */
  remoteMta?: string;
  /** ORCPT of RCPT TO ("rfc822;addr"), echoed as Original-Recipient (RFC 3464 §2.3.1). */
  originalRecipient?: string | null;
}

export interface DsnInput {
  reportingMta: string;
  /** Envelope sender of the original message: the bounce goes there. */
  originalSender: string;
  originalRaw: Buffer;
  failed: FailedRecipient[];
  arrivalDate?: Date;
  /** ENVID given by the sender (RFC 3461 §4.4), echoed back. */
  envid?: string | null;
  /** 'delayed' warns without giving up; 'failed' is final. */
  action?: 'failed' | 'delayed';
  /** RET (RFC 3461 §4.3): FULL returns the whole message; otherwise only its header, which
   *  keeps a confidential body from travelling back through a bounce nobody asked for. */
  ret?: 'FULL' | 'HDRS' | null;
}

export function buildDsn(input: DsnInput): Buffer {
  const boundary = `=_facteur_${randomBytes(12).toString('hex')}`;
  const action = input.action ?? 'failed';
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const list = input.failed.map((f) => `  <${f.address}>: ${oneLine(f.diagnostic)}`).join('\r\n');
  const human = action === 'failed'
    ? `Votre message n'a pas pu être remis aux destinataires suivants :\r\n\r\n${list}\r\n\r\n` +
      `Your message could not be delivered to the following recipients:\r\n\r\n${list}\r\n`
    : `Votre message n'a pas encore pu être remis ; de nouvelles tentatives auront lieu :\r\n\r\n${list}\r\n\r\n` +
      `Your message has not been delivered yet; delivery will be retried:\r\n\r\n${list}\r\n`;
  const perMessage = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    ...(input.envid ? [`Original-Envelope-Id: ${oneLine(input.envid)}`] : []),
    ...(input.arrivalDate ? [`Arrival-Date: ${input.arrivalDate.toUTCString().replace('GMT', '+0000')}`] : []),
  ].join('\r\n');
  const perRecipient = input.failed.map((f) => [
    ...(f.originalRecipient ? [`Original-Recipient: ${oneLine(f.originalRecipient)}`] : []),
    `Final-Recipient: rfc822; ${f.address}`,
    `Action: ${action}`,
    `Status: ${f.status}`,
    ...(f.remoteMta ? [`Remote-MTA: dns; ${f.remoteMta}`] : []),
    `Diagnostic-Code: smtp; ${oneLine(f.diagnostic)}`,
  ].join('\r\n')).join('\r\n\r\n');
  // The original goes back as its own bytes: decoding and re-encoding would garble 8-bit text.
  const returned = input.ret === 'FULL'
    ? { type: 'message/rfc822', bytes: withCrlf(input.originalRaw) }
    : { type: 'text/rfc822-headers', bytes: originalHeaders(input.originalRaw) };
  const subject = action === 'failed' ? 'Non remis / Undelivered Mail Returned to Sender' : 'Remise retardée / Delivery delayed';
  const text = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.originalSender}>`,
    `Subject: ${encodeWord(subject)}`,
    `Date: ${date}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${input.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    human,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage,
    '',
    perRecipient,
    '',
    `--${boundary}`,
    `Content-Type: ${returned.type}`,
    // RFC 2046 §5.2.1: message/rfc822 may only be 7bit, 8bit or binary.
    ...(returned.bytes.some((b) => b > 0x7f) ? ['Content-Transfer-Encoding: 8bit'] : []),
    '',
    '',
  ].join('\r\n');
  // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1): one more keeps the
  // original's own last line end.
  return Buffer.concat([Buffer.from(text, 'utf8'), returned.bytes, Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1')]);
}

function originalHeaders(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return withCrlf(Buffer.from(end < 0 ? text : text.slice(0, end), 'latin1'));
}

/** CRLF line ends, and a final one (the boundary must start a line). */
function withCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  return Buffer.from(text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

function encodeWord(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

// Trace headers: the Received field each SMTP hop prepends (RFC 5321 §4.4, protocol names of
// RFC 3848), the hop count that detects loops (§6.3), and the removal of Authentication-Results
// fields forged in our name (RFC 8601 §5).
import { headerFields, type HeaderField } from './message.js';

export interface ReceivedInput {
  /** Our host name. */
  by: string;
  /** What the client said in HELO/EHLO. */
  helo: string | false;
  /** The client's IP, or null to leave it out (submission: a user's home address is personal data). */
  ip: string | null;
  /** Forward-confirmed PTR name of the client, or null. */
  ptr: string | null;
  /** SMTP, ESMTP, ESMTPS, ESMTPSA... (RFC 3848) */
  protocol: string;
  id: string;
  tls: { version: string; cipher: string } | null;
  /** Named only when there is exactly one, so that one copy does not list the others (Bcc). */
  recipients: string[];
  date: Date;
}

/** Hops after which a message is taken for a loop; Postfix's hopcount_limit. */
export const MAX_HOPS = 50;

export function receivedHeader(r: ReceivedInput): string {
  const from = r.helo ? `from ${token(r.helo)}` : 'from unknown';
  const client = r.ip === null ? '' : ` (${r.ptr ? token(r.ptr) : 'unknown'} [${r.ip}])`;
  const lines = [
    `Received: ${from}${client}`,
    `\tby ${r.by} (Facteur) with ${r.protocol} id ${token(r.id)}`,
    ...(r.tls ? [`\t(version=${token(r.tls.version)} cipher=${token(r.tls.cipher)})`] : []),
  ];
  const rcpt = r.recipients.length === 1 ? `\tfor <${r.recipients[0]}>; ` : '\t; ';
  if (r.recipients.length === 1) lines.push(`${rcpt}${rfc5322Date(r.date)}`);
  else lines[lines.length - 1] += `; ${rfc5322Date(r.date)}`;
  return `${lines.join('\r\n')}\r\n`;
}

/** `fields`: the message's headerFields() when the caller has them already. */
export function countReceived(raw: Buffer, fields: HeaderField[] = headerFields(raw)): number {
  return fields.filter((f) => f.name === 'received').length;
}

/**
 * Removes Authentication-Results fields whose authserv-id is ours: only this server may speak
 * in its own name, and the webmail trusts what it says. Others' results are kept.
 */
export function stripOwnAuthResults(raw: Buffer, authservId: string, fields: HeaderField[] = headerFields(raw)): Buffer {
  const id = authservId.toLowerCase();
  const forged = fields.filter((f) => f.name === 'authentication-results'
    && authservIdOf(raw.subarray(f.start, f.end).toString('latin1')) === id);
  if (forged.length === 0) return raw;
  const parts: Buffer[] = [];
  let from = 0;
  for (const f of forged) {
    parts.push(raw.subarray(from, f.start));
    from = f.end;
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

function authservIdOf(field: string): string {
  const value = field.slice(field.indexOf(':') + 1).replace(/\([^)]*\)/g, ' ');
  return value.split(';')[0].trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

let lastSecond = Number.NaN;
let lastText = '';

/** "Mon, 02 Jun 2025 10:00:00 +0000" (RFC 5322 §3.3). The text of the last second is kept:
 *  every message received within it gets the same one. */
export function rfc5322Date(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = d.toUTCString().replace(/GMT$/, '+0000');
    lastSecond = second;
  }
  return lastText;
}

/** Client-supplied names go into a structured header: keep only what a domain or an address
 *  literal can hold, so that "(", ";" or a long string cannot reshape the field. */
function token(s: string): string {
  return s.replace(/[^A-Za-z0-9.\-_:[\]]/g, '_').slice(0, 255);
}

// Reading the DATA stream and the few byte-level rules applied before the message enters the
// pipeline. The message is otherwise kept byte-exact (DKIM must still verify).
import type { Readable } from 'node:stream';

export interface ReceivedData {
  /** The message as sent (dot-unstuffed), or null when it went over the limit. */
  raw: Buffer | null;
  /** Bytes received, the part dropped over the limit included. */
  size: number;
}

/**
 * Collects the DATA stream. Past `maxBytes` the rest is read and dropped, so that the client
 * gets its 552 reply after the final dot (RFC 1870 §6.3) and memory stays bounded. Rejects if
 * the connection goes away before the end.
 */
export function readMessage(stream: Readable, maxBytes: number): Promise<ReceivedData> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    stream.once('error', reject);
    stream.once('end', () => resolve({ raw: size <= maxBytes ? Buffer.concat(chunks, size) : null, size }));
  });
}

export function hasNul(raw: Buffer): boolean {
  return raw.includes(0);
}

/**
 * Turns bare LF line ends into CRLF, as Postfix's default `smtpd_forbid_bare_newline =
 * normalize` does. The end of DATA is still only CRLF.CRLF (smtp-server's parser), which is what
 * closes SMTP smuggling; a lone LF inside the message is just a sloppy client.
 */
export function normalizeBareLf(raw: Buffer): Buffer {
  let bare = 0;
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) if (i === 0 || raw[i - 1] !== 0x0d) bare++;
  if (bare === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + bare);
  let o = 0;
  let from = 0;
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) {
    if (i > 0 && raw[i - 1] === 0x0d) continue;
    o += raw.copy(out, o, from, i);
    out[o++] = 0x0d;
    out[o++] = 0x0a;
    from = i + 1;
  }
  raw.copy(out, o, from);
  return out;
}

/** Length of the header block, its blank line excluded (the whole message if it has no body). */
export function headerEnd(raw: Buffer): number {
  if (raw.subarray(0, 2).equals(CRLF)) return 0;
  const end = raw.indexOf('\r\n\r\n');
  return end === -1 ? raw.length : end + 2;
}

/** One header field: lower-cased name and byte range, folded lines included. */
export interface HeaderField {
  name: string;
  start: number;
  end: number;
}

/** The header fields of a message. */
export function headerFields(raw: Buffer): HeaderField[] {
  const block = raw.toString('latin1', 0, headerEnd(raw));
  const fields: HeaderField[] = [];
  const re = /^([^\s:]+)[ \t]*:.*(?:\r\n[ \t].*)*(?:\r\n|$)/gm;
  for (let m = re.exec(block); m; m = re.exec(block)) {
    fields.push({ name: m[1].toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  return fields;
}

const CRLF = Buffer.from('\r\n');

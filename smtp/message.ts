// Reading the DATA stream and the few byte-level rules applied before the message enters the
// pipeline. The message is otherwise kept byte-exact (DKIM must still verify).
import type { Readable } from 'node:stream';

export interface ReceivedData {
  /** The message as sent (dot-unstuffed), or null when it went over the limit or the budget. */
  raw: Buffer | null;
  /** Bytes received, the part dropped over the limit included. */
  size: number;
  /** The listener's budget ran out while this message came in (its bytes were dropped). */
  overBudget?: boolean;
}

/**
 * The bytes of DATA a listener holds in memory at once, across its sessions. Each message is
 * kept whole until its final dot, and the size limit alone bounds one session, not a thousand
 * of them sending 50 MB each without ever ending.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

/** A listener's budget: room for a few messages of the largest size, and never less than this. */
const MIN_BUDGET_BYTES = 256 * 1024 * 1024;
export function dataBudgetFor(maxMessageBytes: number): ByteBudget {
  return new ByteBudget(Math.max(MIN_BUDGET_BYTES, 4 * maxMessageBytes));
}

/**
 * Collects the DATA stream. Past `maxBytes`, or once `budget` has no room left, the rest is read
 * and dropped, so that the client gets its reply after the final dot (RFC 1870 §6.3) and memory
 * stays bounded. Rejects if the connection goes away before the end.
 */
export function readMessage(stream: Readable, maxBytes: number, budget?: ByteBudget): Promise<ReceivedData> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    let overBudget = false;
    const release = () => {
      budget?.give(held);
      held = 0;
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes || overBudget) {
        chunks.length = 0;
        release();
        return;
      }
      if (budget && !budget.take(chunk.length)) {
        overBudget = true;
        chunks.length = 0;
        release();
        return;
      }
      held += chunk.length;
      chunks.push(chunk);
    });
    stream.once('error', (err) => {
      release();
      reject(err);
    });
    stream.once('end', () => {
      release();
      if (size > maxBytes) resolve({ raw: null, size });
      else if (overBudget) resolve({ raw: null, size, overBudget: true });
      else resolve({ raw: Buffer.concat(chunks, size), size });
    });
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

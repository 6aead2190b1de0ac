// Turning response data into bytes (RFC 9051 §4, §7). Values are tagged so that nothing is
// guessed: an atom is written as is, a string as a quoted string when that is safe and as a
// literal otherwise (8-bit text, CR/LF, long values), null as NIL.

export type Value =
  | null
  | number
  | { atom: string }
  | { string: string | Buffer }
  | { literal: Buffer }
  /** literal8 (RFC 3516 §4.2): "~{n}", the only form that may carry NUL octets. */
  | { literal8: Buffer }
  /** Items written one after the other without spaces: "1*body" in a multipart BODYSTRUCTURE. */
  | { concat: Value[] }
  | Value[];

export const NIL = null;
export const atom = (text: string): Value => ({ atom: text });
export const str = (value: string | Buffer): Value => ({ string: value });
export const nstr = (value: string | Buffer | null | undefined): Value => (value == null ? null : { string: value });
export const literal = (value: Buffer): Value => ({ literal: value });
export const literal8 = (value: Buffer): Value => ({ literal8: value });

/** Beyond this a string goes as a literal even if it could be quoted. */
const MAX_QUOTED = 1024;

/** Collects output as a list of chunks, so that large literals are written without copying. */
export class ResponseBuilder {
  private readonly chunks: Buffer[] = [];
  private text = '';

  raw(text: string): this {
    this.text += text;
    return this;
  }

  value(v: Value): this {
    if (v === null) return this.raw('NIL');
    if (typeof v === 'number') return this.raw(String(v));
    if (Array.isArray(v)) {
      this.raw('(');
      v.forEach((item, i) => {
        if (i > 0) this.raw(' ');
        this.value(item);
      });
      return this.raw(')');
    }
    if ('atom' in v) return this.raw(v.atom);
    if ('concat' in v) {
      for (const item of v.concat) this.value(item);
      return this;
    }
    if ('literal' in v) return this.bytes(v.literal);
    if ('literal8' in v) return this.raw('~').bytes(v.literal8);
    const s = v.string;
    const quoted = quotable(s);
    if (quoted !== null) return this.raw(quoted);
    return this.bytes(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  }

  /** A literal: "{n}" CRLF then the octets. */
  private bytes(data: Buffer): this {
    this.raw(`{${data.length}}\r\n`);
    this.flushText();
    if (data.length > 0) this.chunks.push(data);
    return this;
  }

  private flushText(): void {
    if (this.text !== '') {
      this.chunks.push(Buffer.from(this.text, 'latin1'));
      this.text = '';
    }
  }

  /** Ends the response line (CRLF) and returns the chunks to write. */
  done(): Buffer[] {
    this.raw('\r\n');
    this.flushText();
    return this.chunks;
  }
}

/** The quoted form of `s` ('"a\\"b"'), or null when it must be a literal. */
export function quotable(s: string | Buffer): string | null {
  const text = typeof s === 'string' ? s : s.toString('latin1');
  if (text.length > MAX_QUOTED) return null;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c === 0x0d || c === 0x0a || c > 0x7e) return null;
    if (c === 0x22 || c === 0x5c) out += '\\';
    out += text[i];
  }
  return out + '"';
}

/** A whole response line made of `parts` (strings written raw, Values compiled). */
export function line(...parts: (string | Value)[]): Buffer[] {
  const b = new ResponseBuilder();
  for (const p of parts) {
    if (typeof p === 'string') b.raw(p);
    else b.value(p);
  }
  return b.done();
}

/** resp-text (RFC 9051 §9): text without CR/LF; a client-supplied value is never echoed raw. */
export function safeText(text: string): string {
  return text.replace(/[\r\n\x00]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

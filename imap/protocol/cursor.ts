// Reading a framed command (see reader.ts) by the grammar of RFC 9051 §9 / RFC 3501 §9.
// Each command module parses its own arguments with these primitives; any syntax error
// throws ParseError, which the session answers with a tagged BAD before going on.

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;

/** atom-specials (RFC 9051 §9): ( ) { SP CTL % * " \ ] , and non-ASCII. */
function isAtomChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== LPAREN && c !== RPAREN && c !== LBRACE && c !== 0x25 && c !== 0x2a
    && c !== DQUOTE && c !== BACKSLASH && c !== 0x5d;
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d;
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials. */
function isListChar(c: number): boolean {
  return isAstringChar(c) || c === 0x25 || c === 0x2a;
}

/** tag = 1*<any ASTRING-CHAR except "+"> */
function isTagChar(c: number): boolean {
  return isAstringChar(c) && c !== 0x2b;
}

export class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos] : -1;
  }

  /** True if the next bytes are `text`, compared case-insensitively (ASCII). */
  lookingAt(text: string): boolean {
    if (this.pos + text.length > this.buf.length) return false;
    return this.buf.subarray(this.pos, this.pos + text.length).toString('latin1').toUpperCase() === text.toUpperCase();
  }

  /** Consumes `text` (case-insensitive) if it is next. */
  accept(text: string): boolean {
    if (!this.lookingAt(text)) return false;
    this.pos += text.length;
    return true;
  }

  expect(text: string): void {
    if (!this.accept(text)) throw new ParseError(`expected "${text}"${this.where()}`);
  }

  sp(): void {
    if (this.peek() !== SP) throw new ParseError(`expected a space${this.where()}`);
    this.pos++;
  }

  trySp(): boolean {
    if (this.peek() !== SP) return false;
    this.pos++;
    return true;
  }

  end(): void {
    if (!this.atEnd) throw new ParseError(`unexpected characters${this.where()}`);
  }

  tag(): string {
    return this.run(isTagChar, 'a tag');
  }

  atom(): string {
    return this.run(isAtomChar, 'an atom');
  }

  /** A run of bytes; `what` names it in the error. */
  private run(ok: (c: number) => boolean, what: string): string {
    const start = this.pos;
    while (this.pos < this.buf.length && ok(this.buf[this.pos])) this.pos++;
    if (this.pos === start) throw new ParseError(`expected ${what}${this.where()}`);
    return this.buf.subarray(start, this.pos).toString('latin1');
  }

  /** number = 1*DIGIT, unsigned 32-bit. */
  number(): number {
    return this.digits(0xffffffff);
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) throw new ParseError(`expected a non-zero number${this.where()}`);
    return n;
  }

  /** mod-sequence-value (RFC 7162 §7): 1*DIGIT, up to 2^63 - 1; within JavaScript's safe range here. */
  number64(): number {
    return this.digits(Number.MAX_SAFE_INTEGER);
  }

  private digits(max: number): number {
    const start = this.pos;
    while (this.pos < this.buf.length && this.buf[this.pos] >= 0x30 && this.buf[this.pos] <= 0x39) this.pos++;
    if (this.pos === start) throw new ParseError(`expected a number${this.where()}`);
    const text = this.buf.subarray(start, this.pos).toString('latin1');
    const n = text.length > 20 ? Infinity : Number(text);
    if (n > max) throw new ParseError(`number out of range${this.where(start)}`);
    return n;
  }

  /** string = quoted / literal; the raw octets. */
  string(): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quoted();
    if (c === LBRACE) return this.literal();
    throw new ParseError(`expected a string${this.where()}`);
  }

  /** astring = 1*ASTRING-CHAR / string */
  astring(): Buffer {
    const c = this.peek();
    if (c === DQUOTE || c === LBRACE) return this.string();
    const start = this.pos;
    this.run(isAstringChar, 'a string');
    return this.buf.subarray(start, this.pos);
  }

  /** astring as UTF-8 text (RFC 9051 §4.3: strings are UTF-8 where text is expected). */
  astringText(): string {
    return this.astring().toString('utf8');
  }

  /** list-mailbox = 1*list-char / string (RFC 9051 §9). */
  listMailbox(): Buffer {
    const c = this.peek();
    if (c === DQUOTE || c === LBRACE) return this.string();
    const start = this.pos;
    this.run(isListChar, 'a mailbox pattern');
    return this.buf.subarray(start, this.pos);
  }

  /** nstring = string / "NIL" */
  nstring(): Buffer | null {
    if (this.peek() !== DQUOTE && this.peek() !== LBRACE && this.acceptWord('NIL')) return null;
    return this.string();
  }

  /** Consumes `word` only if it is followed by a delimiter (so that "NILS" is not NIL). */
  acceptWord(word: string): boolean {
    if (!this.lookingAt(word)) return false;
    const after = this.buf[this.pos + word.length];
    if (after !== undefined && isAstringChar(after)) return false;
    this.pos += word.length;
    return true;
  }

  quoted(): Buffer {
    this.expect('"');
    const out: number[] = [];
    for (;;) {
      if (this.atEnd) throw new ParseError('unterminated quoted string');
      const c = this.buf[this.pos++];
      if (c === DQUOTE) return Buffer.from(out);
      if (c === 0x0d || c === 0x0a || c === 0) throw new ParseError('quoted strings cannot hold CR, LF or NUL');
      if (c === BACKSLASH) {
        const next = this.buf[this.pos++];
        // quoted-specials only (RFC 9051 §9: "\" quoted-specials).
        if (next !== DQUOTE && next !== BACKSLASH) throw new ParseError('invalid escape in quoted string');
        out.push(next);
      } else {
        out.push(c);
      }
    }
  }

  /** literal = "{" number ["+"] "}" CRLF *CHAR8 (the reader made sure the octets are there). */
  literal(): Buffer {
    const data = this.literalOctets('{');
    // RFC 9051 §4.3: CHAR8 excludes NUL (literal8 of BINARY may carry it).
    if (data.includes(0)) throw new ParseError('literals cannot hold NUL octets');
    return data;
  }

  /** literal8 = "~{" number ["+"] "}" CRLF *OCTET (RFC 3516 §4.2): NUL allowed. */
  literal8(): Buffer {
    return this.literalOctets('~{');
  }

  private literalOctets(open: '{' | '~{'): Buffer {
    this.expect(open);
    const n = this.number();
    this.accept('+');
    this.expect('}\r\n');
    if (this.pos + n > this.buf.length) throw new ParseError('literal shorter than announced');
    const data = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return data;
  }

  /** "(" [item *(SP item)] ")"; `allowEmpty` false requires at least one item. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect('(');
    const out: T[] = [];
    if (this.accept(')')) {
      if (!allowEmpty) throw new ParseError(`empty list${this.where()}`);
      return out;
    }
    for (;;) {
      out.push(item());
      if (this.accept(')')) return out;
      this.sp();
    }
  }

  /** flag = "\Answered" / ... / keyword / flag-extension ("\" atom). */
  flag(): string {
    if (this.accept('\\')) return `\\${this.atom()}`;
    return this.atom();
  }

  flagList(): string[] {
    return this.list(() => this.flag());
  }

  /** " at offset N" for error messages. */
  where(at = this.pos): string {
    return at >= this.buf.length ? ' at end of command' : ` at offset ${at}`;
  }
}

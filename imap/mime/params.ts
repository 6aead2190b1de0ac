// Content-Type and Content-Disposition values (RFC 2045 §5.1, RFC 2183): a value then
// "; attribute=value" parameters, with comments and quoted strings. Parameters split by
// RFC 2231 §3 ("name*0", "name*1*") are joined, as Dovecot does: into "name" when every
// piece is plain, else into "name*" = charset'language'%-encoded, which clients decode.
// Text is latin1 (one character per octet), so 8-bit values pass through unchanged.

export interface HeaderValue {
  /** The main value ("text/plain", "attachment") as written, trimmed; "" if absent. */
  value: string;
  params: [string, string][];
}

const TSPECIALS = '()<>@,;:\\"/[]?=';

class Lexer {
  pos = 0;
  constructor(private readonly s: string) {}

  get done(): boolean {
    this.skipCfws();
    return this.pos >= this.s.length;
  }

  skipCfws(): void {
    for (;;) {
      while (this.pos < this.s.length && /[ \t\r\n]/.test(this.s[this.pos])) this.pos++;
      if (this.s[this.pos] !== '(') return;
      let depth = 0;
      while (this.pos < this.s.length) {
        const c = this.s[this.pos++];
        if (c === '\\') this.pos++;
        else if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
      }
    }
  }

  peek(): string {
    this.skipCfws();
    return this.s[this.pos] ?? '';
  }

  accept(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  /** A token or a quoted string; "" if neither is there. */
  word(allowSlash = false): string {
    this.skipCfws();
    if (this.s[this.pos] === '"') return this.quoted();
    const start = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c <= ' ' || c === '\x7f' || (TSPECIALS.includes(c) && !(allowSlash && c === '/'))) break;
      this.pos++;
    }
    return this.s.slice(start, this.pos);
  }

  private quoted(): string {
    this.pos++;
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++];
      if (c === '"') return out;
      if (c === '\\' && this.pos < this.s.length) out += this.s[this.pos++];
      else if (c !== '\r' && c !== '\n') out += c;
    }
    return out;
  }

  /** Skips to the next ";" (recovery from a malformed parameter). */
  skipToSemicolon(): void {
    while (this.pos < this.s.length && this.s[this.pos] !== ';') {
      if (this.s[this.pos] === '"') this.quoted();
      else this.pos++;
    }
  }
}

export function parseHeaderValue(text: string, options: { slash?: boolean } = {}): HeaderValue {
  const lex = new Lexer(text);
  let value = lex.word(options.slash ?? false);
  if (options.slash) {
    // "type / subtype" with spaces or comments between the halves is still one value.
    const pos = lex.pos;
    if (!value.includes('/') && lex.accept('/')) value += `/${lex.word()}`;
    else lex.pos = pos;
  }
  const raw: [string, string][] = [];
  while (!lex.done) {
    if (!lex.accept(';')) {
      lex.skipToSemicolon();
      continue;
    }
    if (lex.done) break;
    const name = lex.word();
    if (name === '' || !lex.accept('=')) {
      lex.skipToSemicolon();
      continue;
    }
    raw.push([name, lex.word()]);
  }
  return { value: value.trim(), params: joinContinuations(raw) };
}

/** RFC 2231 §3-4: "title*0*=us-ascii'en'This%20is; title*1=even" -> title* = us-ascii'en'This%20iseven. */
function joinContinuations(params: [string, string][]): [string, string][] {
  const out: [string, string][] = [];
  const groups = new Map<string, { index: number; pieces: { n: number; extended: boolean; value: string }[] }>();
  for (const [name, value] of params) {
    const m = /^(.+?)\*(\d+)(\*?)$/.exec(name);
    if (!m) {
      out.push([name, value]);
      continue;
    }
    const key = m[1].toLowerCase();
    let g = groups.get(key);
    if (!g) {
      g = { index: out.length, pieces: [] };
      groups.set(key, g);
      out.push([m[1], '']); // placeholder keeps the parameter's place
    }
    g.pieces.push({ n: Number(m[2]), extended: m[3] === '*', value });
  }
  for (const [, g] of groups) {
    const pieces = g.pieces.sort((a, b) => a.n - b.n);
    const name = out[g.index][0];
    if (pieces.every((p) => !p.extended)) {
      out[g.index] = [name, pieces.map((p) => p.value).join('')];
    } else {
      // The first extended piece carries charset'language'; plain pieces are %-encoded to join them.
      const value = pieces.map((p) => (p.extended ? p.value : percentEncode(p.value))).join('');
      out[g.index] = [`${name}*`, pieces[0].extended ? value : `''${value}`];
    }
  }
  return out;
}

function percentEncode(s: string): string {
  return s.replace(/[^A-Za-z0-9!#$&+\-.^_`|~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

// Address lists (RFC 5322 §3.4, with the obsolete route syntax of §4.4) parsed into the
// IMAP address structures of ENVELOPE (RFC 9051 §7.5.2): (name adl mailbox host), and a
// group as (NIL NIL "name" NIL) ... (NIL NIL NIL NIL). Text is latin1 (octets as characters);
// encoded words stay as written.

export interface ImapAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

type Token =
  | { t: 'word'; v: string; quoted: boolean }
  | { t: 'special'; v: string }
  | { t: 'literal'; v: string };

const SPECIALS = '()<>[]:;@\\,."';

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { i++; continue; }
    if (c === '(') {
      let depth = 0;
      while (i < s.length) {
        const d = s[i++];
        if (d === '\\') i++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      continue;
    }
    if (c === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i++];
      }
      i++;
      out.push({ t: 'word', v, quoted: true });
      continue;
    }
    if (c === '[') {
      const end = s.indexOf(']', i);
      const stop = end < 0 ? s.length : end + 1;
      out.push({ t: 'literal', v: s.slice(i, stop) });
      i = stop;
      continue;
    }
    if (SPECIALS.includes(c)) { out.push({ t: 'special', v: c }); i++; continue; }
    let j = i;
    while (j < s.length && !SPECIALS.includes(s[j]) && !/[ \t\r\n]/.test(s[j])) j++;
    out.push({ t: 'word', v: s.slice(i, j), quoted: false });
    i = j;
  }
  return out;
}

const MISSING_MAILBOX = 'MISSING_MAILBOX';
// A NIL host would mark a group (RFC 9051 §7.5.2), so a bare local part gets a placeholder, as Dovecot does.
const MISSING_DOMAIN = 'MISSING_DOMAIN';

class Parser {
  i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined { return this.tokens[this.i]; }
  private isSpecial(v: string): boolean { const t = this.peek(); return t?.t === 'special' && t.v === v; }

  list(out: ImapAddress[], inGroup: boolean): void {
    while (this.i < this.tokens.length) {
      if (this.isSpecial(',')) { this.i++; continue; }
      if (inGroup && this.isSpecial(';')) return;
      const before = this.i;
      this.one(out, inGroup);
      if (this.i === before) this.i++; // garbage: skip a token rather than loop
    }
  }

  /** One mailbox or group. */
  private one(out: ImapAddress[], inGroup: boolean): void {
    const phrase: Token[] = [];
    while (this.i < this.tokens.length) {
      const t = this.peek()!;
      if (t.t === 'special' && [',', ';', '<', ':', '@'].includes(t.v)) break;
      if (t.t === 'special' && t.v !== '.') { this.i++; continue; }
      phrase.push(t);
      this.i++;
    }
    const t = this.peek();
    if (t?.t === 'special' && t.v === '<') {
      this.i++;
      const addr = this.angleAddr();
      if (addr) out.push({ ...addr, name: phrase.length ? phraseText(phrase) : null });
      return;
    }
    if (t?.t === 'special' && t.v === ':' && !inGroup) {
      this.i++;
      out.push({ name: null, adl: null, mailbox: phraseText(phrase), host: null });
      this.list(out, true);
      if (this.isSpecial(';')) this.i++;
      out.push({ name: null, adl: null, mailbox: null, host: null });
      return;
    }
    if (t?.t === 'special' && t.v === '@') {
      this.i++;
      out.push({ name: null, adl: null, mailbox: localText(phrase) || MISSING_MAILBOX, host: this.domain() || MISSING_DOMAIN });
      return;
    }
    if (phrase.length > 0) out.push({ name: null, adl: null, mailbox: localText(phrase), host: MISSING_DOMAIN });
  }

  /** After "<": [route ":"] local "@" domain ">". */
  private angleAddr(): Omit<ImapAddress, 'name'> | null {
    let adl: string | null = null;
    if (this.isSpecial('@')) {
      const route: string[] = [];
      while (this.isSpecial('@') || this.isSpecial(',')) {
        if (this.isSpecial(',')) { this.i++; continue; }
        this.i++;
        route.push(`@${this.domain()}`);
      }
      if (this.isSpecial(':')) this.i++;
      adl = route.join(',');
    }
    const local: Token[] = [];
    while (this.i < this.tokens.length && !this.isSpecial('@') && !this.isSpecial('>')) local.push(this.tokens[this.i++]);
    let host: string | null = null;
    if (this.isSpecial('@')) {
      this.i++;
      host = this.domain();
    }
    if (this.isSpecial('>')) this.i++;
    if (local.length === 0 && !host) return null; // "<>": no address at all
    return { adl, mailbox: localText(local) || MISSING_MAILBOX, host: host || MISSING_DOMAIN };
  }

  private domain(): string {
    let out = '';
    while (this.i < this.tokens.length) {
      const t = this.peek()!;
      if (t.t === 'word' && !t.quoted) out += t.v;
      else if (t.t === 'literal') out += t.v;
      else if (t.t === 'special' && t.v === '.') out += '.';
      else break;
      this.i++;
    }
    return out;
  }
}

/** Display name: words separated by single spaces, quotes removed. */
function phraseText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.t === 'special') { out += t.v; continue; }
    out += (out === '' ? '' : ' ') + t.v;
  }
  return out.trim();
}

/** Local part as written: dot-separated words, quoted strings kept quoted. */
function localText(tokens: Token[]): string {
  return tokens.map((t) => (t.t === 'word' && t.quoted ? `"${t.v.replace(/(["\\])/g, '\\$1')}"` : t.v)).join('');
}

export function parseAddressList(text: string): ImapAddress[] {
  const out: ImapAddress[] = [];
  new Parser(tokenize(text)).list(out, false);
  return out;
}

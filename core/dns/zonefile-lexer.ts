// Splits zone file text into entries (one record or directive each) made of tokens, in the
// spirit of RFC 1035 §5.1 master files: ';' (and '#') start a comment, double-quoted strings
// with \" \\ and \DDD escapes, parentheses let one entry span several lines (DKIM keys are
// often published that way), a line starting with a blank reuses the previous owner name.

export interface Token {
  text: string;
  quoted: boolean;
  /** Octets of a quoted string once escapes are decoded (a TXT chunk may hold 255). */
  bytes: number;
  line: number;
}

export interface Entry {
  /** Line of the entry's first token. */
  line: number;
  /** The entry's first physical line started with a blank: the owner is the previous one. */
  blankOwner: boolean;
  tokens: Token[];
}

export type LexFail = (line: number, message: string) => never;

const DELIMITERS = new Set([' ', '\t', '\r', '\n', ';', '#', '(', ')', '"']);

export function lexZone(text: string, fail: LexFail): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let depth = 0;
  let openLine = 0;
  let atLineStart = true;
  let lineStartsBlank = false;
  let current: Entry | null = null;

  const push = (token: Token): void => {
    current ??= { line: token.line, blankOwner: lineStartsBlank, tokens: [] };
    current.tokens.push(token);
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (atLineStart) {
      lineStartsBlank = c === ' ' || c === '\t';
      atLineStart = false;
    }
    if (c === '\n') {
      if (depth === 0 && current) {
        entries.push(current);
        current = null;
      }
      line++;
      atLineStart = true;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ';' || c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(') {
      if (depth === 0) openLine = line;
      depth++;
      i++;
    } else if (c === ')') {
      if (depth === 0) fail(line, "')' without a matching '('");
      depth--;
      i++;
    } else if (c === '"') {
      const { value, bytes, end } = readQuoted(text, i + 1, line, fail);
      push({ text: value, quoted: true, bytes, line });
      i = end;
    } else {
      let j = i;
      while (j < text.length && !DELIMITERS.has(text[j])) j++;
      push({ text: text.slice(i, j), quoted: false, bytes: Buffer.byteLength(text.slice(i, j)), line });
      i = j;
    }
  }
  if (depth > 0) fail(openLine, "'(' is never closed");
  if (current) entries.push(current);
  return entries;
}

/** Reads a quoted string whose opening quote precedes `start`; it may not span lines. */
function readQuoted(text: string, start: number, line: number, fail: LexFail): { value: string; bytes: number; end: number } {
  const out: number[] = [];
  let i = start;
  for (;;) {
    if (i >= text.length || text[i] === '\n') fail(line, 'unterminated quoted string (a quoted string must end on its line)');
    const c = text[i];
    if (c === '"') break;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined || next === '\n') fail(line, 'backslash at the end of a quoted string');
      const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
      if (digits) {
        // RFC 1035 §5.1: \DDD is the octet with that decimal value.
        const n = Number(digits[0]);
        if (n > 255) fail(line, `escape \\${digits[0]} is not an octet (0-255)`);
        out.push(n);
        i += 4;
        continue;
      }
      if (/\d/.test(next)) fail(line, `escape \\${next} must be \\ followed by exactly three digits`);
      const cp = text.codePointAt(i + 1)!;
      out.push(...Buffer.from(String.fromCodePoint(cp)));
      i += 1 + (cp > 0xffff ? 2 : 1);
      continue;
    }
    const cp = text.codePointAt(i)!;
    out.push(...Buffer.from(String.fromCodePoint(cp)));
    i += cp > 0xffff ? 2 : 1;
  }
  return { value: Buffer.from(out).toString('utf8'), bytes: out.length, end: i + 1 };
}

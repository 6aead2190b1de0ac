// LIST and LSUB patterns (RFC 3501 §6.3.8, RFC 9051 §6.3.9): "*" matches anything, "%" anything
// but the hierarchy separator; INBOX in any case. Matched by dynamic programming over the name,
// one pass per pattern character: a regular expression ("*" as ".*") backtracks, and a pattern
// of ten stars against a 30-character name held the server's thread for seconds, twenty for
// ever.
import { ParseError } from './protocol/cursor.js';
import { normalizeInbox, SEPARATOR } from './mailbox-name.js';

/** Longer patterns are refused: no client needs one, and the work is pattern × name. Mailbox
 *  names are at most 1,000 characters (storage/sqlite/mail-mailboxes.ts). */
export const MAX_PATTERN_LENGTH = 256;

export interface ListPattern {
  test(name: string): boolean;
}

export function compilePattern(pattern: string): ListPattern {
  // A run of wildcards is one wildcard: "*" if it holds one, else "%".
  const tokens: string[] = [];
  for (const c of normalizeInbox(pattern)) {
    const last = tokens.at(-1);
    if ((c === '*' || c === '%') && (last === '*' || last === '%')) tokens[tokens.length - 1] = c === '*' || last === '*' ? '*' : '%';
    else tokens.push(c);
  }
  if (tokens.length > MAX_PATTERN_LENGTH) throw new ParseError(`LIST pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  return { test: (name) => matches(tokens, [...name]) };
}

/** Does the pattern match the whole name? `reach[j]`: the pattern so far matches name[0..j). */
function matches(tokens: string[], name: string[]): boolean {
  const n = name.length;
  let reach = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const t of tokens) {
    let any = 0;
    if (t === '*') {
      let seen = 0;
      for (let j = 0; j <= n; j++) any |= next[j] = seen |= reach[j];
    } else if (t === '%') {
      next[0] = reach[0];
      any = next[0];
      for (let j = 1; j <= n; j++) any |= next[j] = reach[j] | (next[j - 1] & (name[j - 1] !== SEPARATOR ? 1 : 0));
    } else {
      next[0] = 0;
      for (let j = 1; j <= n; j++) any |= next[j] = reach[j - 1] & (name[j - 1] === t ? 1 : 0);
    }
    if (!any) return false;
    [reach, next] = [next, reach];
  }
  return reach[n] === 1;
}

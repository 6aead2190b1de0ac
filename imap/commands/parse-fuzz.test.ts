// Every command's argument parser on random input: it either parses or throws ParseError
// (answered BAD), never anything else that would end the session.
import { describe, it } from 'vitest';
import { Cursor, ParseError } from '../protocol/cursor.js';
import { COMMANDS } from './index.js';

const TOKENS = [' ', '  ', '(', ')', '[', ']', '<', '>', '.', ':', ',', '*', '$', '%', '"', '\\', '{', '}', '+', '-', '\r\n', '\0', '\xff',
  '0', '1', '4294967296', '12', 'NIL', 'INBOX', 'FLAGS', 'BODY', 'BODY.PEEK', 'HEADER', 'HEADER.FIELDS', '.NOT', 'TEXT', 'MIME',
  'UID', 'OR', 'NOT', 'SINCE', '1-Jan-2025', '"1-Jan-2025 00:00:00 +0000"', '\\Seen', '$Work', 'CHANGEDSINCE', 'UNCHANGEDSINCE',
  'CONDSTORE', 'RETURN', 'SPECIAL-USE', 'CHARSET', 'UTF-8', '{3}\r\nabc', '{2+}\r\nab', '{9}\r\nab', 'MODSEQ', 'PLAIN', '='];

function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('command parsers on random input', () => {
  it.each([...COMMANDS.keys()])('%s', (name) => {
    const command = COMMANDS.get(name)!;
    const rnd = random(name.length * 7919);
    for (let i = 0; i < 400; i++) {
      let input = '';
      const n = 1 + Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) input += TOKENS[Math.floor(rnd() * TOKENS.length)];
      for (const uid of [false, true]) {
        const cur = new Cursor(Buffer.from(input, 'latin1'));
        try {
          command.parse(cur, { tag: 'a', uid });
          cur.end();
        } catch (err) {
          if (!(err instanceof ParseError)) throw new Error(`${name} ${JSON.stringify(input)}: ${String(err)}`);
        }
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { decodeMutf7, encodeMutf7, MailboxNameError } from './mutf7.js';

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
  it.each([
    ['Envoyés', 'Envoy&AOk-s'],
    ['A & B', 'A &- B'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Emoji 😀', 'Emoji &2D3eAA-'],
    ['plain', 'plain'],
  ])('%s <-> %s', (name, wire) => {
    expect(encodeMutf7(name)).toBe(wire);
    expect(decodeMutf7(wire)).toBe(name);
  });

  it.each(['&AOk', 'caf\u00e9', '&AGE-', '&AOk-&AOk-', '&Jjo!-', '&2D0-'])('rejects %s', (wire) => {
    expect(() => decodeMutf7(wire)).toThrow(MailboxNameError);
  });
});

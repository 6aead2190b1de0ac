import { describe, expect, it } from 'vitest';
import { Invalid } from '../../core/errors.js';
import { applyFlags, normalizeFlags, sameFlags } from './mail-flags.js';

describe('normalizeFlags', () => {
  it('spells system flags canonically, keeps keyword case, drops duplicates and \\Recent, sorts', () => {
    expect(normalizeFlags(['work', '\\seen', '$Label1', '\\FLAGGED', 'Work', '\\Recent', '$label1']))
      .toEqual(['\\Flagged', '\\Seen', '$Label1', 'work']);
  });

  it('gives equal sets equal arrays whatever the input order', () => {
    expect(normalizeFlags(['b', '\\Draft', 'A'])).toEqual(normalizeFlags(['A', 'b', '\\draft']));
  });

  it('refuses unknown system flags and keywords that are not atoms', () => {
    for (const bad of ['\\Important', '', 'two words', 'a(b', 'quote"d', 'caf\u00e9']) {
      expect(() => normalizeFlags([bad]), bad).toThrow(Invalid);
    }
  });
});

describe('applyFlags', () => {
  it('adds without duplicating a keyword spelled differently, removes case-insensitively, sets exactly', () => {
    const current = normalizeFlags(['\\Seen', 'Todo']);
    expect(applyFlags(current, 'add', normalizeFlags(['todo', '\\Answered']))).toEqual(['\\Answered', '\\Seen', 'Todo']);
    expect(applyFlags(current, 'remove', normalizeFlags(['TODO', '\\Deleted']))).toEqual(['\\Seen']);
    expect(applyFlags(current, 'set', normalizeFlags(['x']))).toEqual(['x']);
  });

  it('lets callers see when nothing changed', () => {
    const current = normalizeFlags(['\\Seen']);
    expect(sameFlags(applyFlags(current, 'add', normalizeFlags(['\\seen'])), current)).toBe(true);
    expect(sameFlags(applyFlags(current, 'remove', normalizeFlags(['\\Seen'])), current)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { fold } from './mail-texts.js';

describe('fold', () => {
  it('ignores case and accents and spells out ligatures', () => {
    expect(fold('Élève ŒUVRE Straße Æsop')).toBe('eleve oeuvre strasse aesop');
  });

  it('folds compatibility forms and joins runs of white space', () => {
    expect(fold('ﬁn\r\n\t  de  ligne')).toBe('fin de ligne');
  });

  it('turns every run of white space into one space, a lone space included', () => {
    for (const text of [' ', '  ', 'a b', 'a  b', 'a\tb', 'a\u00a0b', 'a \r\n b', '\n', 'x\u2028', ' é  \u3000ü ', 'end ']) {
      expect(fold(text)).toBe(text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' '));
    }
  });

  it('keeps characters GLOB treats specially, since the store escapes them', () => {
    expect(fold('50% [promo]*?')).toBe('50% [promo]*?');
  });
});

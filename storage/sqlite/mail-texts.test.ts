import { describe, expect, it } from 'vitest';
import { fold } from './mail-texts.js';

describe('fold', () => {
  it('ignores case and accents and spells out ligatures', () => {
    expect(fold('Élève ŒUVRE Straße Æsop')).toBe('eleve oeuvre strasse aesop');
  });

  it('folds compatibility forms and joins runs of white space', () => {
    expect(fold('ﬁn\r\n\t  de  ligne')).toBe('fin de ligne');
  });

  it('keeps characters GLOB treats specially, since the store escapes them', () => {
    expect(fold('50% [promo]*?')).toBe('50% [promo]*?');
  });
});

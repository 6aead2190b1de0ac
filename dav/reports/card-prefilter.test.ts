import { describe, expect, test } from 'vitest';
import { matchesAddressbookQuery, type CardFilter, type TextMatch } from '../../core/calendar/index.js';
import { FoldedIndex, cardNeedles, cardPrefilter, foldCard } from './card-prefilter.js';

const tm = (value: string, extra: Partial<TextMatch> = {}): TextMatch => ({ value, collation: 'i;unicode-casemap', negate: false, matchType: 'contains', ...extra });
const filter = (name: string, matches: TextMatch[], test: 'anyof' | 'allof' = 'anyof'): CardFilter => ({
  test, propFilters: [{ name, isNotDefined: false, timeRange: null, textMatches: matches, paramFilters: [], test: 'anyof' }],
});
const card = (fn: string, email = 'x@example.org') =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:${fn}\r\nN:${fn};;;;\r\nEMAIL:${email}\r\nEND:VCARD\r\n`;

describe('cardPrefilter', () => {
  test('never drops a card core matches (accents, case, collations, folded lines)', () => {
    const cards = [card('Élodie Dubois'), card('ELODIE DUBOIS'), card('Ødegaard Σοφία'), card('Mar\r\n tin Paul'), card('Dubois\\, Jean')];
    const filters: CardFilter[] = [];
    for (const value of ['elodie', 'ÉLODIE', 'dubois', 'Dub', 'σοφια', 'ΣΟΦΊΑ', 'martin', 'ødegaard', 'Jean']) {
      for (const collation of ['i;unicode-casemap', 'i;ascii-casemap', 'i;octet'] as const) {
        for (const matchType of ['contains', 'starts-with', 'equals', 'ends-with'] as const) {
          filters.push(filter('FN', [tm(value, { collation, matchType })]));
        }
      }
    }
    let matched = 0;
    for (const f of filters) {
      const pre = cardPrefilter(f)!;
      expect(pre).not.toBeNull();
      for (const c of cards) {
        if (matchesAddressbookQuery(c, f)) {
          matched++;
          expect(pre(foldCard(c)), `${JSON.stringify(f.propFilters[0].textMatches[0])} on ${c}`).toBe(true);
        }
      }
    }
    expect(matched).toBeGreaterThan(20);
  });

  test('skips cards that cannot match', () => {
    const pre = cardPrefilter(filter('FN', [tm('dubois', { matchType: 'starts-with' })]))!;
    expect(pre(foldCard(card('Paul Martin')))).toBe(false);
    expect(pre(foldCard(card('Dubois Paul')))).toBe(true);
  });

  test('gives up where it could be wrong: negation, is-not-defined, params, escaped characters', () => {
    expect(cardPrefilter(filter('FN', [tm('x', { negate: true })]))).toBeNull();
    expect(cardPrefilter(filter('FN', [tm('Dubois, Jean')]))).toBeNull();
    expect(cardPrefilter({ test: 'anyof', propFilters: [] })).toBeNull();
    expect(cardPrefilter({ test: 'anyof', propFilters: [{ name: 'FN', isNotDefined: true, timeRange: null, textMatches: [], paramFilters: [], test: 'anyof' }] })).toBeNull();
  });
});

describe('FoldedIndex', () => {
  test('finds exactly the cards the per-card prefilter accepts, across changes', () => {
    const index = new FoldedIndex();
    const names = ['Élodie Dubois', 'Paul Martin', 'Anne Dubois-Petit', 'Jean Dupont', 'Marc Petit'];
    names.forEach((n, i) => index.set(`c${i}.vcf`, foldCard(card(n, `${n.split(' ')[0].toLowerCase()}@example.org`))));
    const check = (f: CardFilter) => {
      const pre = cardPrefilter(f)!;
      const expected = names.map((n, i) => [`c${i}.vcf`, n] as const).filter(([name]) => index.has(name))
        .filter(([, n]) => pre(foldCard(card(n, `${n.split(' ')[0].toLowerCase()}@example.org`)))).map(([name]) => name);
      expect(index.search(cardNeedles(f)!)).toEqual(expected);
    };
    check(filter('FN', [tm('dubois')]));
    check(filter('FN', [tm('petit'), tm('martin')]));
    check({ test: 'allof', propFilters: [...filter('FN', [tm('dubois')]).propFilters, ...filter('EMAIL', [tm('anne')]).propFilters] });
    check(filter('FN', [tm('nobody')]));
    index.delete('c0.vcf');
    index.set('c1.vcf', foldCard(card('Paul Dubois')));
    names[1] = 'Paul Dubois';
    check(filter('FN', [tm('dubois')]));
    expect(index.search(cardNeedles(filter('FN', [tm('dubois')]))!)).toEqual(['c1.vcf', 'c2.vcf']);
  });
});

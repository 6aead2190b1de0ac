import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import type { CardFilter, PropFilter, TextMatch } from './index.js';
import { buildVCard, matchesAddressbookQuery, parseVCard } from './index.js';
import { APPLE_VCARD3, GOOGLE_VCARD3, THUNDERBIRD_VCARD4 } from './test-fixtures.js';

function prop(name: string, opts: Partial<PropFilter> = {}): PropFilter {
  return { name, isNotDefined: false, timeRange: null, textMatches: [], paramFilters: [], test: 'anyof', ...opts };
}
function text(value: string, opts: Partial<TextMatch> = {}): TextMatch {
  return { value, collation: 'i;unicode-casemap', negate: false, matchType: 'contains', ...opts };
}
const filter = (test: CardFilter['test'], ...propFilters: PropFilter[]): CardFilter => ({ test, propFilters });

describe('parseVCard', () => {
  it('reads Apple 3.0, Thunderbird 4.0 and Google 3.0 cards', () => {
    expect(parseVCard(APPLE_VCARD3)).toEqual({
      uid: '0D4B8E4C-1B45-4C33-9E3C-ABCDEF012345', version: '3.0', fn: 'Marie Dupont',
      emails: ['marie.dupont@ac-exemple.fr', 'marie.d@example.net'],
    });
    expect(parseVCard(THUNDERBIRD_VCARD4)).toEqual({
      uid: '3f1e4c2a-8b9d-4e6f-a1b2-c3d4e5f60718', version: '4.0', fn: 'Étienne Leroy',
      emails: ['etienne.leroy@lycee.example.fr', 'etienne@example.org'],
    });
    expect(parseVCard(GOOGLE_VCARD3).emails).toEqual(['sophie.bernard@ecole.example.fr']);
  });

  it('refuses what is not a valid vCard for CardDAV', () => {
    const bad = (t: string, re: RegExp) => {
      let error: unknown;
      try { parseVCard(t); } catch (err) { error = err; }
      expect(error).toBeInstanceOf(Invalid);
      expect((error as Error).message).toMatch(re);
    };
    bad('just text', /cannot be parsed|empty|not a vCard/);
    bad('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n', /not a vCard/);
    bad(APPLE_VCARD3.replace(/FN:.*\r\n/, ''), /without FN/);
    bad(APPLE_VCARD3.replace(/UID:.*\r\n/, ''), /without UID/);
    bad(APPLE_VCARD3.replace('VERSION:3.0', 'VERSION:2.1'), /VERSION 2\.1/);
    expect(() => parseVCard(APPLE_VCARD3, { maxBytes: 100 })).toThrow(/larger than 100 bytes/);
    const bigPhoto = APPLE_VCARD3.replace('/9j/4AAQSkZJRgABAQAAAQABAAD', 'A'.repeat(2 * 1024 * 1024));
    expect(() => parseVCard(bigPhoto)).toThrow(Invalid);
    expect(parseVCard(bigPhoto, { maxBytes: 4 * 1024 * 1024 }).fn).toBe('Marie Dupont');
  });
});

describe('matchesAddressbookQuery (RFC 6352 §10.5)', () => {
  it('matches FN by prefix with the default unicode collation', () => {
    expect(matchesAddressbookQuery(THUNDERBIRD_VCARD4, filter('anyof', prop('FN', { textMatches: [text('étienne', { matchType: 'starts-with' })] })))).toBe(true);
    expect(matchesAddressbookQuery(THUNDERBIRD_VCARD4, filter('anyof', prop('FN', { textMatches: [text('ÉTIENNE', { matchType: 'starts-with' })] })))).toBe(true);
    expect(matchesAddressbookQuery(THUNDERBIRD_VCARD4, filter('anyof', prop('FN', { textMatches: [text('étienne', { matchType: 'starts-with', collation: 'i;ascii-casemap' })] })))).toBe(false);
    expect(matchesAddressbookQuery(THUNDERBIRD_VCARD4, filter('anyof', prop('FN', { textMatches: [text('leroy', { matchType: 'starts-with' })] })))).toBe(false);
    expect(matchesAddressbookQuery(THUNDERBIRD_VCARD4, filter('anyof', prop('FN', { textMatches: [text('leroy', { matchType: 'ends-with' })] })))).toBe(true);
    expect(matchesAddressbookQuery(THUNDERBIRD_VCARD4, filter('anyof', prop('FN', { textMatches: [text('étienne leroy', { matchType: 'equals' })] })))).toBe(true);
  });

  it('combines prop-filters with anyof / allof', () => {
    const email = prop('EMAIL', { textMatches: [text('@ac-exemple.fr', { matchType: 'ends-with' })] });
    const nick = prop('NICKNAME');
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', email, nick))).toBe(true);
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('allof', email, nick))).toBe(false);
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('allof', email, prop('NICKNAME', { isNotDefined: true })))).toBe(true);
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof'))).toBe(true);
  });

  it('combines text-match and param-filter inside a prop-filter with its test', () => {
    const home = { name: 'TYPE', isNotDefined: false, textMatch: text('home', { matchType: 'equals' }) };
    const anyof = prop('EMAIL', { test: 'anyof', textMatches: [text('dupont')], paramFilters: [home] });
    const allof = prop('EMAIL', { test: 'allof', textMatches: [text('dupont')], paramFilters: [home] });
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', anyof))).toBe(true);
    // No single EMAIL is both "dupont" and TYPE=HOME.
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', allof))).toBe(false);
    const allofHome = prop('EMAIL', { test: 'allof', textMatches: [text('marie.d@')], paramFilters: [home] });
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', allofHome))).toBe(true);
  });

  it('honours group prefixes in the property name', () => {
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', prop('ITEM1.EMAIL', { textMatches: [text('dupont')] })))).toBe(true);
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', prop('ITEM2.EMAIL')))).toBe(false);
    expect(matchesAddressbookQuery(APPLE_VCARD3, filter('anyof', prop('ITEM1.EMAIL', { textMatches: [text('marie.d@')] })))).toBe(false);
  });

  it('matches structured values by component and negates', () => {
    expect(matchesAddressbookQuery(GOOGLE_VCARD3, filter('anyof', prop('N', { textMatches: [text('bernard', { matchType: 'equals' })] })))).toBe(true);
    expect(matchesAddressbookQuery(GOOGLE_VCARD3, filter('anyof', prop('ADR', { textMatches: [text('lyon', { matchType: 'equals' })] })))).toBe(true);
    expect(matchesAddressbookQuery(GOOGLE_VCARD3, filter('anyof', prop('N', { textMatches: [text('bernard', { negate: true })] })))).toBe(false);
    expect(matchesAddressbookQuery(GOOGLE_VCARD3, filter('anyof', prop('N', { textMatches: [text('durand', { negate: true })] })))).toBe(true);
    expect(matchesAddressbookQuery('not a card', filter('anyof'))).toBe(false);
  });
});

describe('buildVCard', () => {
  it('builds a 4.0 card that parses back, with escaping', () => {
    const card = buildVCard({
      uid: 'urn:uuid:7d1b3c4e-0000-4000-8000-000000000042', fn: 'Anne-Sophie de La Tour, Jr.',
      emails: ['anne-sophie.delatour@ac-exemple.fr'], org: 'Lycée Victor Hugo; Lettres', title: 'Professeure\nagrégée',
    });
    expect(card).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
    expect(card).toContain('FN:Anne-Sophie de La Tour\\, Jr.\r\n');
    expect(card).toContain('ORG:Lycée Victor Hugo\\; Lettres\r\n');
    expect(card).toContain('TITLE:Professeure\\nagrégée\r\n');
    expect(card).toMatch(/\r\nEND:VCARD\r\n$/);
    expect(parseVCard(card)).toEqual({
      uid: 'urn:uuid:7d1b3c4e-0000-4000-8000-000000000042', version: '4.0', fn: 'Anne-Sophie de La Tour, Jr.',
      emails: ['anne-sophie.delatour@ac-exemple.fr'],
    });
    expect(matchesAddressbookQuery(card, filter('anyof', prop('TITLE', { textMatches: [text('professeure\nagrégée', { matchType: 'equals' })] })))).toBe(true);
  });

  it('folds long lines at 75 octets without splitting UTF-8 characters', () => {
    const fn = 'Élève ' + 'é'.repeat(80) + ' Fin';
    const card = buildVCard({ uid: 'u1', fn, emails: [] });
    for (const line of card.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(card).toContain('\r\n ');
    expect(parseVCard(card).fn).toBe(fn);
  });

  it('builds a group card with members', () => {
    const card = buildVCard({ uid: 'grp-1', fn: 'Équipe de maths', emails: ['maths@college.example.fr'], kind: 'group', members: ['urn:uuid:a', 'mailto:b@example.fr'] });
    expect(card).toContain('KIND:group\r\n');
    expect(card).toContain('MEMBER:urn:uuid:a\r\n');
    expect(card).toContain('MEMBER:mailto:b@example.fr\r\n');
    expect(card).not.toContain('\r\nN:');
    expect(matchesAddressbookQuery(card, filter('anyof', prop('KIND', { textMatches: [text('group', { matchType: 'equals' })] })))).toBe(true);
  });

  it('refuses a card without UID or FN', () => {
    expect(() => buildVCard({ uid: '', fn: 'x', emails: [] })).toThrow(Invalid);
    expect(() => buildVCard({ uid: 'x', fn: ' ', emails: [] })).toThrow(Invalid);
  });
});

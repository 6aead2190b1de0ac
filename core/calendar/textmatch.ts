// CALDAV/CARDDAV text-match (RFC 4791 §9.7.5, RFC 6352 §10.5.4) with the collations of
// RFC 4790 §9 (i;octet, i;ascii-casemap) and RFC 5051 (i;unicode-casemap).
import type { TextMatch } from './filters.js';

function fold(value: string, collation: TextMatch['collation']): string {
  switch (collation) {
    case 'i;octet':
      return value;
    case 'i;ascii-casemap':
      // Only a-z fold: "É" and "é" stay different, as RFC 4790 §9.2 specifies.
      return value.replace(/[a-z]/g, (c) => c.toUpperCase());
    case 'i;unicode-casemap':
    default:
      // RFC 5051: titlecase mapping then NFKD. JavaScript has no titlecase; full lower-casing
      // agrees with it for comparison except for a few digraphs (ǅ), which NFKD splits anyway.
      return value.normalize('NFKD').toLowerCase().normalize('NFKD');
  }
}

/** Whether `target` satisfies `match` (negate-condition applied). */
export function textMatches(target: string, match: TextMatch): boolean {
  const t = fold(target, match.collation);
  const v = fold(match.value, match.collation);
  let hit: boolean;
  switch (match.matchType) {
    case 'equals': hit = t === v; break;
    case 'starts-with': hit = t.startsWith(v); break;
    case 'ends-with': hit = t.endsWith(v); break;
    case 'contains':
    default: hit = t.includes(v); break;
  }
  return match.negate ? !hit : hit;
}

/**
 * A property with several values (CATEGORIES:a,b or vCard EMAIL lists) matches when one
 * value matches; a negated match holds when no value matches the text.
 */
export function anyValueMatches(values: string[], match: TextMatch): boolean {
  const positive = { ...match, negate: false };
  const hit = values.some((v) => textMatches(v, positive));
  return match.negate ? !hit : hit;
}

// A cheap necessary condition for addressbook-query, so that a query by name over a large
// address book (the district directory) parses only the cards that can match. core/calendar
// still decides every match; this only skips cards that cannot.
//
// Why it is safe: when no prop-filter is negated, uses is-not-defined or param-filters, and
// no searched value holds a character vCard escapes or folds (\ , ; CR LF), a matching
// property value appears verbatim in the unfolded card text. Comparing with a folding more
// lenient than every collation (compatibility decomposition, marks dropped, lower case, final
// sigma as sigma) and per character, "value matches" implies "folded text contains folded
// value", whatever the collation and match type.
import type { CardFilter } from '../../core/calendar/index.js';

const UNSAFE = /[\\,;\r\n]/;

export function lenientFold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/ς/g, 'σ');
}

/** The card text as the prefilter reads it: lines unfolded, then folded leniently. */
export function foldCard(text: string): string {
  return lenientFold(text.replace(/\r?\n[ \t]/g, ''));
}

/** What a card's folded text must contain: with `test` anyof, one of the groups; with allof,
 *  every group; a group holds when one of its values is present. */
export interface Needles {
  test: 'anyof' | 'allof';
  groups: string[][];
}

/** The needles of a filter, or null when the filter does not allow a prefilter. */
export function cardNeedles(filter: CardFilter): Needles | null {
  if (filter.propFilters.length === 0) return null;
  const groups: string[][] = [];
  for (const pf of filter.propFilters) {
    if (pf.isNotDefined || pf.paramFilters.length || pf.textMatches.length === 0) return null;
    if (pf.textMatches.some((tm) => tm.negate || UNSAFE.test(tm.value))) return null;
    // anyof or allof inside the prop-filter: at least one of its values must be present.
    groups.push(pf.textMatches.map((tm) => lenientFold(tm.value)));
  }
  return { test: filter.test, groups };
}

/** A test on a card's foldCard() text, or null when the filter does not allow one. */
export function cardPrefilter(filter: CardFilter): ((folded: string) => boolean) | null {
  const needles = cardNeedles(filter);
  if (!needles) return null;
  return (folded) => {
    const holds = (values: string[]) => values.some((v) => folded.includes(v));
    return needles.test === 'allof' ? needles.groups.every(holds) : needles.groups.some(holds);
  };
}

/** Many cards' folded texts in one string, searched with the engine's native indexOf: a
 *  prefix query over the 100,000 cards of the directory scans them in a few milliseconds. */
export class FoldedIndex {
  private readonly cards = new Map<string, string>();
  private names: string[] = [];
  private starts: number[] = [];
  private text = '';
  private dirty = true;

  set(name: string, folded: string): void {
    if (this.cards.get(name) === folded) return;
    this.cards.set(name, folded);
    this.dirty = true;
  }

  has(name: string): boolean {
    return this.cards.has(name);
  }

  delete(name: string): void {
    if (this.cards.delete(name)) this.dirty = true;
  }

  clear(): void {
    this.cards.clear();
    this.dirty = true;
  }

  /** Names of the cards that hold the needles, in name order. */
  search(needles: Needles): string[] {
    this.compact();
    let result = new Set<number>();
    needles.groups.forEach((group, n) => {
      const hits = new Set<number>();
      for (const value of group) this.collect(value, hits);
      if (needles.test === 'anyof') for (const h of hits) result.add(h);
      else result = n === 0 ? hits : new Set([...result].filter((h) => hits.has(h)));
    });
    return [...result].map((i) => this.names[i]).sort();
  }

  private collect(value: string, hits: Set<number>): void {
    if (value === '') {
      for (let i = 0; i < this.names.length; i++) hits.add(i);
      return;
    }
    for (let at = this.text.indexOf(value); at >= 0;) {
      const card = this.cardAt(at);
      hits.add(card);
      // On to the next card: one hit per card is enough.
      at = card + 1 < this.starts.length ? this.text.indexOf(value, this.starts[card + 1]) : -1;
    }
  }

  /** The index of the card whose text holds offset `at` (binary search on the starts). */
  private cardAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Rebuilt lazily after changes; NUL separates cards (never in a needle that matters: a
   *  needle spanning two cards can only add a candidate, never lose one). */
  private compact(): void {
    if (!this.dirty) return;
    this.names = [...this.cards.keys()];
    this.starts = [];
    const parts: string[] = [];
    let offset = 0;
    for (const name of this.names) {
      const folded = this.cards.get(name)!;
      this.starts.push(offset);
      parts.push(folded);
      offset += folded.length + 1;
    }
    this.text = parts.join('\u0000');
    this.dirty = false;
  }
}

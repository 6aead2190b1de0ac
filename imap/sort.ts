// SORT criteria (RFC 5256 §3, DISPLAYFROM/DISPLAYTO of RFC 5957): each key compares with
// i;ascii-casemap (values are upper-cased in ASCII by sort-info.ts); REVERSE turns the key
// after it; ties end in sequence-number order.
import { ParseError, type Cursor } from './protocol/cursor.js';
import type { SortKeyGroup } from '../storage/index.js';
import type { SortInfo } from './sort-info.js';

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

const KEYS = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** "(" sort-criterion *(SP sort-criterion) ")" */
export function parseSortCriteria(cur: Cursor): SortCriterion[] {
  return cur.list(() => {
    let reverse = false;
    let name = cur.atom().toUpperCase();
    if (name === 'REVERSE') {
      reverse = true;
      cur.sp();
      name = cur.atom().toUpperCase();
    }
    if (!KEYS.has(name)) throw new ParseError(`unknown sort key ${name}`);
    return { key: name as SortKey, reverse };
  }, false);
}

const GROUP: Record<SortKey, SortKeyGroup | null> = {
  ARRIVAL: null, SIZE: null, DATE: 'date', SUBJECT: 'subject', FROM: 'from', DISPLAYFROM: 'from', TO: 'to', DISPLAYTO: 'to', CC: 'cc',
};

/** The key groups the store must read for these criteria (arrival and size always come). */
export function sortGroups(criteria: readonly SortCriterion[]): SortKeyGroup[] {
  return [...new Set(criteria.map((c) => GROUP[c.key]).filter((g): g is SortKeyGroup => g !== null))];
}

function value(info: SortInfo, key: SortKey): number | string {
  switch (key) {
    case 'ARRIVAL': return info.arrival;
    case 'DATE': return info.sent;
    case 'SIZE': return info.size;
    case 'SUBJECT': return info.subject;
    case 'FROM': return info.from;
    case 'TO': return info.to;
    case 'CC': return info.cc;
    case 'DISPLAYFROM': return info.displayFrom;
    case 'DISPLAYTO': return info.displayTo;
  }
}

/** Indexes into `infos` in sort order; `seqs[i]` is the sequence number of `infos[i]`, the
 *  last tie-breaker. */
export function sortOrder(infos: readonly SortInfo[], seqs: readonly number[], criteria: readonly SortCriterion[]): number[] {
  // Each key is read once into an array: the comparator runs n·log n times.
  const keys = criteria.map((c) => infos.map((info) => value(info, c.key)));
  const dirs = criteria.map((c) => (c.reverse ? -1 : 1));
  const order = infos.map((_, i) => i);
  return order.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const x = keys[k][a];
      const y = keys[k][b];
      if (x !== y) return (x < y ? -1 : 1) * dirs[k];
    }
    return seqs[a] - seqs[b];
  });
}

// SORT criteria (RFC 5256 §3, DISPLAYFROM/DISPLAYTO of RFC 5957): each key compares with
// i;ascii-casemap (values are upper-cased in ASCII by sort-info.ts); REVERSE turns the key
// after it; ties end in sequence-number order.
import { ParseError, type Cursor } from './protocol/cursor.js';
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

export function sortInfos(infos: SortInfo[], criteria: readonly SortCriterion[]): SortInfo[] {
  return [...infos].sort((a, b) => {
    for (const c of criteria) {
      const x = value(a, c.key);
      const y = value(b, c.key);
      if (x !== y) return (x < y ? -1 : 1) * (c.reverse ? -1 : 1);
    }
    return a.seq - b.seq;
  });
}

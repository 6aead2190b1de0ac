import { describe, expect, it } from 'vitest';
import { baseSubject } from './base-subject.js';
import type { SortInfo } from './sort-info.js';
import { formatThreads, orderedSubject, references } from './thread.js';

let seq = 0;
function msg(id: string | null, subject: string, day: number, refs: string[] = []): SortInfo {
  seq++;
  const { base, isReply } = baseSubject(subject);
  return {
    seq, uid: seq * 10, arrival: day, size: 1, sent: day, subject: base, isReply, from: '', to: '', cc: '',
    displayFrom: '', displayTo: '', messageId: id, references: refs,
  };
}

describe('THREAD (RFC 5256)', () => {
  it('REFERENCES: chains, siblings, a missing parent (dummy), and subject gathering', () => {
    seq = 0;
    const list = [
      msg('a', 'Conseil', 1), // 1
      msg('b', 'Re: Conseil', 2, ['a']), // 2 child of 1
      msg('c', 'Re: Conseil', 3, ['a']), // 3 sibling of 2
      msg('d', 'Re: Conseil', 4, ['a', 'b']), // 4 child of 2
      msg('x', 'Cantine', 5), // 5 alone
      msg('y', 'Re: Sortie', 6, ['lost']), // 6 and 7 share a missing parent
      msg('z', 'Re: Sortie', 7, ['lost']),
      msg('w', 'Re: Cantine', 8), // 8 joins 5 by subject (reply under non-reply)
      msg(null, 'Vide', 0), // 9 earliest
    ];
    expect(formatThreads(references(list), (m) => m.seq)).toBe('(9)(1 (2 4)(3))(5 8)((6)(7))');
    expect(formatThreads(references(list), (m) => m.uid)).toBe('(90)(10 (20 40)(30))(50 80)((60)(70))');
  });

  it('REFERENCES: two non-reply roots with one subject get a dummy parent; loops are not made', () => {
    seq = 0;
    const list = [
      msg('p', 'Bulletin', 1),
      msg('q', 'Bulletin', 2),
      msg('r', 'Autre', 3, ['s']),
      msg('s', 'Autre 2', 4, ['r']), // r named s its parent first; s -> r would make a loop
    ];
    expect(formatThreads(references(list), (m) => m.seq)).toBe('((1)(2))(4 3)');
  });

  it('ORDEREDSUBJECT: by base subject, the earliest first, the others its children', () => {
    seq = 0;
    const list = [msg(null, 'B', 3), msg(null, 'Re: A', 2), msg(null, 'A', 1), msg(null, 'a', 4), msg(null, 'C', 5), msg(null, 'c', 6)];
    expect(formatThreads(orderedSubject(list), (m) => m.seq)).toBe('(3 (2)(4))(1)(5 6)');
  });
});

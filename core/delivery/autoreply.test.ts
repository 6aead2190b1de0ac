import { describe, expect, it } from 'vitest';
import { analyzeNow } from '../mail/analyze.js';
import type { User } from '../../storage/index.js';
import { autoReplyActive, autoReplyBlocker, readAutoReply } from './autoreply.js';

const user = { address: 'eve@ecole.example' } as User;
const msg = (headers: string, to = 'Eve <eve@ecole.example>') => Buffer.from(`${headers}From: a@b.example\r\nTo: ${to}\r\nSubject: s\r\n\r\nbody\r\n`);
const blocker = (raw: Buffer, sender = 'a@b.example', junk = false) => autoReplyBlocker(raw, sender, analyzeNow(raw), user, junk);

describe('out-of-office rules (RFC 3834)', () => {
  it('answers a personal message', () => {
    expect(blocker(msg(''))).toBeNull();
    expect(blocker(msg('', 'x@y.example, EVE@ecole.example'))).toBeNull();
    expect(blocker(msg('Auto-Submitted: no\r\n'))).toBeNull();
  });

  it('never answers bounces, robots, lists, bulk, auto-replies, junk or blind copies', () => {
    expect(blocker(msg(''), '')).toBe('null sender');
    for (const robot of ['MAILER-DAEMON@b.example', 'owner-list@b.example', 'list-request@b.example', 'noreply@b.example', 'no-reply@b.example']) {
      expect(blocker(msg(''), robot)).toBe('robot sender');
    }
    expect(blocker(msg('Auto-Submitted: auto-replied\r\n'))).toBe('auto-submitted');
    expect(blocker(msg('Precedence: bulk\r\n'))).toBe('bulk');
    expect(blocker(msg('List-Id: <x.b.example>\r\n'))).toBe('list');
    expect(blocker(msg('X-Auto-Response-Suppress: OOF, DR\r\n'))).toBe('suppressed');
    expect(blocker(msg(''), 'a@b.example', true)).toBe('junk');
    expect(blocker(msg('', 'someone@else.example'))).toBe('not a visible recipient');
    expect(blocker(msg(''), 'eve@ecole.example')).toBe('own message');
  });

  it('is active between its dates (inclusive), when enabled', () => {
    const at = new Date(2026, 6, 10, 12);
    const ar = (start: string | null, end: string | null, enabled = true) => ({ enabled, subject: '', text: '', start, end });
    expect(autoReplyActive(ar(null, null), at)).toBe(true);
    expect(autoReplyActive(ar('2026-07-10', '2026-07-10'), at)).toBe(true);
    expect(autoReplyActive(ar('2026-07-11', null), at)).toBe(false);
    expect(autoReplyActive(ar(null, '2026-07-09'), at)).toBe(false);
    expect(autoReplyActive(ar(null, null, false), at)).toBe(false);
    expect(readAutoReply({ autoReply: { enabled: 'yes', start: 'demain', text: 3 } })).toEqual({ enabled: false, subject: '', text: '', start: null, end: null });
  });
});

// The MX thread's cheaper log lines: the same text as before for plain values, and secrets
// still censored, at the top level and inside objects.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.js';
import { skipRedactionOfPlainValues } from './log-cost.js';

function capture(patched: boolean) {
  const lines: string[] = [];
  const root = createLogger({ level: 'info', destination: { write: (l: string) => { lines.push(l); } } });
  if (patched) expect(skipRedactionOfPlainValues(root)).toBe(true);
  const log = root.child({ svc: 'smtp', listener: 'mx' }).child({ cid: 'c1', remote: '192.0.2.1' });
  return { log, lines };
}

const without = (line: string) => line.replace(/"time":"[^"]*"/, '');

describe('skipRedactionOfPlainValues', () => {
  it('writes the same lines, secrets censored at any depth', () => {
    const objects = [
      { id: 'x-1', from: 'a"b\\c@é.example\n', rcpts: 1, bytes: 4096, ok: true, nan: Number.NaN, none: null, gone: undefined },
      { password: 'hunter2', token: 42, user: { password: 'hunter2', name: 'a' }, list: [{ secret: 's' }], nested: { deep: { token: 't' } } },
      { err: new Error('boom'), big: 10n },
    ];
    const before = capture(false);
    const after = capture(true);
    for (const o of objects) {
      before.log.info(o, 'message accepted');
      after.log.info(o, 'message accepted');
    }
    expect(after.lines.map(without)).toEqual(before.lines.map(without));
    const secretLine = JSON.parse(after.lines[1]);
    expect(secretLine.password).toBe('[redacted]');
    expect(secretLine.token).toBe('[redacted]');
    expect(secretLine.user).toEqual({ password: '[redacted]', name: 'a' });
    expect(after.lines.join('')).not.toContain('hunter2');
  });
});

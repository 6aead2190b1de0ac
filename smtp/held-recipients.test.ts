import { describe, expect, it } from 'vitest';
import { ACCEPT, Refusals, type ResolvedRecipient } from '../core/index.js';
import { HeldRecipients } from './held-recipients.js';

const recipient = (address: string): ResolvedRecipient => ({ address, decision: ACCEPT, targets: [{ kind: 'remote', address: `${address}.example` }] });

describe('HeldRecipients', () => {
  it('keeps the targets, hands out a number, and gives them back once with the DSN parameters', () => {
    const held = new HeldRecipients();
    const a = held.hold(recipient('a@x.test'));
    expect(a).toEqual({ address: 'a@x.test', decision: ACCEPT, targets: [], held: expect.any(Number) });
    const refused = { address: 'b@x.test', decision: Refusals.unknownUser('b@x.test'), targets: [] };
    expect(held.hold(refused)).toBe(refused);
    const dsn = { notify: ['NEVER' as const], orcpt: null };
    expect(held.take([{ ...a, dsn }])).toEqual([{ ...recipient('a@x.test'), dsn }]);
    expect(held.size).toBe(0);
    expect(held.take([a])).toBeNull();
  });

  it('lets go of released ones, of everything when cleared, and of the forgotten after an hour', () => {
    let now = 0;
    const held = new HeldRecipients(() => now);
    const [a, b] = [held.hold(recipient('a@x.test')), held.hold(recipient('b@x.test'))];
    held.release([a.held!]);
    expect(held.take([a, b])).toBeNull();
    held.hold(recipient('c@x.test'));
    held.clear();
    expect(held.size).toBe(0);
    held.hold(recipient('old@x.test'));
    now = 3600_000;
    const fresh = held.hold(recipient('new@x.test'));
    expect(held.size).toBe(1);
    expect(held.take([fresh])).toHaveLength(1);
  });
});

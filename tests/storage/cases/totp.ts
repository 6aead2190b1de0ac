// The TOTP second factor: pending then confirmed, one use per time step, one use per recovery
// code, kept across a restart, gone with its user.
import { expect } from 'vitest';
import { Conflict, NotFound } from '../../../core/errors.js';
import { makeUser, rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 5, 8, minutes));

export function registerTotpTests({ test }: Suite): void {
  test('a TOTP enrolment is pending until confirmed, and a pending one can be restarted', async (ctx) => {
    const alice = await makeUser(ctx.store, 'alice');
    expect(await ctx.store.totp.get(alice.id)).toBeNull();
    await rejects(ctx.store.totp.begin('no-such-user', 'SECRET', at(0)), NotFound);
    await rejects(ctx.store.totp.confirm(alice.id, 10, [], at(1)), NotFound);
    await ctx.store.totp.begin(alice.id, 'FIRST', at(0));
    const restarted = await ctx.store.totp.begin(alice.id, 'SECOND', at(1));
    expect(restarted).toEqual({ userId: alice.id, secret: 'SECOND', confirmedAt: null, lastStep: 0, recoveryCodes: [], createdAt: at(1) });
    expect(await ctx.store.totp.useStep(alice.id, 5)).toBe(false); // not confirmed: no login by it
    const confirmed = await ctx.store.totp.confirm(alice.id, 100, ['h1', 'h2'], at(2));
    expect(confirmed).toMatchObject({ secret: 'SECOND', confirmedAt: at(2), lastStep: 100, recoveryCodes: ['h1', 'h2'] });
    await rejects(ctx.store.totp.confirm(alice.id, 101, [], at(3)), Conflict);
    await rejects(ctx.store.totp.begin(alice.id, 'THIRD', at(3)), Conflict);
    const store = await ctx.reopen();
    expect(await store.totp.get(alice.id)).toEqual(confirmed);
  });

  test('a TOTP step is accepted once and never an older one; recovery codes once each', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    await store.totp.begin(alice.id, 'S', at(0));
    await store.totp.confirm(alice.id, 100, ['r1', 'r2', 'r3'], at(0));
    expect(await store.totp.useStep(alice.id, 100)).toBe(false); // the confirming code itself
    expect(await store.totp.useStep(alice.id, 101)).toBe(true);
    expect(await store.totp.useStep(alice.id, 101)).toBe(false);
    expect(await store.totp.useStep(alice.id, 99)).toBe(false);
    // Racing uses of one step: exactly one wins.
    const race = await Promise.all([store.totp.useStep(alice.id, 102), store.totp.useStep(alice.id, 102)]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect((await store.totp.get(alice.id))!.lastStep).toBe(102);
    expect(await store.totp.useStep(bob.id, 500)).toBe(false);

    expect(await store.totp.useRecoveryCode(alice.id, 'r2')).toBe(true);
    expect(await store.totp.useRecoveryCode(alice.id, 'r2')).toBe(false);
    expect(await store.totp.useRecoveryCode(alice.id, 'nope')).toBe(false);
    expect(await store.totp.useRecoveryCode(bob.id, 'r1')).toBe(false);
    expect((await store.totp.get(alice.id))!.recoveryCodes).toEqual(['r1', 'r3']);
    await store.totp.replaceRecoveryCodes(alice.id, ['n1']);
    expect((await store.totp.get(alice.id))!.recoveryCodes).toEqual(['n1']);
    await rejects(store.totp.replaceRecoveryCodes(bob.id, ['x']), NotFound);
  });

  test('a TOTP enrolment is removed on request and with its user', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    await store.totp.begin(alice.id, 'A', at(0));
    await store.totp.confirm(alice.id, 1, ['x'], at(0));
    await store.totp.begin(bob.id, 'B', at(0));
    expect(await store.totp.remove(alice.id)).toBe(true);
    expect(await store.totp.remove(alice.id)).toBe(false);
    expect(await store.totp.get(alice.id)).toBeNull();
    await store.totp.begin(alice.id, 'A2', at(1)); // can enrol again after a removal
    await store.accounts.deleteUser(bob.id);
    expect(await store.totp.get(bob.id)).toBeNull();
    expect(await store.totp.get(alice.id)).toMatchObject({ secret: 'A2', confirmedAt: null });
  });
}

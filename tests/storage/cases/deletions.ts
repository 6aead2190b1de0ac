// Pending deletions: one per user, listed soonest first, gone with the user.
import { expect } from 'vitest';
import { AlreadyExists, NotFound } from '../../../core/errors.js';
import { makeUser } from '../fixtures.js';
import type { Suite } from '../suite.js';

const at = (day: number) => new Date(Date.UTC(2026, 0, day));

export function registerDeletionTests({ test }: Suite): void {
  test('pending deletions are scheduled once per user and listed soonest first', async ({ store }) => {
    const [alice, bob] = [await makeUser(store, 'alice'), await makeUser(store, 'bob')];
    const a = await store.deletions.schedule({ userId: alice.id, requestedAt: at(1), purgeAfter: at(8), requestedBy: 'cli:root', wasEnabled: true });
    expect(a).toEqual({ userId: alice.id, address: alice.address, requestedAt: at(1), purgeAfter: at(8), requestedBy: 'cli:root', wasEnabled: true });
    await store.deletions.schedule({ userId: bob.id, requestedAt: at(2), purgeAfter: at(5), requestedBy: 'token:x', wasEnabled: false });
    await expect(store.deletions.schedule({ userId: alice.id, requestedAt: at(3), purgeAfter: at(4), requestedBy: 'x', wasEnabled: true })).rejects.toThrow(AlreadyExists);
    await expect(store.deletions.schedule({ userId: 'nobody', requestedAt: at(3), purgeAfter: at(4), requestedBy: 'x', wasEnabled: true })).rejects.toThrow(NotFound);
    expect((await store.deletions.list()).map((d) => d.address)).toEqual([bob.address, alice.address]);
    expect((await store.deletions.list({ dueAt: at(6) })).map((d) => d.address)).toEqual([bob.address]);
    expect((await store.deletions.get(bob.id))?.wasEnabled).toBe(false);
    await store.deletions.cancel(bob.id);
    await expect(store.deletions.cancel(bob.id)).rejects.toThrow(NotFound);
    expect(await store.deletions.get(bob.id)).toBeNull();
    await store.accounts.deleteUser(alice.id);
    expect(await store.deletions.list()).toEqual([]);
  });
}

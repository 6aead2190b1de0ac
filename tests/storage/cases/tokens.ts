// Admin API tokens: stored by hash, found by hash, unique names, revocation kept.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { AlreadyExists, NotFound } from '../../../core/errors.js';
import type { NewAdminToken } from '../../../storage/types.js';
import type { Suite } from '../suite.js';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

function token(name: string, patch: Partial<NewAdminToken> = {}): NewAdminToken {
  return { name, role: 'unit-admin', units: ['college-jaures'], secretHash: hash(name), createdBy: 'cli:root', expiresAt: null, ...patch };
}

export function registerTokenTests({ test }: Suite): void {
  test('admin tokens are stored as given and found by secret hash', async ({ store }) => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const made = await store.adminTokens.create(token('sync', { units: ['a', 'b'], expiresAt }));
    expect(made).toMatchObject({ name: 'sync', role: 'unit-admin', units: ['a', 'b'], secretHash: hash('sync'), createdBy: 'cli:root', revokedAt: null, lastUsedAt: null });
    expect(made.expiresAt?.getTime()).toBe(expiresAt.getTime());
    const district = await store.adminTokens.create(token('district', { role: 'admin', units: [] }));
    expect(await store.adminTokens.findBySecretHash(hash('sync'))).toEqual(made);
    expect(await store.adminTokens.findBySecretHash(hash('nobody'))).toBeNull();
    expect(await store.adminTokens.get(district.id)).toEqual(district);
    expect(await store.adminTokens.getByName('district')).toEqual(district);
    expect(await store.adminTokens.get('nope')).toBeNull();
    expect((await store.adminTokens.list()).map((t) => t.name).sort()).toEqual(['district', 'sync']);
  });

  test('admin token names and secret hashes are unique', async ({ store }) => {
    await store.adminTokens.create(token('one'));
    await expect(store.adminTokens.create(token('one', { secretHash: hash('other') }))).rejects.toThrow(AlreadyExists);
    await expect(store.adminTokens.create(token('two', { secretHash: hash('one') }))).rejects.toThrow(AlreadyExists);
    expect((await store.adminTokens.list()).length).toBe(1);
  });

  test('admin token revocation keeps the token and its first revocation time; touch records use', async ({ store }) => {
    const t = await store.adminTokens.create(token('t'));
    const first = new Date('2026-01-01T10:00:00Z');
    const revoked = await store.adminTokens.revoke(t.id, first);
    expect(revoked.revokedAt?.getTime()).toBe(first.getTime());
    expect((await store.adminTokens.revoke(t.id, new Date('2026-02-01T10:00:00Z'))).revokedAt?.getTime()).toBe(first.getTime());
    expect((await store.adminTokens.findBySecretHash(hash('t')))?.revokedAt?.getTime()).toBe(first.getTime());
    await expect(store.adminTokens.revoke('nope', first)).rejects.toThrow(NotFound);
    const used = new Date('2026-03-01T10:00:00Z');
    await store.adminTokens.touch(t.id, used);
    await store.adminTokens.touch(t.id, new Date('2026-01-15T10:00:00Z')); // an older, slower request
    expect((await store.adminTokens.get(t.id))?.lastUsedAt?.getTime()).toBe(used.getTime());
  });
}

// Webmail sessions and per-user settings: kept across a restart, ended by age, idleness,
// logout, password change and user deletion.
import { expect } from 'vitest';
import { AlreadyExists, NotFound } from '../../../core/errors.js';
import type { WebSession } from '../../../storage/types.js';
import { makeUser, rejects } from '../fixtures.js';
import type { Suite } from '../suite.js';

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 5, 8, minutes));

function session(id: string, userId: string, createdMin = 0, expiresMin = 600): WebSession {
  return { id, userId, csrf: `csrf-${id}`, createdAt: at(createdMin), lastSeenAt: at(createdMin), expiresAt: at(expiresMin) };
}

export function registerWebTests({ test }: Suite): void {
  test('web sessions are stored, touched, survive a restart and are deleted', async (ctx) => {
    const alice = await makeUser(ctx.store, 'alice');
    const created = await ctx.store.webSessions.create(session('s1', alice.id));
    expect(created).toEqual(session('s1', alice.id));
    await rejects(ctx.store.webSessions.create(session('s1', alice.id)), AlreadyExists);
    await rejects(ctx.store.webSessions.create(session('s2', 'no-such-user')), NotFound);
    await ctx.store.webSessions.touch('s1', at(30));
    await ctx.store.webSessions.touch('s1', at(10)); // never goes back in time
    const store = await ctx.reopen();
    expect(await store.webSessions.get('s1')).toEqual({ ...session('s1', alice.id), lastSeenAt: at(30) });
    expect(await store.webSessions.get('nope')).toBeNull();
    await store.webSessions.delete('s1');
    await store.webSessions.delete('s1');
    expect(await store.webSessions.get('s1')).toBeNull();
  });

  test('web sessions end by expiry, idleness, per user and with the user', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    await store.webSessions.create(session('old', alice.id, 0, 60));     // expires at 60
    await store.webSessions.create(session('idle', alice.id, 10, 600));  // last seen 10
    await store.webSessions.create(session('live', alice.id, 50, 600));
    await store.webSessions.create(session('other', alice.id, 50, 600));
    await store.webSessions.create(session('bob', bob.id, 50, 600));
    expect(await store.webSessions.deleteExpired(at(60), at(20))).toBe(2);
    expect(await store.webSessions.get('old')).toBeNull();
    expect(await store.webSessions.get('idle')).toBeNull();
    expect(await store.webSessions.deleteForUser(alice.id, 'live')).toBe(1);
    expect(await store.webSessions.get('live')).not.toBeNull();
    expect(await store.webSessions.get('other')).toBeNull();
    await store.accounts.deleteUser(alice.id);
    expect(await store.webSessions.get('live')).toBeNull();
    expect(await store.webSessions.get('bob')).not.toBeNull();
  });

  test('user settings are a per-user document, replaced whole and removed with the user', async (ctx) => {
    const alice = await makeUser(ctx.store, 'alice');
    const bob = await makeUser(ctx.store, 'bob');
    expect(await ctx.store.userSettings.get(alice.id)).toEqual({});
    await ctx.store.userSettings.put(alice.id, { signature: 'A.', autoReply: { enabled: true, start: '2026-07-01' } });
    await ctx.store.userSettings.put(alice.id, { signature: 'Alice', autoReply: { enabled: false } });
    await rejects(ctx.store.userSettings.put('no-such-user', {}), NotFound);
    const store = await ctx.reopen();
    expect(await store.userSettings.get(alice.id)).toEqual({ signature: 'Alice', autoReply: { enabled: false } });
    expect(await store.userSettings.get(bob.id)).toEqual({});
    await store.accounts.deleteUser(alice.id);
    expect(await store.userSettings.get(alice.id)).toEqual({});
  });

  test('a settings write is announced on the change feed before put() resolves', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const seen: string[] = [];
    const stop = store.changes.subscribe((e) => { if (e.kind === 'user.settings') seen.push(e.userId ?? ''); });
    try {
      const start = await store.changes.latest();
      await store.userSettings.put(alice.id, { signature: 'A.' });
      // Caches of the settings (out-of-office replies) rely on hearing it at once.
      expect(seen).toEqual([alice.id]);
      await rejects(store.userSettings.put('no-such-user', {}), NotFound);
      expect((await store.changes.since(start)).map((e) => [e.kind, e.userId])).toEqual([['user.settings', alice.id]]);
    } finally {
      stop();
    }
  });
}

// DAV clients send the password with every request: verified credentials are remembered, so
// that only the first request pays for argon2 (and writes a login line), while a password
// change ends the old one at once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, propfindBody, startDav, type DavHarness } from './harness.js';

let h: DavHarness;
let alice: string;

beforeAll(async () => {
  h = await startDav();
  alice = await h.user('alice');
});
afterAll(async () => {
  await h?.stop();
});

const logins = async () => (await h.store.audit.query({ limit: 1000 })).filter((e) => e.action === 'login.dav' && e.success && e.target === alice).length;
const propfind = (password = PASSWORD) => h.request('PROPFIND', `/dav/calendars/${alice}/`, { as: alice, password, headers: { depth: '0' }, body: propfindBody('d:displayname') });

describe('DAV credentials', () => {
  test('are checked once, then remembered; a password change ends them at once', async () => {
    for (let i = 0; i < 5; i++) expect((await propfind()).status).toBe(207);
    expect(await logins()).toBe(1);
    await h.accounts.setPassword(alice, 'another long password');
    expect((await propfind()).status).toBe(401);
    expect((await propfind('another long password')).status).toBe(207);
    expect(await logins()).toBe(2);
  });
});

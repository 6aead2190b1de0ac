// Sync tokens and ETags stay valid across a restart: the counters live in the store.
import { rmSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../server-harness.js';
import { ics, PASSWORD, startDav } from './harness.js';

let second: TestServer | null = null;
let firstDir: string | null = null;
afterAll(async () => {
  await second?.stop();
  if (firstDir) rmSync(firstDir, { recursive: true, force: true });
});

test('a sync token issued before a restart is answered after it', async () => {
  const h = await startDav();
  firstDir = h.t.dir;
  const user = await h.user('alice');
  const coll = `/dav/calendars/${user}/default/`;
  const sync = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
  const tokenOf = (text: string) => /<D:sync-token>([^<]+)<\/D:sync-token>\s*<\/D:multistatus>/.exec(text)![1];
  await h.request('PUT', `${coll}a.ics`, { as: user, body: ics('a@test'), headers: { 'content-type': 'text/calendar' } });
  const token = tokenOf((await h.request('REPORT', coll, { as: user, body: sync('') })).text);
  const etag = (await h.request('GET', `${coll}a.ics`, { as: user })).headers.get('etag');
  const dir = `/dav/addressbooks/${user}/directory/`;
  const aliceId = (await h.accounts.getUser(user)).id;
  const dirToken = tokenOf((await h.request('REPORT', dir, { as: user, body: sync('') })).text);
  await h.t.server.stop();

  second = await startTestServer({ name: 'dav-restart', env: { FACTEUR_DATA_DIR: h.t.dataDir } });
  const base = `http://127.0.0.1:${second.port('http')}`;
  const auth = { authorization: `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}` };
  const put = await fetch(`${base}${coll}b.ics`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/calendar' }, body: ics('b@test') });
  expect(put.status).toBe(201);
  const r = await fetch(`${base}${coll}`, { method: 'REPORT', headers: { ...auth, 'content-type': 'application/xml' }, body: sync(token) });
  const text = await r.text();
  expect(r.status).toBe(207);
  expect(text).toContain('b.ics');
  expect(text).not.toContain('a.ics');
  expect((await fetch(`${base}${coll}a.ics`, { headers: auth })).headers.get('etag')).toBe(etag);

  // The directory keeps its token too, and reports a user added after the restart.
  const bob = await second.accounts.createUser({ address: 'bob@ecole.test', password: PASSWORD });
  const d = await fetch(`${base}${dir}`, { method: 'REPORT', headers: { ...auth, 'content-type': 'application/xml' }, body: sync(dirToken) });
  const dText = await d.text();
  expect(d.status).toBe(207);
  expect(dText).toContain(`user-${bob.id}.vcf`);
  // The rebuild at start rewrites only what differs: unchanged cards keep their modseq.
  expect(dText).not.toContain(`user-${aliceId}.vcf`);
});

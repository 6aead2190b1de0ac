// The admin API on the real server with real tokens: district vs unit admin, idempotent PUT,
// scoped 404s, audit entries, the OpenAPI document against the routes actually served.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../admin/index.js';
import { AdminTokens } from '../../core/operations/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { facteur } from './cli.js';

let ts: TestServer;
let base: string;
let district: string;
let districtId: string;
let unitAdmin: string;
let unitAdminId: string;

interface Answer { status: number; body: any; headers: Headers }

async function api(token: string | null, method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}/api/admin${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

beforeAll(async () => {
  ts = await startTestServer({ name: 'admin-api', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${ts.port('http')}`;
  await ts.accounts.addDomain('ecole.example');
  await ts.store.accounts.ensureUnit({ name: 'college-a' });
  await ts.store.accounts.ensureUnit({ name: 'college-a-cdi', parent: 'college-a' });
  await ts.store.accounts.ensureUnit({ name: 'college-b' });
  await ts.accounts.createUser({ address: 'alice@ecole.example', password: TEST_PASSWORD, unit: 'college-a' });
  await ts.accounts.createUser({ address: 'carol@ecole.example', password: TEST_PASSWORD, unit: 'college-a-cdi' });
  await ts.accounts.createUser({ address: 'bob@ecole.example', password: TEST_PASSWORD, unit: 'college-b' });
  const tokens = new AdminTokens(ts.store);
  const d = await tokens.create({ name: 'district', role: 'admin', lifetimeMs: 3600_000 }, { name: 'test' });
  const u = await tokens.create({ name: 'college-a-admin', role: 'unit-admin', units: ['college-a'], lifetimeMs: 3600_000 }, { name: 'test' });
  [district, districtId, unitAdmin, unitAdminId] = [d.secret, d.token.id, u.secret, u.token.id];
}, 30_000);

afterAll(async () => {
  await ts?.stop();
});

describe('OpenAPI document', () => {
  it('is served without a token, is OpenAPI 3.1 and lists exactly the routes served', async () => {
    const res = await fetch(`${base}/api/admin/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const served = apiRoutes.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(served);
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) if (m !== 'parameters') expect((op as { responses?: object }).responses, `${m} ${p}`).toBeTruthy();
    }
  });
});

describe('authentication', () => {
  it('refuses a request without a token or with an unknown one', async () => {
    const none = await api(null, 'GET', '/users');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect((await api('fct_nonsense', 'GET', '/users')).status).toBe(401);
    expect((await api(district.slice(0, -2), 'GET', '/users')).status).toBe(401);
  });

  it('refuses a revoked token (revoked with the CLI) and an expired one, and audits their use', async () => {
    {
      // The CLI on the server's own data dir, while the server runs.
      const made = await facteur(ts.dataDir, ['token', 'create', '--role', 'admin', '--name', 'short-lived', '--expires', '1d']);
      expect(made.code, made.stderr).toBe(0);
      const secret = made.stdout.trim().split('\n').pop()!;
      expect(secret).toMatch(/^fct_[A-Za-z0-9_-]{43}$/);
      expect((await api(secret, 'GET', '/domains')).status).toBe(200);
      const listed = await facteur(ts.dataDir, ['token', 'list', '--json']);
      const row = (JSON.parse(listed.stdout) as { name: string; status: string; lastUsedAt: string | null }[]).find((t) => t.name === 'short-lived');
      expect(row).toMatchObject({ status: 'active' });
      expect(row?.lastUsedAt).not.toBeNull();
      expect(listed.stdout).not.toContain(secret);
      const revoked = await facteur(ts.dataDir, ['token', 'revoke', 'short-lived']);
      expect(revoked.code, revoked.stderr).toBe(0);
      const refused = await api(secret, 'GET', '/domains');
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toMatch(/revoked/);
    }
    // Made two days ago for one day.
    const old = await new AdminTokens(ts.store, () => Date.now() - 2 * 86_400_000).create({ name: 'old', role: 'admin', lifetimeMs: 86_400_000 }, { name: 'test' });
    const expired = await api(old.secret, 'GET', '/domains');
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
    const trail = await ts.store.audit.query({ action: 'admin.auth' });
    expect(trail.map((e) => [e.details.name, e.details.reason, e.success, e.ip])).toEqual(
      expect.arrayContaining([['short-lived', 'revoked', false, '127.0.0.1'], ['old', 'expired', false, '127.0.0.1']]),
    );
  });
});

describe('district admin', () => {
  it('adds a domain idempotently and manages DKIM keys', async () => {
    expect((await api(district, 'PUT', '/domains/lycee.example')).status).toBe(201);
    expect((await api(district, 'PUT', '/domains/Lycee.example')).status).toBe(200);
    const domains = await api(district, 'GET', '/domains');
    expect(domains.body.domains.map((d: { name: string }) => d.name)).toEqual(['ecole.example', 'lycee.example']);
    const key = await api(district, 'POST', '/domains/lycee.example/dkim', { selector: 's1', algorithm: 'ed25519' });
    expect(key.status).toBe(201);
    expect(key.body).toMatchObject({ name: 's1._domainkey.lycee.example', algorithm: 'ed25519' });
    expect(key.body.value).toMatch(/^v=DKIM1; k=ed25519; p=/);
    expect(JSON.stringify(key.body)).not.toMatch(/PRIVATE/);
    expect((await api(district, 'GET', '/domains/lycee.example/dkim')).body.keys.map((k: { selector: string }) => k.selector)).toEqual(['s1']);
    expect((await api(district, 'POST', '/domains/nowhere.example/dkim', {})).status).toBe(404);
    expect((await api(district, 'DELETE', '/domains/lycee.example')).status).toBe(204);
  });

  it('PUT /users/{address} twice creates then leaves the user as it is', async () => {
    const input = { name: 'Denis Dupont', password: 'first password 1', quota: '1G', unit: 'college-b', role: 'user' };
    const first = await api(district, 'PUT', '/users/denis@ecole.example', input);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ address: 'denis@ecole.example', name: 'Denis Dupont', quotaBytes: 1024 ** 3, unit: 'college-b', enabled: true, passwordSet: true });
    expect(first.body.passwordHash).toBeUndefined();
    const hashBefore = (await ts.store.accounts.getUserByAddress('denis@ecole.example'))!.passwordHash;
    const second = await api(district, 'PUT', '/users/denis@ecole.example', { ...input, password: 'another password 2' });
    expect(second.status).toBe(200);
    expect({ ...second.body, updatedAt: null }).toEqual({ ...first.body, updatedAt: null });
    // The sync's password is for creation only: the user's own password stays.
    expect((await ts.store.accounts.getUserByAddress('denis@ecole.example'))!.passwordHash).toBe(hashBefore);
    expect((await ts.store.audit.query({ target: 'denis@ecole.example' })).map((e) => e.action)).toEqual(['user.create']);
    const third = await api(district, 'PUT', '/users/denis@ecole.example', { ...input, quota: '2G', name: 'Denis D.' });
    expect(third.body).toMatchObject({ quotaBytes: 2 * 1024 ** 3, name: 'Denis D.' });
  });

  it('changes quota, disables and enables, sets a password and deletes a user, each audited as the token', async () => {
    expect((await api(district, 'PUT', '/users/erin@ecole.example', { unit: 'college-b' })).status).toBe(201);
    expect((await api(district, 'PUT', '/users/erin@ecole.example/quota', { quota: 500 * 1024 * 1024 })).body).toEqual({ quotaBytes: 500 * 1024 * 1024, usedBytes: 0 });
    expect((await api(district, 'PUT', '/users/erin@ecole.example/quota', { quota: '12Q' })).status).toBe(400);
    expect((await api(district, 'GET', '/users/erin@ecole.example/quota')).body).toEqual({ quotaBytes: 500 * 1024 * 1024, usedBytes: 0 });
    expect((await api(district, 'GET', '/users/erin@ecole.example')).body).toMatchObject({ address: 'erin@ecole.example', unit: 'college-b', passwordSet: false });
    expect((await api(district, 'POST', '/users/erin@ecole.example/disable')).body.enabled).toBe(false);
    expect((await api(district, 'POST', '/users/erin@ecole.example/enable')).body.enabled).toBe(true);
    expect((await api(district, 'POST', '/users/erin@ecole.example/password', { password: 'short' })).status).toBe(400);
    expect((await api(district, 'POST', '/users/erin@ecole.example/password', { password: 'long enough now' })).status).toBe(204);
    expect((await api(district, 'PATCH', '/users/erin@ecole.example', { role: 'unit-admin' })).body.role).toBe('unit-admin');
    expect((await api(district, 'DELETE', '/users/erin@ecole.example')).status).toBe(204);
    expect((await api(district, 'GET', '/users/erin@ecole.example')).status).toBe(404);
    const trail = await ts.store.audit.query({ target: 'erin@ecole.example' });
    expect(trail.map((e) => e.action).reverse()).toEqual(['user.create', 'user.quota', 'user.disable', 'user.enable', 'user.passwd', 'user.update', 'user.delete']);
    for (const e of trail) expect([e.actor, e.ip]).toEqual([`token:${districtId}`, '127.0.0.1']);
  });

  it('streams a user export (GDPR) as a .tar.gz, audited', async () => {
    const res = await fetch(`${base}/api/admin/users/alice@ecole.example/export`, { headers: { authorization: `Bearer ${district}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-api-export-'));
    try {
      writeFileSync(path.join(dir, 'a.tar.gz'), Buffer.from(await res.arrayBuffer()));
      const names = execFileSync('tar', ['-tzf', path.join(dir, 'a.tar.gz')]).toString().trim().split('\n').sort();
      expect(names).toEqual(expect.arrayContaining(['alice@ecole.example/mail/INBOX.mbox', 'alice@ecole.example/calendars/default.ics',
        'alice@ecole.example/contacts/default.vcf', 'alice@ecole.example/manifest.json']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await ts.store.audit.query({ action: 'user.export', target: 'alice@ecole.example' }))[0]).toMatchObject({ actor: `token:${districtId}`, ip: '127.0.0.1' });
    expect((await api(unitAdmin, 'GET', '/users/bob@ecole.example/export')).status).toBe(404);
  });

  it('manages aliases idempotently', async () => {
    expect((await api(district, 'PUT', '/aliases/secretariat@ecole.example', { targets: ['alice@ecole.example'] })).status).toBe(201);
    expect((await api(district, 'PUT', '/aliases/secretariat@ecole.example', { targets: ['alice@ecole.example'] })).status).toBe(200);
    const changed = await api(district, 'PUT', '/aliases/secretariat@ecole.example', { targets: ['bob@ecole.example', 'alice@ecole.example'] });
    expect(changed.body.targets.sort()).toEqual(['alice@ecole.example', 'bob@ecole.example']);
    expect((await api(district, 'GET', '/aliases')).body.aliases.map((a: { address: string }) => a.address)).toEqual(['secretariat@ecole.example']);
    expect((await api(district, 'PUT', '/aliases/x@ecole.example', { targets: ['ghost@ecole.example'] })).status).toBe(404);
    expect((await api(district, 'DELETE', '/aliases/secretariat@ecole.example')).status).toBe(204);
    expect((await api(district, 'DELETE', '/aliases/secretariat@ecole.example')).status).toBe(404);
  });

  it('lists, retries and removes queue entries', async () => {
    const entry = await ts.store.queue.enqueue({
      from: 'alice@ecole.example', domain: 'ailleurs.example', recipients: ['x@ailleurs.example'], raw: Buffer.from('Subject: q\r\n\r\nbody\r\n'),
      expiresAt: new Date(Date.now() + 86_400_000), nextAttemptAt: new Date(Date.now() + 3600_000),
    });
    const listed = await api(district, 'GET', '/queue');
    expect(listed.body.entries.map((e: { id: string }) => e.id)).toContain(entry.id);
    const retried = await api(district, 'POST', `/queue/${entry.id}/retry`);
    expect(retried.status).toBe(200);
    expect(new Date(retried.body.nextAttemptAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await api(district, 'DELETE', `/queue/${entry.id}`)).status).toBe(204);
    expect(await ts.store.queue.get(entry.id)).toBeNull();
    expect((await api(district, 'DELETE', `/queue/${entry.id}`)).status).toBe(404);
    expect((await ts.store.audit.query({ target: entry.id })).map((e) => e.action)).toEqual(['queue.delete', 'queue.retry']);
  });

  it('answers bad input with a JSON error naming the problem', async () => {
    const bad = await fetch(`${base}/api/admin/users/zoe@ecole.example`, { method: 'PUT', headers: { authorization: `Bearer ${district}`, 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BAD_JSON');
    const field = await api(district, 'PUT', '/users/zoe@ecole.example', { quota: true });
    expect([field.status, field.body.error.field]).toEqual([400, 'quota']);
    expect((await api(district, 'PUT', '/users/not-an-address', {})).status).toBe(400);
    expect((await api(district, 'PUT', '/users/zoe@unknown.example', {})).status).toBe(404);
    expect((await api(district, 'POST', '/users')).status).toBe(405);
    expect((await api(district, 'GET', '/nothing-here')).status).toBe(404);
  });
});

describe('unit admin', () => {
  it('sees only the users of its unit and sub-units', async () => {
    const list = await api(unitAdmin, 'GET', '/users');
    expect(list.status).toBe(200);
    expect(list.body.users.map((u: { address: string }) => u.address)).toEqual(['alice@ecole.example', 'carol@ecole.example']);
    expect((await api(unitAdmin, 'GET', '/users?unit=college-b')).body.users).toEqual([]);
    expect((await api(unitAdmin, 'GET', '/units')).body.units.map((u: { name: string }) => u.name).sort()).toEqual(['college-a', 'college-a-cdi']);
    expect((await api(unitAdmin, 'GET', '/domains')).body.domains.find((d: { name: string }) => d.name === 'ecole.example').users).toBe(2);
  });

  it('gets 404 for a user of another unit, whatever it tries', async () => {
    expect((await api(unitAdmin, 'GET', '/users/carol@ecole.example')).status).toBe(200);
    for (const [method, url, body] of [
      ['GET', '/users/bob@ecole.example'], ['PATCH', '/users/bob@ecole.example', { name: 'x' }], ['DELETE', '/users/bob@ecole.example'],
      ['PUT', '/users/bob@ecole.example', { name: 'x' }], ['POST', '/users/bob@ecole.example/disable'], ['GET', '/users/bob@ecole.example/quota'],
      ['PUT', '/users/bob@ecole.example/quota', { quota: '1G' }], ['POST', '/users/bob@ecole.example/password', { password: 'hijacked password' }],
      ['GET', '/users/nobody@ecole.example'],
    ] as [string, string, unknown?][]) {
      const answer = await api(unitAdmin, method, url, body);
      expect(answer.status, `${method} ${url}`).toBe(404);
      expect(answer.body.error.message).toMatch(/^no user /);
    }
    const bob = (await ts.store.accounts.getUserByAddress('bob@ecole.example'))!;
    expect([bob.displayName, bob.enabled, bob.quotaBytes]).toEqual(['bob', true, 0]);
  });

  it('creates users in its own unit only, with the role user only', async () => {
    const made = await api(unitAdmin, 'PUT', '/users/fanny@ecole.example', { name: 'Fanny' });
    expect(made.status).toBe(201);
    expect(made.body.unit).toBe('college-a');
    expect((await api(unitAdmin, 'PUT', '/users/gaby@ecole.example', { unit: 'college-a-cdi' })).status).toBe(201);
    expect((await api(unitAdmin, 'PUT', '/users/hugo@ecole.example', { unit: 'college-b' })).status).toBe(403);
    expect((await api(unitAdmin, 'PUT', '/users/hugo@ecole.example', { role: 'admin' })).status).toBe(403);
    expect((await api(unitAdmin, 'PATCH', '/users/fanny@ecole.example', { unit: 'college-b' })).status).toBe(403);
    expect((await api(unitAdmin, 'PATCH', '/users/fanny@ecole.example', { role: 'unit-admin' })).status).toBe(403);
    expect(await ts.store.accounts.getUserByAddress('hugo@ecole.example')).toBeNull();
    expect((await ts.store.accounts.getUserByAddress('fanny@ecole.example'))!.unit).toBe('college-a');
    const created = await ts.store.audit.query({ target: 'fanny@ecole.example', action: 'user.create' });
    expect(created[0]).toMatchObject({ actor: `token:${unitAdminId}`, unit: 'college-a', ip: '127.0.0.1' });
  });

  it('is refused district-wide resources', async () => {
    for (const [method, url] of [['GET', '/aliases'], ['PUT', '/domains/x.example'], ['GET', '/queue'], ['GET', '/domains/ecole.example/dkim']]) {
      expect((await api(unitAdmin, method, url)).status, `${method} ${url}`).toBe(403);
    }
  });

  it('manages groups of its unit: idempotent PUT sets the members exactly; others are 404', async () => {
    const made = await api(unitAdmin, 'PUT', '/groups/profs-a@ecole.example', { name: 'Profs A', members: ['alice@ecole.example', 'carol@ecole.example'] });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ unit: 'college-a', members: ['alice@ecole.example', 'carol@ecole.example'] });
    const again = await api(unitAdmin, 'PUT', '/groups/profs-a@ecole.example', { name: 'Profs A', members: ['alice@ecole.example', 'carol@ecole.example'] });
    expect([again.status, again.body.members]).toEqual([200, ['alice@ecole.example', 'carol@ecole.example']]);
    const synced = await api(unitAdmin, 'PUT', '/groups/profs-a@ecole.example', { members: ['carol@ecole.example', 'fanny@ecole.example'] });
    expect(synced.body.members).toEqual(['carol@ecole.example', 'fanny@ecole.example']);
    expect((await api(unitAdmin, 'PUT', '/groups/profs-a@ecole.example', { members: ['bob@ecole.example'] })).status).toBe(404);
    expect((await api(unitAdmin, 'POST', '/groups/profs-a@ecole.example/members', { address: 'bob@ecole.example' })).status).toBe(404);
    expect((await api(unitAdmin, 'POST', '/groups/profs-a@ecole.example/members', { address: 'alice@ecole.example' })).body.members).toContain('alice@ecole.example');
    expect((await api(unitAdmin, 'DELETE', '/groups/profs-a@ecole.example/members/alice@ecole.example')).body.members).not.toContain('alice@ecole.example');

    expect((await api(district, 'PUT', '/groups/profs-b@ecole.example', { unit: 'college-b', members: ['bob@ecole.example'] })).status).toBe(201);
    expect((await api(unitAdmin, 'GET', '/groups')).body.groups.map((g: { address: string }) => g.address)).toEqual(['profs-a@ecole.example']);
    expect((await api(unitAdmin, 'GET', '/groups/profs-a@ecole.example')).body).toMatchObject({ name: 'Profs A', unit: 'college-a', members: ['carol@ecole.example', 'fanny@ecole.example'] });
    expect((await api(unitAdmin, 'GET', '/groups/profs-b@ecole.example')).status).toBe(404);
    expect((await api(unitAdmin, 'DELETE', '/groups/profs-b@ecole.example')).status).toBe(404);
    expect((await api(district, 'GET', '/groups')).body.groups.length).toBe(2);
    expect((await api(unitAdmin, 'DELETE', '/groups/profs-a@ecole.example')).status).toBe(204);
  });
});

describe('audit through the API', () => {
  it('filters by user, action and time; a unit admin sees its units only', async () => {
    const alice = await api(district, 'GET', '/audit?user=alice@ecole.example&limit=50');
    expect(alice.status).toBe(200);
    expect(alice.body.entries.length).toBeGreaterThan(0);
    expect(alice.body.entries.every((e: { actor: string; target: string }) => e.actor === 'alice@ecole.example' || e.target === 'alice@ecole.example')).toBe(true);
    const creates = await api(district, 'GET', '/audit?action=user.create&since=1h');
    expect(creates.body.entries.map((e: { target: string }) => e.target)).toEqual(expect.arrayContaining(['denis@ecole.example', 'fanny@ecole.example']));
    expect((await api(district, 'GET', '/audit?action=user.create&until=2000-01-01')).body.entries).toEqual([]);
    expect((await api(district, 'GET', '/audit?since=yesterday')).status).toBe(400);
    const scoped = await api(unitAdmin, 'GET', '/audit?limit=1000');
    expect(scoped.body.entries.length).toBeGreaterThan(0);
    expect(scoped.body.entries.every((e: { unit: string }) => e.unit === 'college-a' || e.unit === 'college-a-cdi')).toBe(true);
    expect((await api(unitAdmin, 'GET', '/audit?user=bob@ecole.example')).body.entries).toEqual([]);
  });
});

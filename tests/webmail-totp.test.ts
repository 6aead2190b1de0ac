// The webmail's TOTP second factor end to end over HTTP on the real server: enrolment with
// confirmation, the two-step login (no session from the password alone), replay refused,
// recovery codes used once, the brute-force guard, disable with password + code, the admin's
// `facteur user totp-reset`, and the audit entries a user sees in their recent logins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../core/auth/totp.js';
import { facteur } from './admin/cli.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from './server-harness.js';
import { WebClient } from './webmail/api-client.js';

const DOMAIN = 'ecole.example';
const addr = (local: string) => `${local}@${DOMAIN}`;
let t: TestServer;
let base: string;

beforeAll(async () => {
  t = await startTestServer({ name: 'webmail-totp', env: { FACTEUR_OUTBOUND_ENABLED: 'false', FACTEUR_AUTH_LOCK_ACCOUNT_AFTER: '6' } });
  base = `http://127.0.0.1:${t.port('http')}`;
  await t.accounts.addDomain(DOMAIN);
  for (const local of ['alice', 'bob', 'dave']) await t.accounts.createUser({ address: addr(local), displayName: local, password: TEST_PASSWORD });
}, 30_000);

afterAll(async () => {
  await t?.stop();
});

/** Enrols the user through the API; codeAt(k) is the code of the k-th step after enrolment.
 *  Steps 0 and 1 stay within the ±1 window for 30 s at least, whatever the clock. */
async function enrol(local: string) {
  const web = new WebClient(base);
  expect((await web.login(addr(local), TEST_PASSWORD)).status).toBe(200);
  const begun = await web.post('/api/settings/totp');
  expect(begun.status).toBe(201);
  const step = Math.floor(Date.now() / 30_000);
  const secret = begun.body.secret as string;
  const codeAt = (k: number) => totpCode(secret, (step + k) * 30_000);
  const confirmed = await web.post('/api/settings/totp/confirm', { code: codeAt(0) });
  expect(confirmed.status).toBe(200);
  return { web, secret, codeAt, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

/** The password step: a challenge, no cookie. */
async function passwordStep(local: string, password = TEST_PASSWORD) {
  const web = new WebClient(base);
  const r = await web.request('POST', '/api/session', { address: addr(local), password });
  return { web, r };
}

describe('webmail TOTP second factor', () => {
  it('is enrolled pending, confirmed with a code, and then required at login', async () => {
    const web = new WebClient(base);
    expect((await web.login(addr('alice'), TEST_PASSWORD)).status).toBe(200);
    expect((await web.get('/api/settings/totp')).body).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });
    const begun = await web.post('/api/settings/totp');
    expect(begun.status).toBe(201);
    expect(begun.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(begun.body.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(begun.body.secret);
    expect(decodeURIComponent(uri.pathname)).toContain(addr('alice'));
    expect((await web.get('/api/settings/totp')).body).toMatchObject({ enabled: false, pending: true });
    // Sealed at rest with the key in <data>/keys/, not in the database.
    const stored = (await t.store.totp.get((await t.store.accounts.getUserByAddress(addr('alice')))!.id))!.secret;
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(begun.body.secret);
    // Pending: a login still needs only the password.
    const other = new WebClient(base);
    expect((await other.login(addr('alice'), TEST_PASSWORD)).body.user.address).toBe(addr('alice'));

    const step = Math.floor(Date.now() / 30_000);
    const code = (k: number) => totpCode(begun.body.secret, (step + k) * 30_000);
    const wrong = await web.post('/api/settings/totp/confirm', { code: code(0) === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect((await web.get('/api/settings/totp')).body.enabled).toBe(false);
    const confirmed = await web.post('/api/settings/totp/confirm', { code: code(0) });
    expect(confirmed.status).toBe(200);
    const recovery = confirmed.body.recoveryCodes as string[];
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect((await web.get('/api/settings/totp')).body).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 });
    expect((await web.post('/api/settings/totp')).status).toBe(409);
    // The secret never reaches the logs.
    expect(t.logs()).not.toContain(begun.body.secret);

    // The password alone: a challenge, no cookie, no session.
    const { web: b, r } = await passwordStep('alice');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ secondFactor: 'totp', challenge: expect.any(String) });
    expect(b.setCookie).toEqual([]);
    expect((await b.get('/api/mailboxes')).status).toBe(401);
    const challenge = r.body.challenge as string;
    const bad = await b.post('/api/session/totp', { challenge, code: code(0) === '123456' ? '654321' : '123456' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 'bad_code', triesLeft: 4 });
    // The code that confirmed the enrolment is used: a replay.
    expect((await b.post('/api/session/totp', { challenge, code: code(0) })).body.code).toBe('bad_code');
    const ok = await b.post('/api/session/totp', { challenge, code: code(1) });
    expect(ok.status).toBe(200);
    expect(ok.body.user.address).toBe(addr('alice'));
    b.csrf = ok.body.csrf;
    expect((await b.get('/api/mailboxes')).status).toBe(200);
    // The challenge is spent.
    expect((await new WebClient(base).post('/api/session/totp', { challenge, code: code(1) })).body.code).toBe('login_expired');

    // The same code again, through a fresh password step: refused (RFC 6238 §5.2).
    const again = await passwordStep('alice');
    const replay = await again.web.post('/api/session/totp', { challenge: again.r.body.challenge, code: code(1) });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('bad_code');
    // A recovery code works once, in any case and without dashes.
    const rec = await again.web.post('/api/session/totp', { challenge: again.r.body.challenge, code: recovery[3].toUpperCase().replace(/-/g, '') });
    expect(rec.status).toBe(200);
    expect(rec.body.recoveryCodesLeft).toBe(9);
    const third = await passwordStep('alice');
    expect((await third.web.post('/api/session/totp', { challenge: third.r.body.challenge, code: recovery[3] })).status).toBe(401);

    // A wrong password gives no challenge.
    const wrongPw = await passwordStep('alice', 'not the password');
    expect(wrongPw.r.status).toBe(401);
    expect(wrongPw.r.body.challenge).toBeUndefined();

    // Turning it off takes the password and a code.
    expect((await web.post('/api/settings/totp/disable', { password: 'nope', code: recovery[0] })).status).toBe(401);
    const noCode = await web.post('/api/settings/totp/disable', { password: TEST_PASSWORD, code: '000000' === code(1) ? '111111' : '000000' });
    expect(noCode.status).toBe(401);
    expect(noCode.body.code).toBe('bad_code');
    // New recovery codes replace the old ones.
    const fresh = await web.post('/api/settings/totp/recovery-codes', { password: TEST_PASSWORD, code: recovery[0] });
    expect(fresh.status).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    expect((await web.post('/api/settings/totp/disable', { password: TEST_PASSWORD, code: recovery[1] })).body.code).toBe('bad_code');
    expect((await web.post('/api/settings/totp/disable', { password: TEST_PASSWORD, code: fresh.body.recoveryCodes[0] })).status).toBe(204);
    expect((await web.get('/api/settings/totp')).body.enabled).toBe(false);
    expect((await new WebClient(base).login(addr('alice'), TEST_PASSWORD)).body.user.address).toBe(addr('alice'));

    const audit = await t.store.audit.query({ target: addr('alice') });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['totp.enable', 'totp.recovery-codes', 'totp.disable']));
  });

  it('lists the user\'s own recent logins with both steps, successes and failures', async () => {
    const { web } = await passwordStep('alice', 'wrong once');
    expect((await web.login(addr('alice'), TEST_PASSWORD)).status).toBe(200);
    const r = await web.get('/api/settings/logins');
    expect(r.status).toBe(200);
    const logins = r.body.logins as { at: string; protocol: string; ip: string; success: boolean; reason: string | null; secondFactor: string | null; factor: string | null }[];
    expect(logins.length).toBeGreaterThan(5);
    expect(logins.length).toBeLessThanOrEqual(20);
    expect(logins[0]).toMatchObject({ protocol: 'webmail', ip: '127.0.0.1', success: true, secondFactor: null });
    expect(logins[1]).toMatchObject({ success: false, reason: 'invalid' });
    expect(logins.some((l) => l.secondFactor === 'totp' && l.success)).toBe(true);
    expect(logins.some((l) => l.factor === 'totp' && l.success)).toBe(true);
    expect(logins.some((l) => l.factor === 'recovery-code' && l.success)).toBe(true);
    expect(logins.some((l) => l.factor === 'totp' && !l.success && l.reason === 'replay')).toBe(true);
    expect([...logins].sort((a, b) => b.at.localeCompare(a.at))).toEqual(logins);
    // Only one's own: bob sees none of alice's.
    const bob = new WebClient(base);
    await bob.login(addr('bob'), TEST_PASSWORD);
    const bobs = (await bob.get('/api/settings/logins')).body.logins as unknown[];
    expect(bobs).toHaveLength(1);
    expect((await new WebClient(base).get('/api/settings/logins')).status).toBe(401);
  });

  it('kills a challenge after five wrong codes and locks the account\'s codes in the shared guard', async () => {
    const { codeAt } = await enrol('dave');
    const first = await passwordStep('dave');
    const challenge = first.r.body.challenge as string;
    const wrong = codeAt(1) === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await first.web.post('/api/session/totp', { challenge, code: wrong })).body.code);
    expect(answers).toEqual(['bad_code', 'bad_code', 'bad_code', 'bad_code', 'login_expired']);
    expect((await first.web.post('/api/session/totp', { challenge, code: codeAt(1) })).body.code).toBe('login_expired');
    // A sixth failure locks dave's codes for this IP: even the right code is refused.
    const second = await passwordStep('dave');
    expect((await second.web.post('/api/session/totp', { challenge: second.r.body.challenge, code: wrong })).status).toBe(401);
    const locked = await second.web.post('/api/session/totp', { challenge: second.r.body.challenge, code: codeAt(1) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const entries = await t.store.audit.query({ target: addr('dave'), action: 'login.webmail' });
    expect(entries.filter((e) => !e.success && e.details.factor === 'totp').length).toBe(7);
    expect(entries.some((e) => e.details.reason === 'throttled')).toBe(true);
  }, 30_000);

  it('is turned off by `facteur user totp-reset` for a locked-out user, audited', async () => {
    await enrol('bob');
    expect((await passwordStep('bob')).r.body.secondFactor).toBe('totp');
    const run = await facteur(t.dataDir, ['user', 'totp-reset', addr('bob')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('turned off');
    const direct = await passwordStep('bob');
    expect(direct.r.status).toBe(200);
    expect(direct.r.body.user.address).toBe(addr('bob'));
    const again = await facteur(t.dataDir, ['user', 'totp-reset', addr('bob'), '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ address: addr('bob'), secondFactorRemoved: false });
    const resets = await t.store.audit.query({ target: addr('bob'), action: 'totp.reset' });
    expect(resets).toHaveLength(2);
    expect(resets[0].actor).toMatch(/^cli:/);
    expect((await facteur(t.dataDir, ['user', 'totp-reset', addr('nobody')])).code).not.toBe(0);
  }, 30_000);
});

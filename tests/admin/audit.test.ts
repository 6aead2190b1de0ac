// `facteur audit` against the log a running server writes: IMAP logins (success and failure,
// with the client's IP) and admin actions, filtered by user, unit, action and time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { recentLogins } from '../../core/operations/index.js';
import { facteur } from './cli.js';
import { imapLogin as imapLoginAt } from './imap.js';

let ts: TestServer;

const imapLogin = (user: string, pass: string) => imapLoginAt(ts.port('imaps'), user, pass);

interface Entry { actor: string; action: string; target: string | null; unit: string | null; ip: string | null; success: boolean; details: Record<string, unknown> }

async function audit(args: string[]): Promise<Entry[]> {
  const run = await facteur(ts.dataDir, ['audit', ...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Entry[];
}

beforeAll(async () => {
  ts = await startTestServer({ name: 'audit' });
  await ts.accounts.addDomain('ecole.example');
  await ts.accounts.createUser({ address: 'alice@ecole.example', password: TEST_PASSWORD, unit: 'college-a' }, { name: 'cli:test' });
  await ts.accounts.createUser({ address: 'bob@ecole.example', password: TEST_PASSWORD, unit: 'college-b' }, { name: 'cli:test' });
  expect(await imapLogin('alice@ecole.example', TEST_PASSWORD)).toBe(true);
  expect(await imapLogin('alice@ecole.example', 'wrong password')).toBe(false);
  expect(await imapLogin('bob@ecole.example', TEST_PASSWORD)).toBe(true);
}, 30_000);

afterAll(async () => {
  await ts?.stop();
});

describe('facteur audit', () => {
  it('shows IMAP logins of a user, successful and failed, with the IP', async () => {
    const logins = await audit(['--user', 'Alice@ecole.example', '--action', 'login.imap']);
    expect(logins.map((e) => [e.success, e.ip, e.target])).toEqual([
      [false, '127.0.0.1', 'alice@ecole.example'],
      [true, '127.0.0.1', 'alice@ecole.example'],
    ]);
    expect(logins[0].details.reason).toBe('invalid');
  });

  it('filters by user (actor or target), unit, time and limit', async () => {
    const alice = await audit(['--user', 'alice@ecole.example']);
    expect(alice.map((e) => e.action)).toEqual(['login.imap', 'login.imap', 'user.create']);
    expect((await audit(['--unit', 'college-b'])).map((e) => [e.action, e.target])).toEqual([
      ['login.imap', 'bob@ecole.example'], ['user.create', 'bob@ecole.example'],
    ]);
    expect(await audit(['--until', '2000-01-01'])).toEqual([]);
    expect((await audit(['--since', '1h', '--limit', '2'])).length).toBe(2);
    const table = await facteur(ts.dataDir, ['audit', '--user', 'bob@ecole.example']);
    expect(table.stdout).toMatch(/login\.imap\s+bob@ecole\.example\s+college-b\s+127\.0\.0\.1\s+ok/);
  });

  it('gives a user their own recent logins (for the webmail)', async () => {
    const logins = await recentLogins(ts.store, 'alice@ecole.example', 5);
    expect(logins.map((e) => [e.action, e.success])).toEqual([['login.imap', false], ['login.imap', true]]);
  });

  it('refuses a malformed time or limit with status 2', async () => {
    for (const args of [['--since', 'yesterday'], ['--limit', '0']]) {
      const run = await facteur(ts.dataDir, ['audit', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^facteur: invalid/);
    }
  });
});

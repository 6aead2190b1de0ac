// Connection and command limits (imap.* config keys, set small through the environment):
// sessions per account, connections per address, commands per minute (slowed, not refused); and the idle timeout
// that cannot be set below RFC 9051 §5.4's 30 minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { PASSWORD, startHarness, type Harness } from './harness.js';
import { RawImap } from './raw-client.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness({
    FACTEUR_IMAP_MAX_CONNECTIONS_PER_USER: '2',
    FACTEUR_IMAP_MAX_CONNECTIONS_PER_IP: '4',
    FACTEUR_IMAP_MAX_COMMANDS_PER_MINUTE: '60',
  });
  user = await h.user('lim');
});
afterAll(() => h?.stop());

async function connect(): Promise<{ c: RawImap; greeting: string }> {
  const c = await RawImap.connect(h.ports.imap);
  const greeting = await c.until(/^\* (OK|BYE) .*\r\n/);
  return { c, greeting };
}

describe('IMAP limits', () => {
  it('refuses a third session of one account with NO [LIMIT], and takes it once one has gone', async () => {
    const sessions: RawImap[] = [];
    for (let i = 0; i < 2; i++) {
      const { c } = await connect();
      expect(await c.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l OK /m);
      sessions.push(c);
    }
    const { c: third } = await connect();
    expect(await third.command('l', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l NO \[LIMIT\]/m);
    // Still not logged in, and still connected.
    expect(await third.command('s', 'SELECT INBOX')).toMatch(/^s BAD /m);
    await sessions[0].command('o', 'LOGOUT');
    sessions[0].close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await third.command('l2', `LOGIN ${user} "${PASSWORD}"`)).toMatch(/^l2 OK /m);
    third.close();
    sessions[1].close();
    await new Promise((r) => setTimeout(r, 100));
  });

  it('greets the connection beyond the per-address limit with BYE', async () => {
    const open: RawImap[] = [];
    for (let i = 0; i < 4; i++) {
      const { c, greeting } = await connect();
      expect(greeting).toMatch(/^\* OK /);
      open.push(c);
    }
    const { c: fifth, greeting } = await connect();
    expect(greeting).toMatch(/^\* BYE \[UNAVAILABLE\]/);
    fifth.close();
    open.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    const { c: again, greeting: g2 } = await connect();
    expect(g2).toMatch(/^\* OK /);
    again.close();
    for (const c of open) c.close();
    await new Promise((r) => setTimeout(r, 100));
  });

  it('slows commands beyond the rate, answering every one, and lets LOGOUT through at once', async () => {
    const { c } = await connect();
    // 60 per minute: a burst of 6, then one per second. Nine NOOPs at once: the last three wait.
    const start = Date.now();
    for (let i = 0; i < 9; i++) c.send(`n${i} NOOP\r\n`);
    const text = await c.until(/^n8 (OK|NO)[^\r\n]*\r\n/m, 10_000);
    expect(text.match(/^n\d OK/gm)).toHaveLength(9);
    expect(Date.now() - start).toBeGreaterThanOrEqual(2000);
    const before = Date.now();
    expect(await c.command('z', 'LOGOUT')).toMatch(/^z OK/m);
    expect(Date.now() - before).toBeLessThan(900);
    c.close();
  });

  it('will not set the idle timeout below 30 minutes', () => {
    expect(() => loadConfig({ env: { FACTEUR_IMAP_IDLE_TIMEOUT_MINUTES: '29' } })).toThrow(/imap\.idleTimeoutMinutes/);
    const { config } = loadConfig({ env: { FACTEUR_IMAP_IDLE_TIMEOUT_MINUTES: '45' } });
    expect(config.imap.idleTimeoutMinutes).toBe(45);
  });
});

// Issue 7: one brute-force guard for every protocol. 1,000 wrong passwords over IMAP from one
// address: that address is locked out (even with the right password), the audit log shows it,
// and another user connecting from elsewhere logs in as usual. Another loopback address
// (127.0.0.2) stands for "elsewhere".
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from './server-harness.js';

let t: TestServer;
const ATTACKER = '127.0.0.1';
const ELSEWHERE = '127.0.0.2';

beforeAll(async () => {
  // A lower lock threshold than the default 50 keeps the slowed attempts before it short.
  t = await startTestServer({ name: 'bruteforce', env: { FACTEUR_AUTH_LOCK_IP_AFTER: '10', FACTEUR_OUTBOUND_ENABLED: 'false' } });
  await t.accounts.addDomain('ecole.test');
  for (const name of ['victim', 'colleague']) await t.accounts.createUser({ address: `${name}@ecole.test`, password: TEST_PASSWORD });
});
afterAll(async () => {
  await t?.stop();
});

/** One IMAP connection from `from`, answering each LOGIN with its tagged reply. */
class Client {
  private buffer = '';
  private waiting: (() => void) | null = null;
  closed = false;
  private tag = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { this.buffer += d; this.waiting?.(); });
    socket.on('close', () => { this.closed = true; this.waiting?.(); });
    socket.on('error', () => undefined);
  }

  static async open(port: number, from: string): Promise<Client> {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
    await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    const c = new Client(socket);
    await c.line(/^\* (OK|BYE)/m);
    return c;
  }

  async login(user: string, password: string): Promise<string> {
    const tag = `a${++this.tag}`;
    this.socket.write(`${tag} LOGIN ${user} "${password}"\r\n`);
    return this.line(new RegExp(`^${tag} .*$`, 'm'));
  }

  private async line(pattern: RegExp): Promise<string> {
    for (;;) {
      const m = pattern.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m.index + m[0].length);
        return m[0].trim();
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => { this.waiting = resolve; });
      this.waiting = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('brute force over IMAP', () => {
  it('locks out the address that sent 1,000 wrong passwords; another user elsewhere is unaffected', async () => {
    const port = t.port('imap');
    const replies: string[] = [];
    // 20 connections at once, as a guessing tool would; a connection the server ends is replaced.
    await Promise.all(Array.from({ length: 20 }, async () => {
      let c = await Client.open(port, ATTACKER);
      for (let i = 0; i < 50; i++) {
        try {
          replies.push(await c.login('victim@ecole.test', `guess-${i}`));
        } catch {
          c.close();
          c = await Client.open(port, ATTACKER);
          i--;
        }
      }
      c.close();
    }));
    expect(replies).toHaveLength(1000);
    const locked = replies.filter((r) => / NO \[UNAVAILABLE\] /.test(r)).length;
    const refused = replies.filter((r) => / NO \[AUTHENTICATIONFAILED\] /.test(r)).length;
    expect(refused + locked).toBe(1000);
    // Passwords were checked only until the lock: the rest were refused without a hash.
    expect(refused).toBeLessThanOrEqual(30);
    expect(locked).toBeGreaterThanOrEqual(970);

    // Locked means locked: the right password from that address is refused too.
    const again = await Client.open(port, ATTACKER);
    expect(await again.login('victim@ecole.test', TEST_PASSWORD)).toMatch(/ NO \[UNAVAILABLE\] /);
    again.close();

    // A colleague from another address logs in at once.
    const colleague = await Client.open(port, ELSEWHERE);
    const started = Date.now();
    expect(await colleague.login('colleague@ecole.test', TEST_PASSWORD)).toMatch(/ OK /);
    expect(Date.now() - started).toBeLessThan(5000);
    colleague.close();

    // The audit log shows the failures and the refusals, from that address, on IMAP.
    const entries = await t.store.audit.query({ limit: 2000 });
    const failures = entries.filter((e) => e.ip === ATTACKER && !e.success);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.action === 'login.imap')).toBe(true);
    expect(failures.some((e) => JSON.stringify(e.details).includes('throttled'))).toBe(true);
  }, 120_000);
});

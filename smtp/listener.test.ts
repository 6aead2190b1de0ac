// The places listener.ts changes smtp-server's behaviour, on a real listener: replies keep
// the enhanced status code they bring, AUTH waits for TLS unless the client is loopback
// (here loopback is not trusted, to see the refusal from 127.0.0.1), and the greeting comes
// without smtp-server's fixed pause but still after the reverse lookup.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTls } from '../core/tls.js';
import { RawSmtp } from '../tests/smtp/raw-client.js';
import { FacteurSmtpServer, mayAuthenticate } from './listener.js';
import { smtpError } from './replies.js';

let server: FacteurSmtpServer;
let port: number;
const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-listener-'));

beforeAll(async () => {
  const tls = await loadTls({ certFile: null, keyFile: null, dataDir: dir, hostname: 'localhost' });
  server = new FacteurSmtpServer({
    name: 'localhost', cert: tls.cert, key: tls.key, logger: false, hideENHANCEDSTATUSCODES: false,
    authMethods: ['PLAIN'], disableReverseLookup: true, authOptional: true,
    onAuth: (auth, _session, cb) => cb(null, { user: { id: '1', username: auth.username } }),
    onMailFrom: (address, _session, cb) => cb(address.address === 'relay@x.example' ? smtpError(550, '5.7.1', 'Relaying denied') : null),
  }, { loopbackIsSecure: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const connections = () => new Promise<number>((resolve, reject) => server.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
const plainToken = Buffer.from('\0alice@x.example\0secret').toString('base64');

describe('FacteurSmtpServer', () => {
  it('sends the enhanced status code a reply brings, not one guessed from the reply code', async () => {
    const c = await RawSmtp.connect(port);
    await c.hello();
    // smtp-server alone would say "550 5.1.1" for any 550.
    expect(await c.command('MAIL FROM:<relay@x.example>')).toBe('550 5.7.1 Relaying denied');
    // Its own replies keep their codes.
    expect(await c.command('RCPT TO:<a@x.example>')).toBe('503 5.5.1 Error: need MAIL command');
    expect(await c.command('MAIL FROM:<a@x.example>')).toBe('250 2.1.0 Accepted');
    c.close();
  });

  it('neither offers nor runs AUTH before TLS when loopback is not trusted (538 5.7.11), does both after STARTTLS', async () => {
    const c = await RawSmtp.connect(port);
    const plain = await c.hello();
    expect(plain).not.toMatch(/AUTH/);
    expect(plain).toMatch(/^250[- ]STARTTLS$/m);
    expect(await c.command(`AUTH PLAIN ${plainToken}`)).toBe('538 5.7.11 Encryption required: use STARTTLS (or port 465) before AUTH');
    expect(await c.hello('client', { starttls: true, servername: 'localhost' })).toMatch(/^250[- ]AUTH PLAIN$/m);
    expect(await c.command(`AUTH PLAIN ${plainToken}`)).toBe('235 2.7.0 Authentication successful');
    c.close();
  });

  it('closes the connection after the 221 of QUIT, without running what was sent after it', async () => {
    for (const tail of ['', 'NOOP\r\n']) {
      const c = await RawSmtp.connect(port);
      await c.hello();
      c.write(`QUIT\r\n${tail}`);
      expect(await c.reply()).toBe('221 2.0.0 Bye');
      // '' once the server has closed: no 250 for the NOOP.
      expect(await c.reply(5000)).toBe('');
      expect(c.closed).toBe(true);
    }
    // A client that keeps its side open: the server does not wait for it (smtp-server alone
    // held the connection for up to 5 s).
    const open = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    open.on('error', () => undefined);
    await once(open, 'data'); // the greeting
    open.resume();
    open.write('EHLO half.example\r\nQUIT\r\n');
    await once(open, 'end');
    const started = Date.now();
    while ((await connections()) > 0 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(await connections()).toBe(0);
    open.destroy();
    // The listener still serves.
    const next = await RawSmtp.connect(port);
    expect(await next.command('NOOP')).toMatch(/^250 /);
    next.close();
  });

  it('closes its side after QUIT over TLS too', async () => {
    const c = await RawSmtp.connect(port);
    await c.hello('client', { starttls: true, servername: 'localhost' });
    expect(await c.command('QUIT')).toBe('221 2.0.0 Bye');
    expect(await c.reply(5000)).toBe('');
    expect(c.closed).toBe(true);
  });
});

describe('FacteurSmtpServer greeting', () => {
  it('greets once the reverse lookup is done, and refuses a client that talks before (421)', async () => {
    const tls = await loadTls({ certFile: null, keyFile: null, dataDir: dir, hostname: 'localhost' });
    // A slow PTR lookup: the window in which a client must wait for the greeting.
    const slow = new FacteurSmtpServer({
      name: 'localhost', cert: tls.cert, key: tls.key, logger: false,
      resolver: { reverse: (_ip: string, cb: (err: Error | null, names?: string[]) => void) => { setTimeout(() => cb(null, ['client.example']), 300); } },
    }, { loopbackIsSecure: false });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowPort = (slow.server.address() as { port: number }).port;
    try {
      const early = net.connect({ host: '127.0.0.1', port: slowPort });
      early.setEncoding('latin1');
      let heard = '';
      early.on('data', (d: string) => { heard += d; });
      early.on('error', () => undefined);
      await once(early, 'connect');
      early.write('EHLO early.example\r\n');
      await once(early, 'close');
      expect(heard).toMatch(/^421 .*You talk too soon/m);
      expect(heard).not.toMatch(/^220 /m);

      const patient = await RawSmtp.connect(slowPort);
      expect(await patient.command('EHLO patient.example')).toMatch(/^250-localhost Nice to meet you, client\.example/);
      patient.close();
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});

describe('FacteurSmtpServer connections per address', () => {
  it('refuses an address its connections past the limit (421 4.7.0), and takes it again once one closes', async () => {
    const tls = await loadTls({ certFile: null, keyFile: null, dataDir: dir, hostname: 'localhost' });
    const limited = new FacteurSmtpServer({ name: 'localhost', cert: tls.cert, key: tls.key, logger: false, disableReverseLookup: true },
      { loopbackIsSecure: false, maxConnectionsPerIp: 2 });
    await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve));
    const limitedPort = (limited.server.address() as { port: number }).port;
    const greeting = async () => {
      const s = net.connect({ host: '127.0.0.1', port: limitedPort });
      s.setEncoding('latin1');
      s.on('error', () => undefined);
      const [line] = await once(s, 'data') as [string];
      return { s, line };
    };
    try {
      const first = await greeting();
      const second = await greeting();
      expect([first.line, second.line]).toEqual([expect.stringMatching(/^220 /), expect.stringMatching(/^220 /)]);
      const third = await greeting();
      expect(third.line).toBe('421 4.7.0 Too many connections from your address, try again later\r\n');
      await once(third.s, 'close');
      first.s.destroy();
      await once(first.s, 'close');
      // The server sees the close a moment later.
      let again = await greeting();
      for (let i = 0; i < 50 && !again.line.startsWith('220'); i++) {
        again.s.destroy();
        await new Promise((r) => setTimeout(r, 20));
        again = await greeting();
      }
      expect(again.line).toMatch(/^220 /);
      second.s.destroy();
      again.s.destroy();
    } finally {
      await new Promise<void>((resolve) => limited.close(() => resolve()));
    }
  });
});

describe('mayAuthenticate', () => {
  it('allows TLS sessions, and loopback clients when trusted', () => {
    const trusted = { loopbackIsSecure: true };
    expect(mayAuthenticate(true, '192.0.2.1', trusted)).toBe(true);
    expect(mayAuthenticate(false, '127.0.0.1', trusted)).toBe(true);
    expect(mayAuthenticate(false, '::ffff:127.0.0.2', trusted)).toBe(true);
    expect(mayAuthenticate(false, '::1', trusted)).toBe(true);
    expect(mayAuthenticate(false, '192.0.2.1', trusted)).toBe(false);
    expect(mayAuthenticate(false, '::2', trusted)).toBe(false);
    expect(mayAuthenticate(false, '127.0.0.1', { loopbackIsSecure: false })).toBe(false);
  });
});

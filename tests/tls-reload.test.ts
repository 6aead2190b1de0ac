// A renewed certificate is served without a restart (issue 7: reloaded on SIGHUP): every TLS
// listener (HTTPS, SMTP STARTTLS on MX and submission, SMTPS, IMAP STARTTLS, IMAPS) hands the new one to the next
// handshake; a broken renewal is refused and the old certificate stays.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-harness.js';
import { RawSmtp } from './smtp/raw-client.js';

let t: TestServer;
let certFile: string;
let keyFile: string;
let dir: string;

async function pair(cn: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  const pems = await generate([{ name: 'commonName', value: cn }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

function install(p: { cert: string; key: string }): void {
  writeFileSync(certFile, p.cert);
  writeFileSync(keyFile, p.key);
}

/** The fingerprint of the certificate a listener presents to a new TLS client. */
function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

async function presentedAfterStarttls(port: number): Promise<string> {
  const c = await RawSmtp.connect(port);
  await c.hello('client.example', { starttls: true, servername: 'localhost' });
  const fingerprint = c.peerCertificate()!.fingerprint256;
  c.close();
  return fingerprint;
}

async function presentedAfterImapStarttls(port: number): Promise<string> {
  const plain = net.connect({ host: '127.0.0.1', port });
  plain.setEncoding('latin1');
  let heard = '';
  const until = (re: RegExp) => new Promise<void>((resolve) => {
    const check = () => { if (re.test(heard)) { plain.off('data', on); resolve(); } };
    const on = (d: string) => { heard += d; check(); };
    plain.on('data', on);
    check();
  });
  await until(/^\* OK/m);
  plain.write('a STARTTLS\r\n');
  await until(/^a OK/m);
  const secure = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' });
  await once(secure, 'secureConnect');
  const fingerprint = secure.getPeerX509Certificate()!.fingerprint256;
  secure.destroy();
  return fingerprint;
}

async function everyListener(): Promise<string[]> {
  return [
    await presented(t.port('https')),
    await presented(t.port('submissions')),
    await presented(t.port('imaps')),
    await presentedAfterStarttls(t.port('smtp')),
    await presentedAfterStarttls(t.port('submission')),
    await presentedAfterImapStarttls(t.port('imap')),
  ];
}

let first: Awaited<ReturnType<typeof pair>>;

beforeAll(async () => {
  first = await pair('first.test');
  // The pair must exist before the server starts.
  dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-tls-'));
  certFile = path.join(dir, 'cert.pem');
  keyFile = path.join(dir, 'key.pem');
  install(first);
  t = await startTestServer({ name: 'tls', env: { FACTEUR_TLS_CERT: certFile, FACTEUR_TLS_KEY: keyFile, FACTEUR_OUTBOUND_ENABLED: 'false' } });
});
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS certificate reload', () => {
  it('serves the renewed certificate on every listener without a restart', async () => {
    expect(await everyListener()).toEqual(Array(6).fill(first.fingerprint));
    const second = await pair('second.test');
    install(second);
    // Until the reload, the files changing on disk change nothing.
    expect(await presented(t.port('https'))).toBe(first.fingerprint);
    const result = await t.server.reloadTls();
    expect(result).toMatchObject({ ok: true, fingerprint256: second.fingerprint });
    expect(await everyListener()).toEqual(Array(6).fill(second.fingerprint));
    expect(t.logs()).toContain('TLS certificate reloaded');
  });

  it('refuses a key that does not match, and keeps serving the certificate it had', async () => {
    const before = await presented(t.port('https'));
    const third = await pair('third.test');
    const fourth = await pair('fourth.test');
    install({ cert: third.cert, key: fourth.key });
    const result = await t.server.reloadTls();
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ error: expect.stringMatching(/does not match/) });
    expect(await everyListener()).toEqual(Array(6).fill(before));
  });
});

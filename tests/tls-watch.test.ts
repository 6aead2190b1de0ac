// tls.watch: the certificate files named by tls.cert/tls.key are reloaded when they change (a
// renewal by certbot or by hand), as on SIGHUP: new handshakes get the new pair without a
// restart; a half-written or mismatched pair is refused and the old one keeps serving.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-harness.js';

let t: TestServer;
let dir: string;

async function pair(cn: string) {
  return generate([{ name: 'commonName', value: cn }], { keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }] });
}

function served(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    }).on('error', reject);
  });
}

async function until(check: () => Promise<boolean> | boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** As a renewal tool does: write beside, then rename over. */
function install(file: string, content: string) {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-tls-watch-'));
  const first = await pair('first');
  writeFileSync(path.join(dir, 'cert.pem'), first.cert);
  writeFileSync(path.join(dir, 'key.pem'), first.private);
  t = await startTestServer({ name: 'tls-watch', env: { FACTEUR_TLS_CERT: path.join(dir, 'cert.pem'), FACTEUR_TLS_KEY: path.join(dir, 'key.pem'), FACTEUR_OUTBOUND_ENABLED: 'false' } });
}, 30_000);

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('serves a renewed pair once its files change, and keeps the old one for a bad pair', async () => {
  const before = await served(t.port('https'));
  const second = await pair('second');
  install(path.join(dir, 'key.pem'), second.private);
  install(path.join(dir, 'cert.pem'), second.cert);
  const expected = new X509Certificate(second.cert).fingerprint256;
  expect(expected).not.toBe(before);
  await until(async () => (await served(t.port('https'))) === expected);
  expect(await served(t.port('imaps'))).toBe(expected);
  // One reload for the two files written together (debounced).
  expect(t.logs().split('\n').filter((l) => l.includes('"TLS certificate reloaded"'))).toHaveLength(1);

  // A certificate without its key: refused, the second pair stays.
  const third = await pair('third');
  install(path.join(dir, 'cert.pem'), third.cert);
  await until(() => t.logs().includes('TLS certificate not reloaded'));
  expect(await served(t.port('https'))).toBe(expected);
}, 30_000);

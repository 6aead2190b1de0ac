// The static route for the browser app: security headers on every answer, SPA fallback, cache
// policy, no way out of the dist folder, and a clear 503 before the first build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUiRoute } from '../../webmail/ui-route.js';

let dir: string;
let base: string;
let missingBase: string;
const servers: http.Server[] = [];

async function serve(distDir: string): Promise<string> {
  const route = createUiRoute({ distDir });
  const server = http.createServer((req, res) => void route.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw request, so that '..' and '%2e%2e' reach the server as written (fetch normalizes). */
function raw(url: string, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INDEX = '<!doctype html><html lang="fr"><title>Facteur</title><script type="module" src="/assets/app-abc123.js"></script></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-ui-route-'));
  const dist = path.join(dir, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), INDEX);
  writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), SCRIPT);
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the dist folder');
  writeFileSync(path.join(dist, '.env'), 'hidden');
  base = await serve(dist);
  missingBase = await serve(path.join(dir, 'not-built'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function expectSecurityHeaders(h: http.IncomingHttpHeaders) {
  const csp = String(h['content-security-policy']);
  for (const directive of ["default-src 'self'", "script-src 'self'", "frame-src 'self'", "img-src 'self' data:", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]) expect(csp).toContain(directive);
  expect(csp).not.toContain('unsafe');
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('no-referrer');
}

describe('webmail UI route', () => {
  it('serves index.html with no-cache and the security headers', async () => {
    const r = await raw(base, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.body.toString()).toBe(INDEX);
    expectSecurityHeaders(r.headers);
  });

  it('answers unknown app paths with index.html (the app routes itself)', async () => {
    for (const target of ['/inbox', '/m/abc/12', '/settings?x=1']) {
      const r = await raw(base, target);
      expect(r.status, target).toBe(200);
      expect(r.body.toString()).toBe(INDEX);
    }
  });

  it('caches hashed assets for a year, compresses them, and revalidates with the ETag', async () => {
    const r = await raw(base, '/assets/app-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.body).toString()).toBe(SCRIPT);
    expectSecurityHeaders(r.headers);
    const again = await raw(base, '/assets/app-abc123.js', { 'if-none-match': String(r.headers.etag) });
    expect(again.status).toBe(304);
    const plain = await raw(base, '/assets/app-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(SCRIPT);
  });

  it('answers a missing asset with 404, not with the page', async () => {
    const r = await raw(base, '/assets/app-old999.js');
    expect(r.status).toBe(404);
    expectSecurityHeaders(r.headers);
  });

  it('never leaves the dist folder nor shows dotfiles', async () => {
    for (const target of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt', '/.env', '/%00index.html']) {
      const r = await raw(base, target);
      expect(r.body.toString(), target).not.toContain('outside the dist folder');
      expect(r.body.toString(), target).not.toContain('hidden');
      expect([400, 404], target).toContain(r.status);
    }
  });

  it('does not answer API paths with the page', async () => {
    const r = await raw(base, '/api/nothing');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body.toString())).toMatchObject({ code: 'not_found' });
  });

  it('refuses other methods', async () => {
    const r = await raw(base, '/', {}, 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
    expectSecurityHeaders(r.headers);
  });

  it('says how to build the app when dist/ is missing', async () => {
    const r = await raw(missingBase, '/');
    expect(r.status).toBe(503);
    expect(r.body.toString()).toContain('npm run build:ui');
    expectSecurityHeaders(r.headers);
  });
});

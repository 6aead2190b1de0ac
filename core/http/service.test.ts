import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { StartupError } from '../service.js';
import { loadTls } from '../tls.js';
import { createHttpService, healthRoute, metricsRoute, RouteTable, type HttpService } from './index.js';

const log = createLogger({ level: 'silent' });
const tlsDir = mkdtempSync(path.join(os.tmpdir(), 'facteur-http-'));
const tls = await loadTls({ certFile: null, keyFile: null, dataDir: tlsDir, hostname: 'localhost' });
afterAll(() => rmSync(tlsDir, { recursive: true, force: true }));

interface Reply { status: number; headers: IncomingMessage['headers']; body: string }

async function get(url: string, options: { method?: string; tls?: Record<string, string> } = {}): Promise<Reply> {
  const secure = url.startsWith('https:');
  const req = (secure ? httpsRequest : httpRequest)(url, {
    method: options.method ?? 'GET', agent: false,
    ...(secure ? { rejectUnauthorized: false, ...options.tls } : {}),
  });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

const running: HttpService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop(1000)));
});

async function start(probe: () => Promise<unknown> = async () => 1) {
  const metrics = createMetrics();
  const service = createHttpService({ host: '127.0.0.1', httpPort: 0, httpsPort: 0, tls, log, metrics });
  service.mount(healthRoute(probe, log, 200));
  service.mount(metricsRoute(metrics.registry));
  running.push(service);
  const { listeners } = await service.start();
  const [http, https] = listeners;
  return { service, http: `http://127.0.0.1:${http.port}`, https: `https://127.0.0.1:${https.port}`, listeners };
}

describe('RouteTable', () => {
  it('matches whole path segments, longest prefix first, with / as the fallback', () => {
    const routes = new RouteTable();
    const route = (prefix: string) => ({ prefix, handle: () => undefined });
    routes.mount(route('/dav'));
    routes.mount(route('/dav/calendars/'));
    expect(routes.match('/dav')?.prefix).toBe('/dav');
    expect(routes.match('/dav/x')?.prefix).toBe('/dav');
    expect(routes.match('/dav/calendars/u/c')?.prefix).toBe('/dav/calendars/');
    expect(routes.match('/davx')).toBeNull();
    routes.mount(route('/'));
    expect(routes.match('/davx')?.prefix).toBe('/');
    expect(() => routes.mount(route('dav/'))).toThrow('HTTP route /dav is mounted twice');
  });
});

describe('the HTTP service', () => {
  it('serves /healthz and /metrics on HTTP and HTTPS, ports chosen by the system', async () => {
    const { http, https, listeners } = await start();
    expect(listeners.map((l) => [l.name, l.address])).toEqual([['http', '127.0.0.1'], ['https', '127.0.0.1']]);
    expect(listeners.every((l) => l.port > 0)).toBe(true);
    for (const base of [http, https]) {
      const health = await get(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
      expect(health.headers['content-type']).toBe('application/json');
    }
    const metrics = await get(`${http}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(metrics.body).toMatch(/facteur_http_requests_total\{route="healthz",method="GET",code="200"\} 2/);
  });

  it('answers 503 when the store does not answer, or not in time', async () => {
    const failing = await start(async () => { throw new Error('disk gone'); });
    expect((await get(`${failing.http}/healthz`))).toMatchObject({ status: 503, body: '{"status":"unavailable"}\n' });
    const hanging = await start(() => new Promise(() => undefined));
    expect((await get(`${hanging.http}/healthz`)).status).toBe(503);
  });

  it('answers 404 for unknown paths, 405 for other methods, 500 when a handler throws', async () => {
    const { service, http } = await start();
    service.mount({ prefix: '/boom', handle: async () => { throw new Error('bug'); } });
    expect((await get(`${http}/nothing`)).status).toBe(404);
    expect((await get(`${http}/healthz/deeper`)).status).toBe(404);
    const post = await get(`${http}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await get(`${http}/boom`)).status).toBe(500);
    const metrics = await get(`${http}/metrics`);
    expect(metrics.body).toMatch(/facteur_http_requests_total\{route="none",method="GET",code="404"\} 1/);
    expect(metrics.body).toMatch(/facteur_http_requests_total\{route="\/boom",method="GET",code="500"\} 1/);
  });

  it('refuses TLS before 1.2', async () => {
    const { https } = await start();
    // A client willing to speak TLS 1.0/1.1 (OpenSSL needs security level 0 for them).
    const old = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };
    await expect(get(`${https}/healthz`, { tls: old })).rejects.toThrow(/protocol version/);
    expect((await get(`${https}/healthz`, { tls: { ...old, maxVersion: 'TLSv1.2' } })).status).toBe(200);
  });

  it('fails to start with one line naming the listener when the port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    const service = createHttpService({ host: '127.0.0.1', httpPort: 0, httpsPort: port, tls, log, metrics: createMetrics() });
    running.push(service);
    const failure = service.start();
    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow(`cannot listen on 127.0.0.1:${port} (https): address already in use`);
    blocker.close();
  });

  it('lets a request in flight finish on stop, then refuses new connections', async () => {
    const { service, http } = await start();
    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      service.mount({ prefix: '/slow', handle: async (_req, res) => {
        resolve();
        await new Promise<void>((r) => { release = r; });
        res.end('done');
      } });
    });
    const slow = get(`${http}/slow`);
    await entered;
    const stopped = service.stop(5000);
    release();
    expect((await slow).body).toBe('done');
    await stopped;
    await expect(get(`${http}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('cuts a request still running when the grace period ends', async () => {
    const { service, http } = await start();
    const entered = new Promise<void>((resolve) => {
      service.mount({ prefix: '/stuck', handle: () => { resolve(); } });
    });
    const stuck = get(`${http}/stuck`);
    await entered;
    await service.stop(50);
    await expect(stuck).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});

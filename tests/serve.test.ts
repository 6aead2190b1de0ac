// `facteur serve` as an operator runs it: a real process on a temp data dir, free ports on
// 127.0.0.1, driven over HTTP/HTTPS and stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const portKeys = ['HTTP', 'HTTPS', 'SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS'];

function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Only what node needs; none of the FACTEUR_* variables the test runner may carry.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[name]) env[name] = process.env[name];
  env.FACTEUR_DATA_DIR = dataDir;
  env.FACTEUR_LISTEN = '127.0.0.1';
  env.FACTEUR_HOSTNAME = 'mail.test.example';
  for (const key of portKeys) env[`FACTEUR_${key}_PORT`] = '0';
  return env;
}

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-serve-'));
  dirs.push(dir);
  return dir;
};
const children: ChildProcess[] = [];
afterAll(async () => {
  const exits = children.filter((child) => child.exitCode === null && child.signalCode === null).map((child) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    return exited;
  });
  await Promise.all(exits);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Run { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<{ code: number | null; signal: string | null }> }

function run(env: NodeJS.ProcessEnv, args: string[] = ['serve']): Run {
  const child = spawn(process.execPath, ['bin/facteur.js', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Waits for the `ready` line and returns the printed listeners by name. */
async function ready(r: Run): Promise<Map<string, { address: string; port: number }>> {
  const deadline = Date.now() + 30_000;
  while (!/^ready$/m.test(r.stdout())) {
    if (r.child.exitCode !== null) throw new Error(`server exited ${r.child.exitCode}: ${r.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ready line; stdout: ${r.stdout()} stderr: ${r.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const listeners = new Map<string, { address: string; port: number }>();
  for (const m of r.stdout().matchAll(/^listening (\S+) (\S+):(\d+)$/gm)) listeners.set(m[1], { address: m[2], port: Number(m[3]) });
  return listeners;
}

async function get(url: string): Promise<{ status: number; type: string; body: string; protocol?: string }> {
  const secure = url.startsWith('https:');
  const req = (secure ? httpsRequest : httpRequest)(url, { agent: false, ...(secure ? { rejectUnauthorized: false, servername: 'mail.test.example' } : {}) });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  const protocol = secure ? (res.socket as import('node:tls').TLSSocket).getProtocol() ?? undefined : undefined;
  return { status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, protocol };
}

/** The operator-facing failure: exactly one `facteur:` line, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('facteur: '));
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0];
}

describe('facteur serve', () => {
  it('starts on a fresh data dir, serves /healthz and /metrics over HTTP and HTTPS, stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(tmp(), 'data');
    const r = run(baseEnv(dataDir));
    const listeners = await ready(r);

    expect([...listeners.keys()]).toEqual(expect.arrayContaining(['http', 'https']));
    for (const l of listeners.values()) {
      expect(l.address).toBe('127.0.0.1');
      expect(l.port).toBeGreaterThan(0);
    }
    // First start made the data folder, the database and a certificate for the host name.
    expect(existsSync(path.join(dataDir, 'facteur.db'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'tls', 'cert.pem'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'tls', 'key.pem'))).toBe(true);

    const http = `http://127.0.0.1:${listeners.get('http')!.port}`;
    const https = `https://127.0.0.1:${listeners.get('https')!.port}`;
    const health = await get(`${http}/healthz`);
    expect(health).toMatchObject({ status: 200, type: 'application/json' });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    const secureHealth = await get(`${https}/healthz`);
    expect(secureHealth.status).toBe(200);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(secureHealth.protocol);

    const metrics = await get(`${https}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics.body).toMatch(/^facteur_http_requests_total\{route="healthz",method="GET",code="200"\} 2$/m);

    // Logs are JSON lines on stderr; stdout holds only the listening lines and `ready`.
    for (const line of r.stderr().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(r.stdout().trim().split('\n').every((l) => /^(listening \S+ \S+:\d+|ready)$/.test(l))).toBe(true);

    r.child.kill('SIGTERM');
    expect(await r.exit).toEqual({ code: 0, signal: null });
    expect(r.stderr()).toContain('"msg":"stopped"');
    await expect(get(`${http}/healthz`)).rejects.toThrow(/ECONNREFUSED/);

    // A second start reuses the same certificate and database.
    const again = run(baseEnv(dataDir));
    await ready(again);
    again.child.kill('SIGINT');
    expect((await again.exit).code).toBe(0);
  });

  it('stops with one line and a non-zero status when a port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = run({ ...baseEnv(path.join(tmp(), 'data')), FACTEUR_HTTP_PORT: String(port) });
      const { code } = await r.exit;
      expect(code).not.toBe(0);
      expect(oneLine(r.stderr())).toBe(`facteur: cannot listen on 127.0.0.1:${port} (http): address already in use`);
    } finally {
      blocker.close();
    }
  });

  it('stops with one line when the data dir cannot be used', async () => {
    const notADir = path.join(tmp(), 'file');
    writeFileSync(notADir, 'not a folder');
    const r = run(baseEnv(notADir));
    const { code } = await r.exit;
    expect(code).not.toBe(0);
    expect(oneLine(r.stderr())).toBe(`facteur: cannot use data directory ${notADir}: not a directory`);
  });

  it('stops with one line when the certificate file is bad', async () => {
    const dir = tmp();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    writeFileSync(cert, 'not a certificate\n');
    writeFileSync(key, 'not a key\n');
    const r = run({ ...baseEnv(path.join(dir, 'data')), FACTEUR_TLS_CERT: cert, FACTEUR_TLS_KEY: key });
    const { code } = await r.exit;
    expect(code).not.toBe(0);
    expect(oneLine(r.stderr())).toBe(`facteur: TLS certificate ${cert} is not a PEM certificate: no "BEGIN CERTIFICATE" block`);
  });

  it('reports every configuration error at once with exit status 2', async () => {
    const r = run({ ...baseEnv(path.join(tmp(), 'data')), FACTEUR_HTTP_PORT: 'eighty', FACTEUR_STORAGE_BACKEND: 'postgres' });
    expect((await r.exit).code).toBe(2);
    expect(r.stderr().trim().split('\n')).toEqual([
      'facteur: http.port: expected a port number from 0 to 65535, got "eighty" (env FACTEUR_HTTP_PORT)',
      'facteur: storage.backend: expected one of sqlite, mongodb, got "postgres" (env FACTEUR_STORAGE_BACKEND)',
    ]);
    expect(r.stdout()).toBe('');
  });
});

describe('facteur config', () => {
  it('check says OK for a good configuration and lists every error of a bad one', async () => {
    const dir = tmp();
    const good = run(baseEnv(path.join(dir, 'data')), ['config', 'check']);
    expect((await good.exit).code).toBe(0);
    expect(good.stdout()).toBe('configuration OK\n');

    const file = path.join(dir, 'facteur.json');
    writeFileSync(file, JSON.stringify({ smtp: { port: 70000, maxMessageBytes: '10 parsecs' } }));
    const bad = run(baseEnv(path.join(dir, 'data')), ['--config', file, 'config', 'check', '--imap-port', 'x']);
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr().trim().split('\n').sort()).toEqual([
      `facteur: imap.port: expected a port number from 0 to 65535, got "x" (flag --imap-port)`,
      `facteur: smtp.maxMessageBytes: expected a size in bytes such as 1048576, 512K, 50M or 1G, got "10 parsecs" (file ${file})`,
      `facteur: smtp.port: expected a port number from 0 to 65535, got 70000 (file ${file})`,
    ]);
  });

  it('show prints the effective values with their source, secrets masked', async () => {
    const env = { ...baseEnv(tmp()), FACTEUR_STORAGE_BACKEND: 'mongodb', FACTEUR_STORAGE_MONGODB_URI: 'mongodb://facteur:hunter2@db/facteur' };
    const r = run(env, ['config', 'show', '--http-port', '8081']);
    expect((await r.exit).code).toBe(0);
    expect(r.stdout()).not.toContain('hunter2');
    expect(r.stdout()).toMatch(/^storage\.mongodbUri +"mongodb:\/\/facteur:\*\*\*@db\/facteur" +env FACTEUR_STORAGE_MONGODB_URI$/m);
    expect(r.stdout()).toMatch(/^http\.port +8081 +flag --http-port$/m);
    expect(r.stdout()).toMatch(/^log\.level +"info" +default$/m);
  });
});

// ACME against Debian's `pebble` (a test CA speaking RFC 8555) on 127.0.0.1, with
// `pebble-challtestsrv` as its DNS (every name -> 127.0.0.1): the server starts on its
// self-signed certificate, answers the real http-01 challenge on its HTTP port, then serves the
// CA's certificate on HTTPS without a restart; a restart keeps it; renewal orders a new one when
// fewer than acme.renewDays are left. Also: configured certificate files are reloaded when
// they change (tls.watch), as on SIGHUP.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import * as acme from 'acme-client';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.js';
import { AcmeManager, acmeDomains } from '../core/acme/index.js';
import { createLogger } from '../core/log.js';
import { startTestServer, type TestServer } from './server-harness.js';

const DOMAIN = 'mail.ecole.test';
const children: ChildProcess[] = [];
let work: string;
let httpPort: number;
let directoryUrl: string;
let dataDir: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function waitFor<T>(check: () => T | Promise<T>, what: string, ms = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function servedCertificate(port: number): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: DOMAIN, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    }).on('error', reject);
  });
}

const fingerprintOf = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

function run(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => { output += c; });
  child.stderr!.on('data', (c) => { output += c; });
  child.on('exit', (code) => { if (code && process.env.ACME_DEBUG) console.log(`${cmd} exited ${code}: ${output}`); });
  children.push(child);
  return child;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'facteur-acme-'));
  dataDir = path.join(work, 'data');
  const [acmePort, mgmtPort, dnsPort, tlsPort, chMgmtPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  httpPort = await freePort();
  // Pebble's own HTTPS certificate; trusted by the ACME client in this test only.
  const pebbleTls = await generate([{ name: 'commonName', value: 'pebble' }], {
    keySize: 2048, algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(path.join(work, 'pebble-cert.pem'), pebbleTls.cert);
  writeFileSync(path.join(work, 'pebble-key.pem'), pebbleTls.private);
  writeFileSync(path.join(work, 'pebble.json'), JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`, managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: path.join(work, 'pebble-cert.pem'), privateKey: path.join(work, 'pebble-key.pem'),
      // The CA validates http-01 on our HTTP port (port 80 in production).
      httpPort, tlsPort, ocspResponderURL: '', externalAccountBindingRequired: false,
    },
  }));
  run('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${chMgmtPort}`]);
  run('pebble', ['-config', path.join(work, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`],
    { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: pebbleTls.cert });
  directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  await waitFor(async () => (await acme.axios.get(directoryUrl)).status === 200, 'pebble');
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill();
  rmSync(work, { recursive: true, force: true });
});

function acmeServer(): Promise<TestServer> {
  return startTestServer({
    name: 'acme', hostname: DOMAIN,
    env: {
      FACTEUR_DATA_DIR: dataDir, FACTEUR_HTTP_PORT: String(httpPort), FACTEUR_OUTBOUND_ENABLED: 'false',
      FACTEUR_ACME_ENABLED: 'true', FACTEUR_ACME_ACCEPT_TERMS: 'true', FACTEUR_ACME_DIRECTORY_URL: directoryUrl,
      FACTEUR_ACME_EMAIL: 'postmaster@ecole.test', FACTEUR_ACME_DOMAINS: DOMAIN,
    },
  });
}

describe('ACME with pebble', () => {
  it('starts self-signed, passes http-01 on the HTTP port, then serves the CA\'s certificate', async () => {
    const t = await acmeServer();
    try {
      await waitFor(() => t.logs().includes('TLS certificate reloaded'), 'the ACME certificate')
        .catch((err) => { throw new Error(`${err.message}: ${t.logs().split('\n').filter((l) => /acme|TLS/i.test(l)).join('\n')}`); });
      const certFile = path.join(dataDir, 'acme', 'cert.pem');
      const served = await servedCertificate(t.port('https'));
      expect(served.fingerprint256).toBe(fingerprintOf(certFile));
      expect(served.issuer.CN).toMatch(/Pebble/i);
      expect(served.subjectaltname).toContain(`DNS:${DOMAIN}`);
      // IMAPS and SMTP listeners got it too.
      expect((await servedCertificate(t.port('imaps'))).fingerprint256).toBe(served.fingerprint256);
      expect(t.logs()).toContain('ACME: certificate obtained');
      // No challenge is left answering, and an unknown token is a 404.
      const r = await fetch(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/nothing-here`);
      expect(r.status).toBe(404);
      expect(existsSync(path.join(dataDir, 'acme', 'account.key'))).toBe(true);
    } finally {
      await t.stop().catch(() => undefined);
    }
  }, 60_000);

  it('keeps the stored certificate across a restart, and renews it when few days are left', async () => {
    // stop() removed the harness's temp folder but not our data dir.
    const certFile = path.join(dataDir, 'acme', 'cert.pem');
    const before = fingerprintOf(certFile);
    const t = await acmeServer();
    try {
      expect((await servedCertificate(t.port('https'))).fingerprint256).toBe(before);
      await new Promise((r) => setTimeout(r, 300));
      expect(t.logs()).not.toContain('ordering a certificate');
    } finally {
      await t.stop().catch(() => undefined);
    }

    // Twenty days before the end: the daily check orders a new one.
    const validTo = new Date(new X509Certificate(readFileSync(certFile)).validTo).getTime();
    const installed: string[] = [];
    const manager = new AcmeManager({
      directoryUrl, email: null, domains: [DOMAIN], dataDir, renewDays: 30,
      log: createLogger({ level: process.env.ACME_DEBUG ? 'debug' : 'silent' }), now: () => validTo - 20 * 86_400_000,
      onCertificate: async (files) => { installed.push(fingerprintOf(files.cert)); },
    });
    expect(manager.renewalReason()).toBe('20 days left');
    const challenges = http.createServer((req, res) => void manager.route().handle(req, res));
    await new Promise<void>((r) => challenges.listen(httpPort, '127.0.0.1', r));
    try {
      expect(await manager.checkNow()).toBe(true);
    } finally {
      await new Promise((r) => challenges.close(r));
    }
    expect(installed).toEqual([fingerprintOf(certFile)]);
    expect(installed[0]).not.toBe(before);
    // With the real clock the new one is far from its end: nothing to do.
    const now = new AcmeManager({ directoryUrl, email: null, domains: [DOMAIN], dataDir, renewDays: 30, log: createLogger({ level: 'silent' }), onCertificate: async () => undefined });
    expect(now.renewalReason()).toBeNull();
    expect(new AcmeManager({ directoryUrl, email: null, domains: [DOMAIN, 'other.ecole.test'], dataDir, renewDays: 30, log: createLogger({ level: 'silent' }), onCertificate: async () => undefined })
      .renewalReason()).toBe('does not cover other.ecole.test');
  }, 60_000);
});

describe('ACME configuration', () => {
  const issues = (env: Record<string, string>) => {
    try {
      loadConfig({ env });
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.issues.map((i) => i.message);
    }
  };

  it('needs the terms accepted, and not a configured certificate besides', () => {
    expect(issues({ FACTEUR_ACME_ENABLED: 'true' })).toEqual([expect.stringContaining('acme.acceptTerms')]);
    expect(issues({ FACTEUR_ACME_ENABLED: 'true', FACTEUR_ACME_ACCEPT_TERMS: 'true', FACTEUR_TLS_CERT: '/c.pem', FACTEUR_TLS_KEY: '/k.pem' }))
      .toEqual([expect.stringContaining('choose one')]);
    expect(issues({ FACTEUR_ACME_ENABLED: 'true', FACTEUR_ACME_ACCEPT_TERMS: 'true' })).toEqual([]);
    expect(acmeDomains(null, 'mail.ecole.test')).toEqual(['mail.ecole.test']);
    expect(acmeDomains(' Mail.ecole.test, autoconfig.ecole.test,,mail.ecole.test', 'x')).toEqual(['mail.ecole.test', 'autoconfig.ecole.test']);
  });
});

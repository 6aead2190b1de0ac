import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from './service.js';
import { loadTls, readTlsPair } from './tls.js';

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-tls-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const DAY = 86_400_000;

function startupMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StartupError);
    return (err as Error).message;
  }
  throw new Error('expected a StartupError');
}

describe('loadTls', () => {
  it('makes a self-signed certificate for the host name on first start, then keeps it', async () => {
    const dataDir = tmp();
    const first = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'mail.example.org' });
    expect(first.selfSigned).toBe(true);
    expect(first.certFile).toBe(path.join(dataDir, 'tls', 'cert.pem'));
    expect(first.warnings).toEqual([]);
    const x509 = new X509Certificate(readFileSync(first.certFile));
    expect(x509.checkHost('mail.example.org')).toBe('mail.example.org');
    expect(x509.checkHost('other.example.org')).toBeUndefined();
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    // Valid well beyond a year, but within what Apple clients accept (825 days).
    const days = (first.validTo.getTime() - Date.now()) / DAY;
    expect(days).toBeGreaterThan(700);
    expect(days).toBeLessThan(825);

    const again = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'mail.example.org' });
    expect(again.fingerprint256).toBe(first.fingerprint256);
    expect(again.selfSigned).toBe(true);
  });

  it('makes a new self-signed certificate when the host name changes or expiry is near', async () => {
    const dataDir = tmp();
    const first = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'a.example.org' });
    const renamed = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'b.example.org' });
    expect(renamed.fingerprint256).not.toBe(first.fingerprint256);
    expect(renamed.altNames).toBe('DNS:b.example.org');
    const later = new Date(renamed.validTo.getTime() - 10 * DAY);
    const renewed = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'b.example.org', now: later });
    expect(renewed.fingerprint256).not.toBe(renamed.fingerprint256);
  });

  it('replaces a damaged self-signed pair', async () => {
    const dataDir = tmp();
    const first = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'localhost' });
    expect(first.altNames).toContain('IP Address:127.0.0.1');
    writeFileSync(first.keyFile, 'garbage');
    const again = await loadTls({ certFile: null, keyFile: null, dataDir, hostname: 'localhost' });
    expect(again.fingerprint256).not.toBe(first.fingerprint256);
  });

  it('uses the configured pair as given', async () => {
    const own = await loadTls({ certFile: null, keyFile: null, dataDir: tmp(), hostname: 'mail.example.org' });
    const used = await loadTls({ certFile: own.certFile, keyFile: own.keyFile, dataDir: tmp(), hostname: 'mail.example.org' });
    expect(used.selfSigned).toBe(false);
    expect(used.fingerprint256).toBe(own.fingerprint256);
  });
});

describe('readTlsPair', () => {
  it('names the file and the cause when the pair cannot serve', async () => {
    const dir = tmp();
    const a = await loadTls({ certFile: null, keyFile: null, dataDir: path.join(dir, 'a'), hostname: 'a.example.org' });
    const b = await loadTls({ certFile: null, keyFile: null, dataDir: path.join(dir, 'b'), hostname: 'a.example.org' });
    const garbage = path.join(dir, 'garbage.pem');
    writeFileSync(garbage, 'this is not a certificate\n');
    const broken = path.join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');

    expect(startupMessage(() => readTlsPair(path.join(dir, 'none.pem'), a.keyFile, 'a.example.org')))
      .toBe(`cannot read TLS certificate ${path.join(dir, 'none.pem')}: no such file or directory`);
    expect(startupMessage(() => readTlsPair(garbage, a.keyFile, 'a.example.org')))
      .toBe(`TLS certificate ${garbage} is not a PEM certificate: no "BEGIN CERTIFICATE" block`);
    expect(startupMessage(() => readTlsPair(broken, a.keyFile, 'a.example.org')))
      .toMatch(new RegExp(`^TLS certificate ${broken} is not a PEM certificate: .+`));
    expect(startupMessage(() => readTlsPair(a.certFile, garbage, 'a.example.org')))
      .toMatch(new RegExp(`^TLS key ${garbage} is not a usable PEM private key: .+`));
    expect(startupMessage(() => readTlsPair(a.certFile, b.keyFile, 'a.example.org')))
      .toBe(`TLS key ${b.keyFile} does not match the certificate ${a.certFile}`);
    expect(startupMessage(() => readTlsPair(a.certFile, dir, 'a.example.org'))).toBe(`cannot read TLS key ${dir}: is a directory`);
  });

  it('warns, without failing, about an expired certificate or one for another host', async () => {
    const own = await loadTls({ certFile: null, keyFile: null, dataDir: tmp(), hostname: 'a.example.org' });
    const pair = readTlsPair(own.certFile, own.keyFile, 'b.example.org', new Date(Date.now() + 1000 * DAY));
    expect(pair.warnings).toEqual([
      expect.stringMatching(/^TLS certificate .* expired on /),
      `TLS certificate ${own.certFile} does not name the host b.example.org (it names DNS:a.example.org)`,
    ]);
  });
});

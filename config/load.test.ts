import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, maskedConfig, effectiveOptions, optionHelp, schema, type ConfigIssue } from './index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: unknown): string {
  const f = path.join(dir, `c${n++}.json`);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults with no file, env or flag', () => {
    const { config, sources } = loadConfig();
    expect(config.data.dir).toBe('./data');
    expect(config.listen).toBe('127.0.0.1');
    expect(config.http.port).toBe(8080);
    expect(config.https.port).toBe(8443);
    expect(config.smtp.port).toBe(2525);
    expect(config.submission.port).toBe(2587);
    expect(config.submissions.port).toBe(2465);
    expect(config.imap.port).toBe(2143);
    expect(config.imaps.port).toBe(2993);
    expect(config.storage.backend).toBe('sqlite');
    expect(config.storage.mongodbUri).toBeNull();
    expect(config.storage.blobGcGraceSeconds).toBe(900);
    expect(config.tls.cert).toBeNull();
    expect(config.log.level).toBe('info');
    expect(config.auth).toEqual({ argon2MemoryKib: 7168, argon2Iterations: 5, argon2Parallelism: 1, lockIpAfter: 50, lockAccountAfter: 20 });
    expect(config.outbound.port).toBe(25);
    expect(config.outbound.enabled).toBe(true);
    expect(config.outbound.queueLifetimeHours).toBe(120);
    expect(config.dns.zoneFile).toBeNull();
    expect(config.smtp.maxMessageBytes).toBe(50 * 1024 * 1024);
    expect(config.hostname).toMatch(/^[a-z0-9.-]+$/);
    expect(sources['http.port']).toEqual({ kind: 'default' });
  });

  it('reads the documented env names', () => {
    const { config } = loadConfig({
      env: {
        FACTEUR_DATA_DIR: '/srv/facteur', FACTEUR_HOSTNAME: 'Mail.Example.org', FACTEUR_LISTEN: '0.0.0.0',
        FACTEUR_HTTP_PORT: '80', FACTEUR_HTTPS_PORT: '443', FACTEUR_SMTP_PORT: '25', FACTEUR_SUBMISSION_PORT: '587',
        FACTEUR_SUBMISSIONS_PORT: '465', FACTEUR_IMAP_PORT: '143', FACTEUR_IMAPS_PORT: '993',
        FACTEUR_STORAGE_BACKEND: 'mongodb', FACTEUR_STORAGE_MONGODB_URI: 'mongodb://u:p@db/facteur',
        FACTEUR_TLS_CERT: '/etc/cert.pem', FACTEUR_TLS_KEY: '/etc/key.pem', FACTEUR_LOG_LEVEL: 'debug',
        FACTEUR_SMTP_MAX_MESSAGE_BYTES: '10M', FACTEUR_AUTH_ARGON2_MEMORY_KIB: '19456',
        FACTEUR_STORAGE_BLOB_GC_GRACE_SECONDS: '3600',
      },
    });
    expect(config.data.dir).toBe('/srv/facteur');
    expect(config.hostname).toBe('mail.example.org');
    expect(config.listen).toBe('0.0.0.0');
    expect([config.http.port, config.https.port, config.smtp.port, config.submission.port,
      config.submissions.port, config.imap.port, config.imaps.port]).toEqual([80, 443, 25, 587, 465, 143, 993]);
    expect(config.storage).toEqual({ backend: 'mongodb', mongodbUri: 'mongodb://u:p@db/facteur', blobGcGraceSeconds: 3600 });
    expect(config.tls).toEqual({ cert: '/etc/cert.pem', key: '/etc/key.pem', watch: true });
    expect(config.log.level).toBe('debug');
    expect(config.smtp.maxMessageBytes).toBe(10 * 1024 * 1024);
    expect(config.auth.argon2MemoryKib).toBe(19456);
  });

  it('layers defaults <- file <- env <- flags and records where each value came from', () => {
    const f = file({ http: { port: 1001 }, https: { port: 1002 }, smtp: { port: 1003 }, 'imap.port': 1004 });
    const { config, sources } = loadConfig({
      file: f,
      env: { FACTEUR_HTTPS_PORT: '2002', FACTEUR_SMTP_PORT: '2003' },
      flags: { 'smtp.port': '3003' },
    });
    expect(config.http.port).toBe(1001);
    expect(config.https.port).toBe(2002);
    expect(config.smtp.port).toBe(3003);
    expect(config.imap.port).toBe(1004);
    expect(config.imaps.port).toBe(2993);
    expect(sources['http.port']).toEqual({ kind: 'file', file: f });
    expect(sources['https.port']).toEqual({ kind: 'env', name: 'FACTEUR_HTTPS_PORT' });
    expect(sources['smtp.port']).toEqual({ kind: 'flag', name: '--smtp-port' });
  });

  it('takes the config file from FACTEUR_CONFIG when no file is given', () => {
    const f = file({ log: { level: 'warn' } });
    expect(loadConfig({ env: { FACTEUR_CONFIG: f } }).config.log.level).toBe('warn');
  });

  it('treats an empty env variable as unset', () => {
    expect(loadConfig({ env: { FACTEUR_HTTP_PORT: '' } }).config.http.port).toBe(8080);
  });

  it('returns a deeply frozen object', () => {
    const { config } = loadConfig();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => { (config.http as { port: number }).port = 1; }).toThrow(TypeError);
    expect(config.http.port).toBe(8080);
  });

  it('reports every error at once, each with its key and source', () => {
    const f = file({ http: { port: 'eighty' }, storage: { backend: 'postgres' }, htpp: { port: 1 } });
    const issues = issuesOf(() => loadConfig({
      file: f,
      env: { FACTEUR_SMTP_PORT: '70000', FACTEUR_SMTP_MAX_MESSAGE_BYTES: 'lots', FACTEUR_LISTEN: 'everywhere' },
      flags: { 'imap.port': '-1', 'log.level': 'loud' },
    }));
    const byKey = Object.fromEntries(issues.map((i) => [i.key, i]));
    expect(Object.keys(byKey).sort()).toEqual(
      ['htpp.port', 'http.port', 'imap.port', 'listen', 'log.level', 'smtp.maxMessageBytes', 'smtp.port', 'storage.backend']);
    expect(byKey['http.port'].source).toEqual({ kind: 'file', file: f });
    expect(byKey['htpp.port'].message).toBe('unknown option (did you mean http.port?)');
    expect(byKey['storage.backend'].message).toContain('expected one of sqlite, mongodb, got "postgres"');
    expect(byKey['smtp.port'].source).toEqual({ kind: 'env', name: 'FACTEUR_SMTP_PORT' });
    expect(byKey['smtp.port'].message).toContain('65535');
    expect(byKey['imap.port'].source).toEqual({ kind: 'flag', name: '--imap-port' });
    const err = (() => { try { loadConfig({ env: { FACTEUR_SMTP_PORT: '70000' } }); } catch (e) { return e as Error; } })();
    expect(err?.message).toBe('smtp.port: expected a port number from 0 to 65535, got 70000 (env FACTEUR_SMTP_PORT)');
  });

  it('validates an overridden layer too', () => {
    const issues = issuesOf(() => loadConfig({ env: { FACTEUR_HTTP_PORT: 'x' }, flags: { 'http.port': '81' } }));
    expect(issues).toEqual([{ key: 'http.port', source: { kind: 'env', name: 'FACTEUR_HTTP_PORT' }, message: expect.stringContaining('"x"') }]);
  });

  it.each([
    ['FACTEUR_HTTP_PORT', '8080.5'], ['FACTEUR_HTTP_PORT', '65536'], ['FACTEUR_HTTP_PORT', '0x50'],
    ['FACTEUR_STORAGE_BACKEND', 'SQLite'], ['FACTEUR_SMTP_MAX_MESSAGE_BYTES', '12.5'],
    ['FACTEUR_SMTP_MAX_MESSAGE_BYTES', '3G'], ['FACTEUR_SMTP_MAX_MESSAGE_BYTES', '10'], ['FACTEUR_SMTP_MAX_MESSAGE_BYTES', '-5M'],
    ['FACTEUR_HOSTNAME', 'mail_server'], ['FACTEUR_HOSTNAME', '-bad.example'], ['FACTEUR_AUTH_ARGON2_ITERATIONS', '0'],
    ['FACTEUR_STORAGE_BLOB_GC_GRACE_SECONDS', '5'], ['FACTEUR_LISTEN', '256.1.1.1'],
  ])('rejects %s=%s', (name, value) => {
    const issues = issuesOf(() => loadConfig({ env: { [name]: value } }));
    expect(issues).toHaveLength(1);
    expect(issues[0].source).toEqual({ kind: 'env', name });
  });

  it.each([
    ['1048576', 1048576], ['512K', 512 * 1024], ['50M', 50 * 1024 ** 2], ['50MiB', 50 * 1024 ** 2],
    ['50mb', 50 * 1024 ** 2], ['1.5G', 1.5 * 1024 ** 3], ['2048B', 2048],
  ])('reads the size %s', (raw, bytes) => {
    expect(loadConfig({ env: { FACTEUR_SMTP_MAX_MESSAGE_BYTES: raw } }).config.smtp.maxMessageBytes).toBe(bytes);
  });

  it('rejects wrong JSON types in the file', () => {
    const f = file({ http: { port: true }, tls: { cert: 5 }, data: { dir: '' } });
    expect(issuesOf(() => loadConfig({ file: f })).map((i) => i.key).sort()).toEqual(['data.dir', 'http.port', 'tls.cert']);
  });

  it('reports an unreadable, malformed or non-object file as one issue about the file', () => {
    for (const [f, text] of [
      [path.join(dir, 'missing.json'), 'cannot read config file: no such file'],
      [file('{"http": '), 'config file is not valid JSON'],
      [file('[1, 2]'), 'config file must hold a JSON object'],
    ]) {
      const issues = issuesOf(() => loadConfig({ file: f }));
      expect(issues).toEqual([{ key: null, source: { kind: 'file', file: f }, message: expect.stringContaining(text) }]);
    }
  });

  it('checks rules spanning several options', () => {
    const tls = issuesOf(() => loadConfig({ env: { FACTEUR_TLS_CERT: '/etc/cert.pem' } }));
    expect(tls).toEqual([{ key: 'tls.cert', source: { kind: 'env', name: 'FACTEUR_TLS_CERT' }, message: expect.stringContaining('set both tls.cert and tls.key') }]);
    const mongo = issuesOf(() => loadConfig({ flags: { 'storage.backend': 'mongodb' } }));
    expect(mongo[0].message).toBe('storage.mongodbUri is required when storage.backend is mongodb');
    const ports = issuesOf(() => loadConfig({ env: { FACTEUR_IMAP_PORT: '8080' } }));
    expect(ports[0].message).toBe('http.port and imap.port are both 8080; every listener needs its own port');
    // Port 0 means "any free port": several listeners may ask for it.
    expect(loadConfig({ env: { FACTEUR_HTTP_PORT: '0', FACTEUR_IMAP_PORT: '0' } }).config.imap.port).toBe(0);
  });

  it('warns about unknown FACTEUR_ variables without failing', () => {
    const { warnings } = loadConfig({ env: { FACTEUR_HTTP_PROT: '1', PATH: '/bin' } });
    expect(warnings).toEqual(['unknown environment variable FACTEUR_HTTP_PROT is ignored (did you mean FACTEUR_HTTP_PORT?)']);
  });
});

describe('describing the configuration', () => {
  it('masks the password of the MongoDB URI wherever the config is shown', () => {
    const loaded = loadConfig({ env: { FACTEUR_STORAGE_BACKEND: 'mongodb', FACTEUR_STORAGE_MONGODB_URI: 'mongodb://admin:s3cret@db:27017/x' } });
    const shown = JSON.stringify([maskedConfig(loaded), effectiveOptions(loaded)]);
    expect(shown).not.toContain('s3cret');
    expect(shown).toContain('mongodb://admin:***@db:27017/x');
    expect(loaded.config.storage.mongodbUri).toBe('mongodb://admin:s3cret@db:27017/x');
  });

  it('gives a masked config that loads back as a config file', () => {
    const loaded = loadConfig({ env: { FACTEUR_HTTP_PORT: '1234' } });
    const again = loadConfig({ file: file(maskedConfig(loaded)) });
    expect(again.config).toEqual(loaded.config);
  });

  it('documents every option with its env name, flag and default', () => {
    const help = optionHelp();
    expect(help.map((h) => h.key)).toEqual(Object.keys(schema));
    expect(help.find((h) => h.key === 'storage.mongodbUri')).toMatchObject({ env: 'FACTEUR_STORAGE_MONGODB_URI', flag: '--storage-mongodb-uri', default: '(unset)' });
    expect(help.find((h) => h.key === 'data.dir')).toMatchObject({ env: 'FACTEUR_DATA_DIR', default: '"./data"' });
    for (const h of help) expect(h.help.length).toBeGreaterThan(10);
  });
});

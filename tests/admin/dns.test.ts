// `facteur dns DOMAIN` prints every record the domain needs, from the configuration and the
// stored DKIM keys.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facteur } from './cli.js';

let dir: string;
let dataDir: string;
const env = { FACTEUR_HOSTNAME: 'mail.ecole.example', FACTEUR_ADVERTISE_IMAPS_PORT: '993', FACTEUR_ADVERTISE_SUBMISSIONS_PORT: '465', FACTEUR_HTTPS_PORT: '443' };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-dns-'));
  dataDir = path.join(dir, 'data');
  expect((await facteur(dataDir, ['domain', 'add', 'ecole.example'], env)).code).toBe(0);
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The zone lines as [name, type, data] (comments dropped). */
function records(zone: string): [string, string, string][] {
  return zone.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => {
    const m = /^(\S+)\s+3600 IN (\S+)\s+(.*?)(?:\s+;.*)?$/.exec(l);
    if (!m) throw new Error(`not a zone line: ${l}`);
    return [m[1], m[2], m[3]];
  });
}

describe('facteur dns', () => {
  it('prints MX, SPF, DMARC, MTA-STS, autoconfig and SRV records, and says when DKIM is missing', async () => {
    const run = await facteur(dataDir, ['dns', 'ecole.example'], env);
    expect(run.code, run.stderr).toBe(0);
    const rr = records(run.stdout);
    const has = (name: string, type: string, data: string) => expect(rr, `${name} ${type} ${data}`).toContainEqual([name, type, data]);
    has('ecole.example.', 'MX', '10 mail.ecole.example.');
    has('ecole.example.', 'TXT', '"v=spf1 mx -all"');
    has('_dmarc.ecole.example.', 'TXT', '"v=DMARC1; p=none; rua=mailto:postmaster@ecole.example"');
    has('autoconfig.ecole.example.', 'CNAME', 'mail.ecole.example.');
    has('autodiscover.ecole.example.', 'CNAME', 'mail.ecole.example.');
    has('mta-sts.ecole.example.', 'CNAME', 'mail.ecole.example.');
    has('_submissions._tcp.ecole.example.', 'SRV', '0 1 465 mail.ecole.example.');
    has('_submission._tcp.ecole.example.', 'SRV', '10 1 2587 mail.ecole.example.');
    has('_imaps._tcp.ecole.example.', 'SRV', '0 1 993 mail.ecole.example.');
    has('_imap._tcp.ecole.example.', 'SRV', '10 1 2143 mail.ecole.example.');
    has('_caldavs._tcp.ecole.example.', 'SRV', '0 1 443 mail.ecole.example.');
    has('_carddavs._tcp.ecole.example.', 'SRV', '0 1 443 mail.ecole.example.');
    has('_caldavs._tcp.ecole.example.', 'TXT', '"path=/dav/"');
    expect(rr.find(([n]) => n === '_mta-sts.ecole.example.')?.[2]).toMatch(/^"v=STSv1; id=[A-Za-z0-9]{1,32}"$/);
    expect(run.stdout).toContain('mode: testing');
    expect(run.stdout).toContain('mx: mail.ecole.example');
    expect(run.stdout).toContain('facteur dkim generate ecole.example');
    expect(rr.some(([n]) => n.includes('_domainkey'))).toBe(false);
  });

  it('includes each stored DKIM key, split into 255-octet strings', async () => {
    const gen = await facteur(dataDir, ['dkim', 'generate', 'ecole.example', '--selector', 's2025', '--json'], env);
    expect(gen.code, gen.stderr).toBe(0);
    const value = (JSON.parse(gen.stdout) as { value: string }).value;
    const run = await facteur(dataDir, ['dns', 'ecole.example'], env);
    const dkim = records(run.stdout).find(([n]) => n === 's2025._domainkey.ecole.example.');
    expect(dkim?.[1]).toBe('TXT');
    const strings = [...dkim![2].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(strings.every((s) => s.length <= 255)).toBe(true);
    expect(strings.join('')).toBe(value);
    expect(run.stdout).not.toContain('facteur dkim generate');
  });

  it('refuses a domain the server does not serve, with status 2', async () => {
    const run = await facteur(dataDir, ['dns', 'elsewhere.example'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown domain elsewhere\.example/);
  });
});

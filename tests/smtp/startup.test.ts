// The SMTP wiring in server.ts: a zone file that cannot be used stops the start with one line
// naming the file (and the line), before anything is opened.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../core/log.js';
import { StartupError } from '../../core/service.js';
import { startServer } from '../../server.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'facteur-smtp-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(zoneFile: string) {
  const env: Record<string, string> = { FACTEUR_DATA_DIR: path.join(dir, 'data'), FACTEUR_HOSTNAME: 'mx.facteur.test', FACTEUR_DNS_ZONEFILE: zoneFile };
  for (const key of ['HTTP', 'HTTPS', 'SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS']) env[`FACTEUR_${key}_PORT`] = '0';
  return startServer(loadConfig({ env }).config, { log: createLogger({ level: 'silent' }), print: () => undefined });
}

describe('SMTP wiring', () => {
  it('refuses to start on a malformed zone file, naming the file and line, leaving no store open', async () => {
    const zone = path.join(dir, 'bad.zone');
    writeFileSync(zone, 'ok.example TXT "v=spf1 -all"\nbroken.example BOGUS data\n');
    const err = await start(zone).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot use the DNS zone file ${zone.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*bad\\.zone:2: `));
    expect(existsSync(path.join(dir, 'data', 'facteur.db'))).toBe(false);
  });

  it('says so when the zone file is missing', async () => {
    await expect(start(path.join(dir, 'missing.zone'))).rejects.toThrow(/^cannot use the DNS zone file .*missing\.zone: no such file or directory$/);
  });

  it('starts the three SMTP listeners', async () => {
    const zone = path.join(dir, 'good.zone');
    writeFileSync(zone, '');
    const server = await start(zone);
    try {
      expect(server.listeners.map((l) => l.name)).toEqual(expect.arrayContaining(['smtp', 'submission', 'submissions']));
    } finally {
      await server.stop();
    }
  });
});

// Real clients against the server over plain HTTP on 127.0.0.1: Debian's python3-caldav and
// vdirsyncer (calendar and address book synced both ways), and tsdav from npm.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ics, PASSWORD, startDav, vcard, type DavHarness } from './harness.js';

const run = promisify(execFile);
let h: DavHarness;

beforeAll(async () => { h = await startDav(); });
afterAll(async () => { await h?.stop(); });

describe('python3-caldav', () => {
  test('discovery, calendars, events with recurrence, to-dos, sync token', async () => {
    const user = await h.user('pyuser');
    const script = path.join(import.meta.dirname, 'clients', 'caldav_client.py');
    const { stdout } = await run('/usr/bin/python3', [script, `${h.base}/dav/`, user, PASSWORD], { timeout: 60_000 });
    expect(stdout).toContain('ok expand 4');
    expect(stdout.trim().split('\n').at(-1)).toBe('ok done');
  });
});

describe('vdirsyncer', () => {
  test('a calendar and an address book synced both ways', async () => {
    const user = await h.user('vdir');
    const dir = path.join(h.t.dir, 'vdirsyncer');
    mkdirSync(path.join(dir, 'status'), { recursive: true });
    const config = path.join(dir, 'config');
    const storage = (name: string, type: string, ext: string) => `
[storage ${name}_local]
type = "filesystem"
path = "${dir}/${name}/"
fileext = "${ext}"

[storage ${name}_remote]
type = "${type}"
url = "${h.base}/dav/"
username = "${user}"
password = "${PASSWORD}"

[pair ${name}]
a = "${name}_local"
b = "${name}_remote"
collections = ["default"]
conflict_resolution = "b wins"
`;
    writeFileSync(config, `[general]\nstatus_path = "${dir}/status/"\n${storage('cal', 'caldav', '.ics')}${storage('card', 'carddav', '.vcf')}`);
    const vdir = (...args: string[]) => new Promise<string>((resolve, reject) => {
      const child = execFile('vdirsyncer', ['-c', config, ...args], { timeout: 60_000, env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } }, (err, stdout, stderr) => {
        if (err) reject(new Error(`vdirsyncer ${args.join(' ')}: ${stdout}\n${stderr}`));
        else resolve(`${stdout}${stderr}`);
      });
      child.stdin?.end('y\ny\ny\ny\n');
    });

    // Server to local.
    const calUrl = `/dav/calendars/${user}/default/`;
    const bookUrl = `/dav/addressbooks/${user}/default/`;
    expect((await h.request('PUT', `${calUrl}from-server.ics`, { as: user, body: ics('from-server@test'), headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    expect((await h.request('PUT', `${bookUrl}from-server.vcf`, { as: user, body: vcard('card-server@test', 'Server Card', 's@example.org'), headers: { 'content-type': 'text/vcard' } })).status).toBe(201);
    await vdir('discover');
    await vdir('sync');
    const localCal = path.join(dir, 'cal', 'default');
    const localCard = path.join(dir, 'card', 'default');
    const calFiles = () => readdirSync(localCal).map((f) => readFileSync(path.join(localCal, f), 'utf8'));
    const cardFiles = () => readdirSync(localCard).map((f) => readFileSync(path.join(localCard, f), 'utf8'));
    expect(calFiles().some((t) => t.includes('UID:from-server@test'))).toBe(true);
    expect(cardFiles().some((t) => t.includes('FN:Server Card'))).toBe(true);

    // Local to server, then a change made on the server comes back.
    writeFileSync(path.join(localCal, 'from-local.ics'), ics('from-local@test'));
    writeFileSync(path.join(localCard, 'from-local.vcf'), vcard('card-local@test', 'Local Card', 'l@example.org'));
    await vdir('sync');
    const query = (kind: string) => kind === 'cal'
      ? '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>'
      : '<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:prop><cr:address-data/></d:prop></cr:addressbook-query>';
    expect((await h.request('REPORT', calUrl, { as: user, headers: { depth: '1' }, body: query('cal') })).text).toContain('UID:from-local@test');
    expect((await h.request('REPORT', bookUrl, { as: user, headers: { depth: '1' }, body: query('card') })).text).toContain('FN:Local Card');

    expect((await h.request('DELETE', `${calUrl}from-server.ics`, { as: user })).status).toBe(204);
    await vdir('sync');
    expect(calFiles().some((t) => t.includes('UID:from-server@test'))).toBe(false);
    expect(calFiles().some((t) => t.includes('UID:from-local@test'))).toBe(true);
  });
});

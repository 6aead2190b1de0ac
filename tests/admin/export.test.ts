// `facteur user export` on a user with mail, events and contacts: the archive is unpacked with
// tar, the mbox files read back with Python's mailbox module and our mboxrd reader (messages
// byte-exact), the calendar parsed with ical.js, the vCards counted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/mail/index.js';
import { parseMboxrd } from '../../core/export/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { facteur } from './cli.js';

let ts: TestServer;
let work: string;
const inbox: Buffer[] = [];
const archived: Buffer[] = [];

function message(subject: string, body: string): Buffer {
  return Buffer.from(`From: Bob <bob@ailleurs.example>\r\nTo: jeanne@ecole.example\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@test>\r\n`
    + `Date: Tue, 02 Sep 2025 08:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`, 'latin1');
}

const event = (uid: string, summary: string) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VTIMEZONE', 'TZID:Europe/Paris', 'BEGIN:STANDARD', 'DTSTART:19701025T030000',
  'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20250901T080000Z',
  'DTSTART;TZID=Europe/Paris:20250915T090000', 'DTEND;TZID=Europe/Paris:20250915T100000', `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', '',
].join('\r\n');

const card = (uid: string, name: string) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${name}`, `EMAIL:${uid}@ecole.example`, 'END:VCARD', ''].join('\r\n');

beforeAll(async () => {
  ts = await startTestServer({ name: 'export' });
  work = mkdtempSync(path.join(os.tmpdir(), 'facteur-export-out-'));
  await ts.accounts.addDomain('ecole.example');
  const user = await ts.accounts.createUser({ address: 'jeanne@ecole.example', password: TEST_PASSWORD });
  const boxes = await ts.store.mail.listMailboxes(user.id);
  const box = (name: string) => boxes.find((b) => b.name === name)!.id;
  inbox.push(
    message('plain', 'Bonjour, été à l\'école.\r\n'),
    message('from lines', 'From the start of a line\r\n>From already quoted\r\n>>From twice\r\nFromage is fine\r\n From indented\r\n'),
    message('mbox separator lookalike', '\r\nFrom - Tue Sep  2 08:00:00 2025\r\nlast line\r\n'),
  );
  for (const raw of inbox) await appendRawMessage(ts.store, box('INBOX'), raw, { flags: ['\\Seen'], internalDate: new Date('2025-09-02T06:00:00Z') });
  await ts.store.mail.createMailbox(user.id, 'Projets/Année 2025');
  const sub = (await ts.store.mail.findMailbox(user.id, 'Projets/Année 2025'))!.id;
  archived.push(message('archived', 'old news\r\n'));
  await appendRawMessage(ts.store, sub, archived[0], { flags: ['\\Flagged'] });
  const [calendar] = await ts.store.dav.listCollections('user', user.id, 'calendar');
  const [book] = await ts.store.dav.listCollections('user', user.id, 'addressbook');
  for (const [uid, summary] of [['e1', 'Conseil de classe'], ['e2', 'Réunion parents']]) {
    await ts.store.dav.putItem(calendar.id, { name: `${uid}.ics`, uid, data: event(uid, summary), componentType: 'VEVENT', firstStart: null, lastEnd: null });
  }
  for (const [uid, name] of [['paul', 'Paul Durand'], ['lea', 'Léa Petit']]) {
    await ts.store.dav.putItem(book.id, { name: `${uid}.vcf`, uid, data: card(uid, name), componentType: 'VCARD', firstStart: null, lastEnd: null });
  }
}, 30_000);

afterAll(async () => {
  await ts?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('facteur user export', () => {
  it('writes a .tar.gz with every folder as mbox, calendars as .ics and contacts as .vcf', async () => {
    const file = path.join(work, 'jeanne.tar.gz');
    const run = await facteur(ts.dataDir, ['user', 'export', 'Jeanne@ecole.example', '--out', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/4 messages in 7 folders, 2 calendar items, 2 contacts/);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(readdirSync(work)).toEqual(['jeanne.tar.gz']);

    const out = path.join(work, 'x');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    const root = path.join(out, 'jeanne@ecole.example');
    const mbox = (name: string) => readFileSync(path.join(root, 'mail', name));

    // Byte for byte, through the mboxrd quoting.
    expect(parseMboxrd(mbox('INBOX.mbox'))).toEqual(inbox);
    expect(parseMboxrd(mbox('Projets/Année 2025.mbox'))).toEqual(archived);
    expect(parseMboxrd(mbox('Trash.mbox'))).toEqual([]);
    expect(mbox('INBOX.mbox').toString('latin1')).toContain('\n>From the start of a line\r\n>>From already quoted\r\n>>>From twice\r\nFromage is fine\r\n');

    // A standard reader sees the same messages.
    const py = execFileSync('python3', ['-c', `
import mailbox, sys, json
out = []
for m in mailbox.mbox(sys.argv[1]):
    out.append(m['subject'])
print(json.dumps(out))`, path.join(root, 'mail', 'INBOX.mbox')]).toString();
    expect(JSON.parse(py)).toEqual(['plain', 'from lines', 'mbox separator lookalike']);

    const cal = new ICAL.Component(ICAL.parse(readFileSync(path.join(root, 'calendars', 'default.ics'), 'utf8')));
    expect(cal.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('summary')).sort()).toEqual(['Conseil de classe', 'Réunion parents']);
    expect(cal.getAllSubcomponents('vtimezone').length).toBe(1);
    const vcf = readFileSync(path.join(root, 'contacts', 'default.vcf'), 'utf8');
    expect(vcf.match(/^BEGIN:VCARD\r$/gm)?.length).toBe(2);
    expect(vcf).toContain('FN:Léa Petit');

    const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
    expect(manifest.user.address).toBe('jeanne@ecole.example');
    expect(manifest.messages.filter((m: { folder: string }) => m.folder === 'INBOX').map((m: { flags: string[] }) => m.flags)).toEqual([['\\Seen'], ['\\Seen'], ['\\Seen']]);
    expect((await ts.store.audit.query({ action: 'user.export' }))[0]).toMatchObject({ target: 'jeanne@ecole.example', success: true });
  });

  it('refuses an unknown user and leaves no file behind', async () => {
    const file = path.join(work, 'ghost.tar.gz');
    const run = await facteur(ts.dataDir, ['user', 'export', 'ghost@ecole.example', '--out', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no user ghost@ecole\.example/);
    expect(readdirSync(work)).not.toContain('ghost.tar.gz');
    expect(readdirSync(work)).not.toContain('ghost.tar.gz.partial');
  });
});

// Python's imaplib (stdlib) against the server: STARTTLS with another TLS stack, literals both
// ways, and the exact BODYSTRUCTURE/ENVELOPE text of a message with a forwarded message.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startHarness, type Harness } from './harness.js';

let h: Harness;
let user: string;

beforeAll(async () => {
  h = await startHarness();
  user = await h.user('eve');
});
afterAll(() => h?.stop());

const SCRIPT = String.raw`
import imaplib, json, ssl, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {}
m = imaplib.IMAP4('127.0.0.1', port)
out['before'] = sorted(m.capabilities)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m.starttls(ssl_context=ctx)
out['after'] = sorted(m.capabilities)
m.login(user, password)
msg = (b'From: =?ISO-8859-1?Q?Andr=E9?= <andre@ext.test>\r\n'
       b'Subject: Fwd: bulletin\r\n'
       b'MIME-Version: 1.0\r\n'
       b'Content-Type: multipart/mixed; boundary=zz\r\n\r\n'
       b'--zz\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nVoir ci-dessous =E9l=E8ves.\r\n'
       b'--zz\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\nSubject: bulletin\r\n\r\nNotes\r\n'
       b'--zz--\r\n')
typ, data = m.append('INBOX', '(\\Seen)', '"05-Mar-2025 10:00:00 +0000"', msg)
out['append'] = [typ, data[0].decode()]
m.select('INBOX')
typ, data = m.fetch('1', '(BODYSTRUCTURE ENVELOPE INTERNALDATE FLAGS)')
out['fetch'] = data[0].decode() if isinstance(data[0], bytes) else [x.decode() for x in data[0]]
typ, data = m.fetch('1', '(BODY.PEEK[2.HEADER] BODY.PEEK[1]<5.3>)')
out['sections'] = [x.decode('latin-1') if isinstance(x, bytes) else [y.decode('latin-1') for y in x] for x in data]
typ, data = m.search(None, 'FROM', '"andre"', 'SEEN')
out['search'] = data[0].decode()
m.logout()
print(json.dumps(out))
`;

function python(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('IMAP with Python imaplib', () => {
  it('STARTTLS, APPEND with date and flags, FETCH BODYSTRUCTURE/ENVELOPE and sections', async () => {
    const run = await python([String(h.ports.imap), user, PASSWORD]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.out);
    expect(out.before).toContain('STARTTLS');
    expect(out.after).not.toContain('STARTTLS');
    expect(out.append[0]).toBe('OK');
    expect(out.append[1]).toMatch(/^\[APPENDUID \d+ 1\] APPEND completed$/);
    expect(out.fetch).toBe('1 (BODYSTRUCTURE (("text" "plain" ("charset" "iso-8859-1") NIL NIL "quoted-printable" 27 1 NIL NIL NIL NIL)'
      + '("message" "rfc822" NIL NIL NIL "7bit" 39 (NIL "bulletin" ((NIL NIL "x" "y.z")) ((NIL NIL "x" "y.z")) ((NIL NIL "x" "y.z")) NIL NIL NIL NIL NIL) '
      + '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL) "mixed" ("boundary" "zz") NIL NIL NIL) '
      + 'ENVELOPE (NIL "Fwd: bulletin" (("=?ISO-8859-1?Q?Andr=E9?=" NIL "andre" "ext.test")) (("=?ISO-8859-1?Q?Andr=E9?=" NIL "andre" "ext.test")) '
      + '(("=?ISO-8859-1?Q?Andr=E9?=" NIL "andre" "ext.test")) NIL NIL NIL NIL NIL) INTERNALDATE " 5-Mar-2025 10:00:00 +0000" FLAGS (\\Seen))');
    expect(out.sections[0]).toEqual(['1 (BODY[2.HEADER] {34}', 'From: x@y.z\r\nSubject: bulletin\r\n\r\n']);
    expect(out.sections[1]).toEqual([' BODY[1]<5> {3}', 'ci-']);
    expect(out.search).toBe('1');
  });
});

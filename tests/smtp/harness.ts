// What the SMTP suites share: the real server (startServer, temp data dir, free ports on
// 127.0.0.1, DNS from a zone file), provisioning through core, reading a mailbox back through
// the store, swaks, and a bare socket client for what no well-behaved client would send.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Dkim, dkimRecordName, dkimRecordValue, txtStrings, type Accounts, type DkimKeyPair } from '../../core/index.js';
import type { RunningServer } from '../../server.js';
import type { Store } from '../../storage/index.js';
import { startTestServer } from '../server-harness.js';

export const HOSTNAME = 'mx.facteur.test';
export { RawSmtp } from './raw-client.js';

export interface Harness {
  server: RunningServer;
  store: Store;
  accounts: Accounts;
  dkim: Dkim;
  ports: { smtp: number; submission: number; submissions: number };
  zoneFile: string;
  /** Every JSON log line the server wrote. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startHarness(options: { zone?: string; env?: Record<string, string> } = {}): Promise<Harness> {
  const t = await startTestServer({
    name: 'smtp', hostname: HOSTNAME, zone: options.zone ?? '',
    // These suites check what gets queued; the worker (tests/smtp-outbound.test.ts) would race them.
    env: { FACTEUR_OUTBOUND_ENABLED: 'false', ...options.env },
  });
  return {
    server: t.server,
    store: t.store,
    accounts: t.accounts,
    dkim: new Dkim(t.store),
    ports: { smtp: t.port('smtp'), submission: t.port('submission'), submissions: t.port('submissions') },
    zoneFile: path.join(t.dir, 'dns.zone'),
    logs: t.logs,
    stop: t.stop,
  };
}

export interface StoredMessage {
  uid: number;
  raw: string;
  flags: string[];
}

/** The messages of a user's folder, oldest first, as an IMAP client would fetch them. */
export async function folder(store: Store, address: string, name = 'INBOX'): Promise<StoredMessage[]> {
  const user = await store.accounts.getUserByAddress(address);
  if (!user) throw new Error(`no user ${address}`);
  const mailbox = await store.mail.findMailbox(user.id, name);
  if (!mailbox) throw new Error(`${address} has no ${name}`);
  const index = await store.mail.listMessageIndex(mailbox.id);
  const records = await store.mail.getMessages(mailbox.id, index.map((m) => m.uid));
  return Promise.all(records.map(async (r) => ({ uid: r.uid, flags: r.flags, raw: (await store.blobs.get(r.blobId)).toString('utf8') })));
}

/** The value of the first header field `name` (unfolded), or null. */
export function header(raw: string, name: string): string | null {
  const head = raw.slice(0, raw.search(/\r\n\r\n/));
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1].replace(/\r\n[ \t]+/g, ' ') : null;
}

export function headerNames(raw: string): string[] {
  const head = raw.slice(0, raw.search(/\r\n\r\n/));
  return [...head.matchAll(/^([^\s:]+):/gm)].map((m) => m[1].toLowerCase());
}

/** The zone-file line publishing a DKIM key (docs/dns-zonefile.md). */
export function dkimZoneLine(domain: string, selector: string, key: Pick<DkimKeyPair, 'algorithm' | 'publicKey'>): string {
  const strings = txtStrings(dkimRecordValue(key.algorithm, key.publicKey)).map((s) => `"${s}"`).join(' ');
  return `${dkimRecordName(selector, domain)} TXT ${strings}`;
}

// ---------------------------------------------------------------- swaks

export interface SwaksRun { code: number | null; out: string }

/** Runs Debian's swaks; `out` is its transcript (stdout and stderr together). */
export function swaks(args: string[]): Promise<SwaksRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('swaks', ['--server', '127.0.0.1', '--timeout', '20', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The server's replies, without swaks's markers: "<-" (plain), "<~" (TLS), "<**" and "<~*" (errors). */
export function serverLines(run: SwaksRun): string[] {
  const marker = /^\s*<(?:-|~|\*\*|~\*)\s+/;
  return run.out.split('\n').filter((l) => marker.test(l)).map((l) => l.replace(marker, ''));
}

/** A message with CRLF line ends and the headers given. */
export function message(headers: Record<string, string>, body = 'Hello.\r\n'): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** DATA payload with dot-stuffing and the final dot (RFC 5321 §4.5.2). */
export function dataPayload(raw: string): string {
  const stuffed = raw.replace(/(^|\r\n)\./g, '$1..');
  return `${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}

// What the DAV suites share: the real server on 127.0.0.1 (plain HTTP from loopback is
// allowed), users provisioned through core, and a raw HTTP client (fetch) for every method.
import type { Accounts } from '../../core/index.js';
import type { Store } from '../../storage/index.js';
import { startTestServer, TEST_PASSWORD as PASSWORD, type TestServer } from '../server-harness.js';

export const DOMAIN = 'ecole.test';
export { PASSWORD };

export interface DavResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface DavHarness {
  t: TestServer;
  store: Store;
  accounts: Accounts;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Creates a user with PASSWORD; returns the address. */
  user(name: string, extra?: { displayName?: string; unit?: string }): Promise<string>;
  request(method: string, path: string, options?: { as?: string | null; password?: string; body?: string | Buffer; headers?: Record<string, string> }): Promise<DavResponse>;
  stop(): Promise<void>;
}

export async function startDav(env: Record<string, string> = {}): Promise<DavHarness> {
  const t = await startTestServer({ env, name: 'dav' });
  await t.accounts.addDomain(DOMAIN);
  const base = `http://127.0.0.1:${t.port('http')}`;
  return {
    t,
    store: t.store,
    accounts: t.accounts,
    base,
    async user(name, extra = {}) {
      const address = `${name}@${DOMAIN}`;
      await t.accounts.createUser({ address, password: PASSWORD, ...extra });
      return address;
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.as !== null && options.as !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${options.as}:${options.password ?? PASSWORD}`).toString('base64')}`;
      }
      if (options.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/xml; charset=utf-8';
      const res = await fetch(`${base}${path}`, { method, headers, body: options.body, redirect: 'manual' });
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    stop: () => t.stop(),
  };
}

export const propfindBody = (...props: string[]) =>
  `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cr="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:a="http://apple.com/ns/ical/"><d:prop>${props.map((p) => `<${p}/>`).join('')}</d:prop></d:propfind>`;

export function ics(uid: string, lines: string[] = [], component = 'VEVENT'): string {
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Facteur tests//EN',
    `BEGIN:${component}`, `UID:${uid}`, 'DTSTAMP:20260101T000000Z',
    ...(lines.length ? lines : ['DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Conseil de classe']),
    `END:${component}`, 'END:VCALENDAR', '',
  ].join('\r\n');
}

export function vcard(uid: string, fn: string, email: string, version = '3.0'): string {
  return ['BEGIN:VCARD', `VERSION:${version}`, `UID:${uid}`, `FN:${fn}`, `N:${fn.split(' ').reverse().join(';')};;;`, `EMAIL:${email}`, 'END:VCARD', ''].join('\r\n');
}

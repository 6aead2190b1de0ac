// sync-collection with DAV:limit (RFC 6578 §3.6-3.7): at most nresults members per answer, a
// 507 for the collection when more remain, and a token that resumes exactly where the answer
// stopped. Driven as a client pages through: follow the token until no 507 comes back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { propfindBody, startDav, vcard, type DavHarness } from './dav/harness.js';

let h: DavHarness;
let jeanne: string;
const book = (user: string) => `/dav/addressbooks/${user}/default/`;

const sync = (token: string, limit?: number | string) => `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>${limit === undefined ? '' : `<d:limit><d:nresults>${limit}</d:nresults></d:limit>`}<d:prop><d:getetag/></d:prop></d:sync-collection>`;

interface Page { members: { href: string; status: number }[]; truncated: boolean; token: string }

function parse(text: string, collection: string): Page {
  const members: { href: string; status: number }[] = [];
  let truncated = false;
  for (const m of text.matchAll(/<D:response>([\s\S]*?)<\/D:response>/g)) {
    const href = /<D:href>([^<]+)<\/D:href>/.exec(m[1])![1];
    const status = Number(/HTTP\/1\.1 (\d{3})/.exec(m[1])![1]);
    if (href === collection) {
      expect(status).toBe(507);
      expect(m[1]).toContain('<D:number-of-matches-within-limits/>');
      truncated = true;
    } else {
      members.push({ href, status });
    }
  }
  return { members, truncated, token: /<D:sync-token>([^<]+)<\/D:sync-token>/.exec(text)![1] };
}

async function page(path: string, token: string, limit?: number): Promise<Page> {
  const r = await h.request('REPORT', path, { as: jeanne, headers: { depth: '0' }, body: sync(token, limit) });
  expect(r.status).toBe(207);
  const p = parse(r.text, path);
  if (limit !== undefined) expect(p.members.length).toBeLessThanOrEqual(limit);
  return p;
}

async function put(name: string, fn: string) {
  const r = await h.request('PUT', `${book(jeanne)}${name}.vcf`, { as: jeanne, body: vcard(name, fn, `${name}@example.org`), headers: { 'content-type': 'text/vcard' } });
  expect([201, 204]).toContain(r.status);
}

beforeAll(async () => {
  h = await startDav({ FACTEUR_OUTBOUND_ENABLED: 'false' });
  jeanne = await h.user('jeanne', { displayName: 'Jeanne Martin', unit: 'college-a' });
  for (let i = 1; i <= 7; i++) await put(`c${i}`, `Contact ${i}`);
}, 30_000);
afterAll(async () => { await h?.stop(); });

test('an initial sync in pages of 3, with changes between pages, ends with what the book holds', async () => {
  const held = new Map<string, boolean>();
  const first = await page(book(jeanne), '', 3);
  expect(first.truncated).toBe(true);
  expect(first.members.map((m) => m.href)).toEqual([1, 2, 3].map((i) => `${book(jeanne)}c${i}.vcf`));
  for (const m of first.members) held.set(m.href, true);
  // Meanwhile another client removes one already sent and one not yet sent, and adds one.
  await h.request('DELETE', `${book(jeanne)}c1.vcf`, { as: jeanne });
  await h.request('DELETE', `${book(jeanne)}c6.vcf`, { as: jeanne });
  await put('c8', 'Contact 8');
  let token = first.token;
  let pages = 1;
  for (;;) {
    const p = await page(book(jeanne), token, 3);
    pages++;
    for (const m of p.members) {
      if (m.status === 404) held.delete(m.href);
      else held.set(m.href, true);
    }
    token = p.token;
    if (!p.truncated) break;
  }
  expect(pages).toBeGreaterThan(2);
  expect([...held.keys()].sort()).toEqual(['c2', 'c3', 'c4', 'c5', 'c7', 'c8'].map((n) => `${book(jeanne)}${n}.vcf`));
  // The last token is the collection's own, and nothing more is reported from it.
  const prop = await h.request('PROPFIND', book(jeanne), { as: jeanne, headers: { depth: '0' }, body: propfindBody('d:sync-token') });
  expect(prop.text).toContain(`<D:sync-token>${token}</D:sync-token>`);
  const after = await page(book(jeanne), token, 3);
  expect(after).toMatchObject({ members: [], truncated: false, token });
});

test('pages from a token come in the order of the changes; without a limit, all at once', async () => {
  const start = parse((await h.request('REPORT', book(jeanne), { as: jeanne, body: sync('') })).text, book(jeanne)).token;
  await put('c2', 'Contact 2 bis');
  await h.request('DELETE', `${book(jeanne)}c3.vcf`, { as: jeanne });
  await put('c9', 'Contact 9');
  const one = await page(book(jeanne), start, 1);
  expect(one).toMatchObject({ members: [{ href: `${book(jeanne)}c2.vcf`, status: 200 }], truncated: true });
  const two = await page(book(jeanne), one.token, 1);
  expect(two).toMatchObject({ members: [{ href: `${book(jeanne)}c3.vcf`, status: 404 }], truncated: true });
  const three = await page(book(jeanne), two.token, 1);
  expect(three).toMatchObject({ members: [{ href: `${book(jeanne)}c9.vcf`, status: 200 }], truncated: false });
  const whole = await page(book(jeanne), start);
  expect(whole.truncated).toBe(false);
  expect(whole.members.length).toBe(3);
  expect(whole.token).toBe(three.token);
});

test('the directory book pages the same way', async () => {
  for (const name of ['paul', 'lucie', 'marc']) await h.user(name);
  const dir = `/dav/addressbooks/${jeanne}/directory/`;
  const seen = new Set<string>();
  let token = '';
  for (;;) {
    const p = await page(dir, token, 2);
    for (const m of p.members) seen.add(m.href);
    token = p.token;
    if (!p.truncated) break;
  }
  expect(seen.size).toBe(4);
});

test('a bad DAV:limit is refused; a truncated token cannot be used on another collection', async () => {
  for (const bad of ['0', '-1', 'abc', '']) {
    const r = await h.request('REPORT', book(jeanne), { as: jeanne, body: sync('', bad) });
    expect(r.status, bad).toBe(400);
  }
  const first = await page(book(jeanne), '', 1);
  expect(first.truncated).toBe(true);
  const other = await h.request('REPORT', `/dav/addressbooks/${jeanne}/directory/`, { as: jeanne, body: sync(first.token, 1) });
  expect(other.status).toBe(403);
  expect(other.text).toContain('valid-sync-token');
});

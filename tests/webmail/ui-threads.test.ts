// Conversations, page controls and moving an event to another calendar, in a real browser
// (Debian's Chromium through playwright-core) against the real server: the grouping toggle
// (kept in the user's settings), a conversation opened with its messages in order (a long one a
// page at a time), the list's pages reached by number on a large folder, an event moved from the
// user's calendar to their group's (which CalDAV then serves from there); axe-core checks each
// screen.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { WebClient } from './api-client.js';
import { axeViolations as axeOf, launchChromium, signedInPage } from './browser.js';
import { ensureUiBuilt } from './ui-build.js';

const DOMAIN = 'fil.test';
const ALICE = `alice@${DOMAIN}`;
const SHOTS = fileURLToPath(new URL('./output/', import.meta.url));
const BIG = 130;
/** A conversation longer than one page of it (50). */
const LONG = 55;

let server: TestServer;
let browser: Browser;
let page: Page;
let base: string;

function axeViolations(on: Page = page): Promise<string[]> {
  return axeOf(on, { iframes: false });
}

function mail(o: { id: string; subject: string; from: string; refs?: string[]; to?: string; date: string }): Buffer {
  return Buffer.from([
    `From: ${o.from}`, `To: ${o.to ?? ALICE}`, `Subject: ${o.subject}`, `Date: ${o.date}`, `Message-ID: <${o.id}>`,
    ...(o.refs ? [`In-Reply-To: <${o.refs.at(-1)}>`, `References: ${o.refs.map((r) => `<${r}>`).join(' ')}`] : []),
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Texte : ${o.subject} (${o.id}).`, '',
  ].join('\r\n'));
}

const pad = (n: number) => String(n).padStart(3, '0');
function todayAt(h: number): Date {
  const d = new Date();
  d.setHours(h, 0, 0, 0);
  return d;
}

beforeAll(async () => {
  ensureUiBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer({ name: 'webmail-ui-threads', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${server.port('http')}`;
  await server.accounts.addDomain(DOMAIN);
  const alice = await server.accounts.createUser({ address: ALICE, displayName: 'Alice Martin', password: TEST_PASSWORD });
  await server.accounts.createGroup({ address: `cycle3@${DOMAIN}`, displayName: 'Conseil de cycle 3', members: [ALICE] });
  const box = async (name: string) => (await server.store.mail.findMailbox(alice.id, name))!.id;
  const [inbox, sent] = [await box('INBOX'), await box('Sent')];
  const at = (d: number) => ({ internalDate: new Date(Date.UTC(2025, 9, d, 8)) });
  const carla = 'Carla Petit <carla@ailleurs.example>';
  const david = 'David Roux <david@ailleurs.example>';
  // "Sortie au musée": Carla writes, Alice answers (Sent), David follows; "Cantine" stands alone.
  await appendRawMessage(server.store, inbox, mail({ id: 'musee1@x', subject: 'Sortie au musée', from: carla, date: 'Mon, 06 Oct 2025 08:00:00 +0000' }), { ...at(6), flags: ['\\Seen'] });
  await appendRawMessage(server.store, sent, mail({ id: 'musee2@x', subject: 'Re: Sortie au musée', from: `Alice Martin <${ALICE}>`, to: 'carla@ailleurs.example', refs: ['musee1@x'], date: 'Tue, 07 Oct 2025 08:00:00 +0000' }), { ...at(7), flags: ['\\Seen'] });
  await appendRawMessage(server.store, inbox, mail({ id: 'cantine@x', subject: 'Cantine', from: david, date: 'Wed, 08 Oct 2025 08:00:00 +0000' }), at(8));
  await appendRawMessage(server.store, inbox, mail({ id: 'musee3@x', subject: 'Re: Sortie au musée', from: david, refs: ['musee1@x', 'musee2@x'], date: 'Thu, 09 Oct 2025 08:00:00 +0000' }), at(9));
  // A folder of many messages for the page controls.
  const archive = (await server.store.mail.createMailbox(alice.id, 'Circulaires')).id;
  for (let i = 1; i <= BIG; i++) {
    await appendRawMessage(server.store, archive, mail({ id: `c${i}@x`, subject: `Circulaire ${pad(i)}`, from: 'Rectorat <dsden@ac.example>', date: 'Fri, 03 Oct 2025 08:00:00 +0000' }),
      { internalDate: new Date(Date.UTC(2025, 0, 1) + i * 3600_000), flags: ['\\Seen'] });
  }

  // A mailing list's long conversation: shown a page at a time, newest first.
  const ent = (await server.store.mail.createMailbox(alice.id, 'Liste ENT')).id;
  for (let i = 1; i <= LONG; i++) {
    await appendRawMessage(server.store, ent, mail({ id: `ent${i}@x`, subject: i === 1 ? 'Panne ENT' : 'Re: Panne ENT', from: `Collègue ${pad(i)} <c${i}@ailleurs.example>`,
      refs: i === 1 ? undefined : ['ent1@x'], date: 'Mon, 01 Sep 2025 08:00:00 +0000' }), { internalDate: new Date(Date.UTC(2025, 8, 1) + i * 60_000), flags: ['\\Seen'] });
  }

  browser = await launchChromium();
  page = await signedInPage(browser, base, ALICE, TEST_PASSWORD);
  await page.getByRole('list', { name: 'Messages du dossier Boîte de réception' }).waitFor();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('conversations, pages and calendars in Chromium', () => {
  it('groups the inbox by conversation, keeps the choice, and opens a conversation in order', async () => {
    const flat = page.getByRole('list', { name: 'Messages du dossier Boîte de réception' });
    await expect.poll(() => flat.getByRole('listitem').count()).toBe(3);
    const toggle = page.getByRole('button', { name: 'Conversations', exact: true });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    const grouped = page.getByRole('list', { name: 'Conversations du dossier Boîte de réception' });
    await grouped.waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const rows = grouped.getByRole('link');
    await expect.poll(() => rows.count()).toBe(2);
    // Newest conversation first, with its participants and size.
    const first = rows.nth(0);
    expect(await first.innerText()).toContain('Carla Petit, David Roux');
    expect(await first.innerText()).toContain('Re: Sortie au musée');
    expect(await first.textContent()).toContain('2 messages dans la conversation');
    expect(await rows.nth(1).innerText()).toContain('Cantine');
    expect(await page.getByLabel('Trier par').isDisabled()).toBe(true);
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'inbox-conversations.png'), fullPage: true });

    // Kept in the user's settings: a new visit opens grouped.
    await page.reload();
    await page.getByRole('list', { name: 'Conversations du dossier Boîte de réception' }).waitFor();

    // Keyboard: the first row takes focus, j moves down, k up, Enter opens.
    const firstRow = page.getByRole('list', { name: 'Conversations du dossier Boîte de réception' }).getByRole('link').nth(0);
    await firstRow.focus();
    await page.keyboard.press('j');
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toContain('Cantine');
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');

    const conversation = page.getByRole('list', { name: 'Messages de la conversation' });
    await conversation.waitFor();
    const items = conversation.getByRole('listitem');
    expect(await items.count()).toBe(3);
    const texts = await items.allInnerTexts();
    expect(texts[0]).toContain('Carla Petit');
    expect(texts[1]).toContain('Alice Martin');
    expect(texts[1]).toContain('dans Envoyés');
    expect(texts[2]).toContain('David Roux');
    // The unread message (David's) is the one open, and opening it marked it read.
    const reader = page.getByRole('article');
    await expect.poll(async () => reader.innerText()).toContain('(musee3@x)');
    await expect.poll(async () => (await page.getByRole('link', { name: /Boîte de réception/ }).innerText()).trim()).toMatch(/1$/);
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'conversation.png'), fullPage: true });

    // Another message of the conversation opens in place.
    await conversation.getByRole('button', { name: /Carla Petit/ }).click();
    await expect.poll(async () => reader.innerText()).toContain('(musee1@x)');
    expect(await conversation.getByRole('button', { name: /Carla Petit/ }).getAttribute('aria-current')).toBe('true');

    // Back: the grouped list again, focus on the conversation's row.
    await page.keyboard.press('Escape');
    await conversation.waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate<string>('document.activeElement?.textContent ?? ""')).toContain('Sortie au musée');
  });

  it('shows conversations on a 320 px wide screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: 'fr-FR' });
    const p = await phone.newPage();
    const overflow = () => p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    try {
      await p.goto(base);
      await p.getByLabel('Adresse électronique').fill(ALICE);
      await p.getByLabel('Mot de passe').fill(TEST_PASSWORD);
      await p.getByRole('button', { name: 'Se connecter' }).click();
      // The choice made in the other session holds here too.
      const list = p.getByRole('list', { name: 'Conversations du dossier Boîte de réception' });
      await list.waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      expect(await axeViolations(p)).toEqual([]);
      await p.screenshot({ path: path.join(SHOTS, 'phone-conversations.png'), fullPage: true });
      await list.getByRole('link', { name: /Sortie au musée/ }).click();
      await p.getByRole('list', { name: 'Messages de la conversation' }).waitFor();
      expect(await list.isVisible()).toBe(false);
      expect(await overflow()).toBeLessThanOrEqual(0);
      expect(await axeViolations(p)).toEqual([]);
      await p.screenshot({ path: path.join(SHOTS, 'phone-conversation.png'), fullPage: true });
      await p.getByRole('link', { name: '← Retour à la liste' }).click();
      await list.waitFor();
    } finally {
      await phone.close();
    }
  });

  it('shows a long conversation a page at a time, earlier messages on request', async () => {
    await page.getByRole('link', { name: /Liste ENT/ }).click();
    const list = page.getByRole('list', { name: 'Conversations du dossier Liste ENT' });
    await list.waitFor();
    await list.getByRole('link', { name: /Panne ENT/ }).click();
    const conversation = page.getByRole('list', { name: 'Messages de la conversation' });
    await conversation.waitFor();
    const items = conversation.getByRole('listitem');
    await expect.poll(() => items.count()).toBe(50);
    expect(await items.first().innerText()).toContain(`Collègue ${pad(LONG - 49)}`);
    expect(await items.last().innerText()).toContain(`Collègue ${pad(LONG)}`);
    const earlier = page.getByRole('button', { name: `Messages précédents (${LONG - 50} de plus)` });
    await earlier.click();
    await expect.poll(() => items.count()).toBe(LONG);
    expect(await items.first().innerText()).toContain('Collègue 001');
    // The button is gone: focus is on the oldest message, not lost.
    expect(await earlier.count()).toBe(0);
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toContain('Collègue 001');
    expect(await axeViolations()).toEqual([]);
    await page.keyboard.press('Escape');
    await conversation.waitFor({ state: 'detached' });
  });

  it('reaches any page of a large folder by number', async () => {
    await page.getByRole('link', { name: /Circulaires/ }).click();
    // Still grouped: here every message is its own conversation.
    const list = page.getByRole('list', { name: 'Conversations du dossier Circulaires' });
    await list.waitFor();
    const pages = page.getByRole('navigation', { name: 'Pages' });
    await pages.getByText(`1–50 sur ${BIG}`).waitFor();
    expect(await list.getByRole('link').first().innerText()).toContain(`Circulaire ${BIG}`);
    await pages.getByLabel('Page').fill('3');
    await pages.getByRole('button', { name: 'Aller' }).click();
    await pages.getByText(`101–${BIG} sur ${BIG}`).waitFor();
    expect(await list.getByRole('link').first().innerText()).toContain(`Circulaire ${pad(BIG - 100)}`);
    expect(await pages.getByRole('button', { name: /Derniers/ }).isDisabled()).toBe(true);
    await pages.getByRole('button', { name: /Premiers/ }).click();
    await pages.getByText(`1–50 sur ${BIG}`).waitFor();
    // Ungrouped, sorted by subject, oldest first: page 1 starts at Circulaire 01.
    await page.getByRole('button', { name: 'Conversations', exact: true }).click();
    const flat = page.getByRole('list', { name: 'Messages du dossier Circulaires' });
    await flat.waitFor();
    await page.getByLabel('Trier par').selectOption('subject');
    await page.getByRole('button', { name: /Ordre décroissant/ }).click();
    await expect.poll(async () => flat.getByRole('link').first().innerText()).toContain('Circulaire 001');
    await pages.getByRole('button', { name: /Derniers/ }).click();
    await expect.poll(async () => flat.getByRole('link').last().innerText()).toContain(`Circulaire ${BIG}`);
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'list-pages.png'), fullPage: true });
  });

  it('moves an event from the personal calendar to the group calendar', async () => {
    const api = new WebClient(base);
    await api.login(ALICE, TEST_PASSWORD);
    const cals = (await api.get('/api/calendars')).body.calendars;
    const own = cals.find((c: any) => c.owner === 'user');
    const group = cals.find((c: any) => c.owner === 'group');
    const created = await api.post(`/api/calendars/${own.id}/events`, { summary: 'Réunion de cycle', start: todayAt(14).toISOString(), end: todayAt(15).toISOString() });
    expect(created.status).toBe(201);

    await page.getByRole('link', { name: 'Agenda', exact: true }).click();
    const event = page.locator('.day.today').getByRole('button', { name: /Réunion de cycle/ });
    await event.waitFor();
    expect(await event.innerText()).toContain('14:00');
    await event.click();
    const dialog = page.getByRole('dialog', { name: 'Modifier l’événement' });
    await dialog.waitFor();
    const select = dialog.getByLabel('Agenda', { exact: true });
    await expect.poll(() => select.isEnabled()).toBe(true);
    await select.selectOption({ label: group.name });
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'agenda-move.png') });
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText(`« Réunion de cycle » déplacé dans ${group.name}.`).waitFor();

    // Same event, same time, now in the group's calendar; CalDAV serves it from there only.
    const range = `start=${todayAt(0).toISOString()}&end=${new Date(todayAt(0).getTime() + 86_400_000).toISOString()}`;
    expect((await api.get(`/api/calendars/${own.id}/events?${range}`)).body.events).toEqual([]);
    const there = (await api.get(`/api/calendars/${group.id}/events?${range}`)).body.events;
    expect(there).toMatchObject([{ summary: 'Réunion de cycle', uid: created.body.uid, start: todayAt(14).toISOString() }]);
    const auth = { authorization: `Basic ${Buffer.from(`${ALICE}:${TEST_PASSWORD}`).toString('base64')}` };
    expect((await fetch(`${base}/dav/calendars/${ALICE}/default/${created.body.name}`, { headers: auth })).status).toBe(404);
    const home = await (await fetch(`${base}/dav/calendars/${ALICE}/`, { method: 'PROPFIND', headers: { ...auth, depth: '1' } })).text();
    const groupHref = /<D:href>([^<]*\/group-[^<]+\/)<\/D:href>/.exec(home)![1];
    expect((await fetch(`${base}${groupHref}${there[0].name}`, { headers: auth })).status).toBe(200);
    // The grid still shows it, in the group's colour.
    await event.waitFor();
    expect(await event.innerText()).toContain('14:00');
    expect(await event.textContent()).toContain(group.name);
  });
});

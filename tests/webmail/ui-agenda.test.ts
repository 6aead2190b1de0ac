// The agenda and contacts screens in a real browser (Debian's Chromium through playwright-core)
// against the real server: an event with an attendee is created in the week view, shows in the
// grid, reaches the attendee as an invitation by mail (read over IMAP), is moved then deleted;
// the directory is searched and a person added to the address book; axe-core checks the screens.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { WebClient } from './api-client.js';
import { axeViolations as axeOf, launchChromium, signedInPage } from './browser.js';
import { ensureUiBuilt } from './ui-build.js';

const DOMAIN = 'agenda.test';
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const SHOTS = fileURLToPath(new URL('./output/', import.meta.url));

let server: TestServer;
let browser: Browser;
let page: Page;
let base: string;

function axeViolations(on: Page = page): Promise<string[]> {
  return axeOf(on);
}

/** Subject and body of every message in Bob's INBOX, over IMAP. */
async function bobsInbox(): Promise<{ subject: string; source: string }[]> {
  const imap = new ImapFlow({ host: '127.0.0.1', port: server.port('imap'), secure: false, doSTARTTLS: false, auth: { user: BOB, pass: TEST_PASSWORD }, logger: false });
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const out: { subject: string; source: string }[] = [];
      if ((imap.mailbox && typeof imap.mailbox === 'object' ? imap.mailbox.exists : 0) === 0) return out;
      for await (const m of imap.fetch('1:*', { envelope: true, source: true })) out.push({ subject: m.envelope?.subject ?? '', source: m.source?.toString() ?? '' });
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Today at hh:00 in the browser's local time (same process time zone as this test). */
function todayAt(h: number): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(h)}:00`;
}

beforeAll(async () => {
  ensureUiBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer({ name: 'webmail-ui-agenda', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${server.port('http')}`;
  await server.accounts.addDomain(DOMAIN);
  await server.store.accounts.ensureUnit({ name: 'college-jaures', displayName: 'Collège Jaurès' });
  await server.accounts.createUser({ address: ALICE, displayName: 'Alice Martin', password: TEST_PASSWORD, unit: 'college-jaures' });
  await server.accounts.createUser({ address: BOB, displayName: 'Bob Durand', password: TEST_PASSWORD, unit: 'college-jaures' });
  await server.accounts.createGroup({ address: `maths@${DOMAIN}`, displayName: 'Équipe de maths', members: [ALICE] });
  browser = await launchChromium();
  page = await signedInPage(browser, base, ALICE, TEST_PASSWORD);
  await page.getByRole('list', { name: /Messages du dossier/ }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('agenda and contacts in Chromium', () => {
  it('creates an event with an attendee in the week view, who gets the invitation by mail; moves then deletes it', async () => {
    await page.getByRole('link', { name: 'Agenda', exact: true }).click();
    await page.getByRole('heading', { name: /^Semaine du / }).waitFor();
    await page.getByRole('checkbox', { name: 'Agenda', exact: true }).waitFor();
    // The group's shared calendar is there too, in its own colour.
    await page.getByRole('checkbox', { name: 'Équipe de maths' }).waitFor();
    const swatches = await page.evaluate<string[]>(`[...document.querySelectorAll('.legend .swatch')].map((e) => getComputedStyle(e).backgroundColor)`);
    expect(swatches).toHaveLength(2);
    expect(swatches[0]).not.toBe(swatches[1]);
    expect(await page.locator('.days > li').count()).toBe(7);
    expect(await axeViolations()).toEqual([]);
    // Keyboard: n / p move a week, Tab reaches the navigation links.
    const heading = page.getByRole('heading', { name: /^Semaine du / });
    const thisWeek = await heading.innerText();
    await page.keyboard.press('n');
    await expect.poll(() => heading.innerText()).not.toBe(thisWeek);
    await page.keyboard.press('p');
    await expect.poll(() => heading.innerText()).toBe(thisWeek);
    await page.getByRole('link', { name: 'Semaine suivante' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => heading.innerText()).not.toBe(thisWeek);
    await page.getByRole('link', { name: 'Aujourd’hui' }).press('Enter');
    await expect.poll(() => heading.innerText()).toBe(thisWeek);

    await page.getByRole('button', { name: 'Nouvel événement' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nouvel événement' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Agenda', { exact: true }).locator('option').allInnerTexts()).toEqual(['Agenda', 'Équipe de maths']);
    await dialog.getByLabel('Titre').fill('Conseil pédagogique');
    await dialog.getByLabel('Début').fill(todayAt(10));
    await dialog.getByLabel('Fin').fill(todayAt(11));
    await dialog.getByLabel('Lieu').fill('Salle 12');
    const who = dialog.getByRole('combobox', { name: /Participants/ });
    await who.pressSequentially('bob');
    await dialog.getByRole('option', { name: /Bob Durand/ }).waitFor();
    await who.press('ArrowDown');
    await who.press('Enter');
    expect(await who.inputValue()).toContain(BOB);
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'agenda-event-form.png') });
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Événement « Conseil pédagogique » créé. Invitations envoyées : 1.').waitFor();
    expect(await dialog.isVisible()).toBe(false);

    const today = page.locator('.day.today');
    const event = today.getByRole('button', { name: /Conseil pédagogique/ });
    await event.waitFor();
    expect(await event.innerText()).toContain('10:00');
    const before = (await event.boundingBox())!.y;
    await page.screenshot({ path: path.join(SHOTS, 'agenda-week.png'), fullPage: true });

    await expect.poll(async () => (await bobsInbox()).map((m) => m.subject), { timeout: 10_000 }).toContainEqual(expect.stringContaining('Conseil pédagogique'));
    const invitation = (await bobsInbox()).find((m) => m.subject.includes('Conseil pédagogique'))!;
    expect(invitation.source).toMatch(/METHOD:REQUEST/);
    expect(invitation.source).toMatch(/LOCATION:Salle 12/);

    // Move it to the afternoon from the edit form.
    await event.click();
    const edit = page.getByRole('dialog', { name: 'Modifier l’événement' });
    await expect.poll(() => edit.getByLabel('Titre').inputValue()).toBe('Conseil pédagogique');
    expect(await edit.getByRole('list', { name: 'Réponses des participants' }).innerText()).toMatch(/(Bob Durand|bob@agenda\.test) : sans réponse/);
    await edit.getByLabel('Début').fill(todayAt(14));
    await edit.getByLabel('Fin').fill(todayAt(15));
    await edit.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Événement « Conseil pédagogique » enregistré.', { exact: false }).waitFor();
    await expect.poll(() => today.getByRole('button', { name: /Conseil pédagogique/ }).innerText()).toContain('14:00');
    // The week grid places events at their hour: four hours later is lower down.
    expect((await today.getByRole('button', { name: /Conseil pédagogique/ }).boundingBox())!.y).toBeGreaterThan(before + 100);

    // The month view shows it too; then delete it.
    await page.getByRole('link', { name: 'Mois' }).click();
    await page.locator('.agenda.month').waitFor();
    expect(await page.locator('.days > li').count()).toBeGreaterThanOrEqual(28);
    expect(await axeViolations()).toEqual([]);
    // The legend hides and shows a calendar's events.
    const inMonth = page.locator('.day.today').getByRole('button', { name: /Conseil pédagogique/ });
    await inMonth.waitFor();
    await page.getByRole('checkbox', { name: 'Agenda', exact: true }).uncheck();
    await expect.poll(() => inMonth.count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Agenda', exact: true }).check();
    await inMonth.click();
    await page.getByRole('dialog', { name: 'Modifier l’événement' }).getByRole('button', { name: 'Supprimer' }).click();
    await page.getByText('Événement « Conseil pédagogique » supprimé.').waitFor();
    await expect.poll(() => page.getByRole('button', { name: /Conseil pédagogique/ }).count()).toBe(0);
    await expect.poll(async () => (await bobsInbox()).some((m) => /METHOD:CANCEL/.test(m.source)), { timeout: 10_000 }).toBe(true);

    await page.getByRole('link', { name: 'Semaine' }).click();
    await page.getByRole('heading', { name: /^Semaine du / }).waitFor();
  });

  it('searches the directory, adds a person to the address book, and writes to them', async () => {
    await page.getByRole('link', { name: 'Contacts', exact: true }).click();
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    await page.getByText('Aucun contact pour l’instant.').waitFor();
    expect(await axeViolations()).toEqual([]);

    await page.getByLabel('Nom ou adresse').fill('durand');
    await page.getByRole('button', { name: 'Chercher dans l’annuaire' }).click();
    const results = page.getByRole('list', { name: 'Résultats de l’annuaire' });
    // The directory index may trail account creation by a moment: search again until it answers.
    await expect.poll(async () => {
      if (await results.count()) return results.innerText();
      await page.getByRole('button', { name: 'Chercher dans l’annuaire' }).click();
      return '';
    }, { timeout: 10_000 }).toContain('Bob Durand');
    expect(await results.innerText()).toContain('Collège Jaurès');
    expect(await results.innerText()).not.toContain('Alice Martin');

    await page.getByLabel('Nom ou adresse').fill('');
    await page.getByLabel('Établissement ou service').selectOption({ label: 'Collège Jaurès' });
    await page.getByRole('button', { name: 'Chercher dans l’annuaire' }).click();
    await expect.poll(() => results.innerText()).toContain('Alice Martin');

    await results.getByRole('button', { name: 'Ajouter Bob Durand à mes contacts' }).click();
    expect(await page.getByLabel('Nom', { exact: true }).inputValue()).toBe('Bob Durand');
    await page.getByLabel('Organisation').fill('Vie scolaire');
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click();
    const book = page.getByRole('list', { name: 'Mon carnet d’adresses' });
    await expect.poll(async () => (await book.count()) ? book.innerText() : '').toContain('Bob Durand');
    expect(await book.innerText()).toContain('Vie scolaire');
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'contacts.png'), fullPage: true });

    // Edit, and a contact typed by hand, then deleted.
    await book.getByRole('button', { name: 'Modifier Bob Durand' }).click();
    await page.getByLabel('Fonction').fill('CPE');
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await expect.poll(() => book.innerText()).toContain('CPE');
    await page.getByRole('button', { name: 'Nouveau contact' }).click();
    await expect.poll(() => page.evaluate<string>('document.activeElement?.id')).toBe('contact-name');
    await page.getByLabel('Nom', { exact: true }).fill('Hélène Parent');
    await page.getByLabel(/Adresses électroniques/).fill('pas-une-adresse');
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await page.getByText('Vérifiez le nom et les adresses électroniques.').waitFor();
    await page.getByLabel(/Adresses électroniques/).fill('helene@famille.example');
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await expect.poll(() => book.innerText()).toContain('helene@famille.example');
    await book.getByRole('button', { name: 'Supprimer Hélène Parent' }).click();
    await page.getByText('Contact « Hélène Parent » supprimé.').waitFor();
    await expect.poll(() => book.innerText()).not.toContain('Hélène Parent');

    await book.getByRole('button', { name: 'Écrire à Bob Durand' }).click();
    await page.getByRole('heading', { name: 'Nouveau message' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'À' }).inputValue()).toContain(BOB);
  });

  it('lets the attendee accept an invitation from the message, which puts it in their agenda', async () => {
    await page.goto(`${base}/#/agenda/week`);
    await page.getByRole('button', { name: 'Nouvel événement' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nouvel événement' });
    await dialog.getByLabel('Titre').fill('Jury du brevet');
    await dialog.getByLabel('Début').fill(todayAt(8));
    await dialog.getByLabel('Fin').fill(todayAt(9));
    await dialog.getByRole('combobox', { name: /Participants/ }).fill(BOB);
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Événement « Jury du brevet » créé. Invitations envoyées : 1.').waitFor();

    const bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    const bob = await bobContext.newPage();
    bob.setDefaultTimeout(15_000);
    try {
      await bob.goto(base);
      await bob.getByLabel('Adresse électronique').fill(BOB);
      await bob.getByLabel('Mot de passe').fill(TEST_PASSWORD);
      await bob.getByRole('button', { name: 'Se connecter' }).click();
      await bob.getByRole('link', { name: /Jury du brevet/ }).first().click();
      const box = bob.getByRole('region', { name: /Invitation : Jury du brevet/ });
      await box.waitFor();
      expect(await box.innerText()).toContain(ALICE);
      expect(await axeViolations(bob)).toEqual([]);
      await bob.screenshot({ path: path.join(SHOTS, 'invitation.png') });
      await box.getByRole('button', { name: 'Accepter' }).click();
      await bob.getByText('Invitation acceptée : l’événement est dans votre agenda.').waitFor();
      expect(await box.getByRole('button', { name: 'Accepter' }).getAttribute('aria-pressed')).toBe('true');
      await box.getByRole('link', { name: 'Voir dans l’agenda' }).click();
      await bob.locator('.day.today').getByRole('button', { name: /Jury du brevet/ }).waitFor();
    } finally {
      await bobContext.close();
    }
    // The organizer's copy records the answer once Bob's reply came back by mail.
    await page.locator('.day.today').getByRole('button', { name: /Jury du brevet/ }).click();
    const edit = page.getByRole('dialog', { name: 'Modifier l’événement' });
    await expect.poll(async () => {
      const text = await edit.getByRole('list', { name: 'Réponses des participants' }).innerText().catch(() => '');
      if (!text.includes('accepté')) { await edit.getByRole('button', { name: 'Annuler' }).click(); await page.locator('.day.today').getByRole('button', { name: /Jury du brevet/ }).click(); }
      return text;
    }, { timeout: 10_000 }).toContain('accepté');
    await edit.getByRole('button', { name: 'Annuler' }).click();

    // Drag it to another day of the week at 9:00: it moves, and keeps its attendee.
    const dayIndex = await page.locator('.days > li').evaluateAll((els) => els.findIndex((el) => el.classList.contains('today')));
    const target = page.locator('.days > li').nth(dayIndex === 0 ? 1 : 0);
    const grid = target.locator('ul.timed');
    const box = (await grid.boundingBox())!;
    const [from, to] = await page.evaluate<number[]>(`[...document.querySelectorAll('.hour-marks span')].map((s) => s.textContent).filter((x, i, a) => i === 0 || i === a.length - 1).map((x) => parseInt(x))`);
    const y = ((9 - from) / (to + 1 - from)) * box.height;
    await page.locator('.day.today').getByRole('button', { name: /Jury du brevet/ }).dragTo(grid, { sourcePosition: { x: 5, y: 1 }, targetPosition: { x: 10, y } });
    await page.getByText(/Événement « Jury du brevet » déplacé à/).waitFor();
    const moved = target.getByRole('button', { name: /Jury du brevet/ });
    await moved.waitFor();
    expect(await moved.innerText()).toContain('09:00–10:00');
    expect(await page.locator('.day.today').getByRole('button', { name: /Jury du brevet/ }).count()).toBe(0);
    await moved.click();
    await expect.poll(() => edit.getByRole('list', { name: 'Réponses des participants' }).innerText().catch(() => '')).toMatch(/Bob Durand|bob@agenda\.test/);
    await edit.getByRole('button', { name: 'Annuler' }).click();
  });

  it('shows an event added from elsewhere (another session, as CalDAV would) without a reload', async () => {
    await page.goto(`${base}/#/agenda/week`);
    await page.getByRole('heading', { name: /^Semaine du / }).waitFor();
    await page.getByRole('checkbox', { name: 'Équipe de maths' }).waitFor();
    const other = new WebClient(base);
    await other.login(ALICE, TEST_PASSWORD);
    const calendars = (await other.get('/api/calendars')).body.calendars as { id: string; name: string }[];
    // Calendar changes made elsewhere come over the live stream.
    const own = calendars.find((c) => c.name === 'Agenda')!;
    const start = new Date();
    start.setHours(16, 0, 0, 0);
    const created = await other.post(`/api/calendars/${own.id}/events`, { summary: 'Réunion maths', start: start.toISOString() });
    expect(created.status).toBe(201);
    const event = page.locator('.day.today').getByRole('button', { name: /Réunion maths/ });
    await event.waitFor();
    expect(await event.innerText()).toContain('16:00');

    // An all-day event, in the group's calendar: on top of the day, stored as a date.
    await page.locator('.day.today').getByRole('button', { name: /^Ajouter un événement le / }).click();
    const dialog = page.getByRole('dialog', { name: 'Nouvel événement' });
    await dialog.getByLabel('Titre').fill('Journée portes ouvertes');
    await dialog.getByRole('checkbox', { name: 'Toute la journée' }).check();
    await dialog.getByLabel('Agenda', { exact: true }).selectOption({ label: 'Équipe de maths' });
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    const allDay = page.locator('.day.today ul.all-day').getByRole('button', { name: /Journée portes ouvertes/ });
    await allDay.waitFor();
    expect(await allDay.innerText()).toContain('Toute la journée');
    const today = todayAt(0).slice(0, 10);
    const stored = (await other.get(`/api/calendars/${calendars.find((c) => c.name === 'Équipe de maths')!.id}/events?start=${today}T00:00:00Z&end=${today}T23:59:59Z`)).body.events;
    expect(stored).toEqual([expect.objectContaining({ summary: 'Journée portes ouvertes', allDay: true, start: `${today}T00:00:00.000Z` })]);
  });

  it('fits the agenda and contacts on a 320 px wide screen', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${base}/#/agenda/week`);
    await page.getByRole('heading', { name: /^Semaine du / }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
    expect(await axeViolations()).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'phone-agenda.png'), fullPage: true });
    await page.goto(`${base}/#/contacts`);
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
  });
});

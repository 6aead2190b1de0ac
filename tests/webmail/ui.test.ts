// The webmail in a real browser (Debian's Chromium through playwright-core) against the real
// server: what a staff member sees and does, in French, with the keyboard where it matters.
// A local "tracker" HTTP server records every request that hostile mail tries to make.
import { readFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRawMessage } from '../../core/index.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../server-harness.js';
import { ensureUiBuilt } from './ui-build.js';

const DOMAIN = 'ecole.test';
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const SHOTS = fileURLToPath(new URL('./output/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let tracker: http.Server;
let trackerUrl: string;
const trackerHits: string[] = [];
/** CSP violations reported by the app's own page (the mail frame's blocked images are expected). */
const appCspErrors: string[] = [];

function crlf(s: string): Buffer {
  return Buffer.from(s.replace(/\r?\n/g, '\r\n'));
}

function hostileMail(): Buffer {
  return crlf(`From: Claire Petit <claire.petit@lycee.example>
To: Alice Martin <${ALICE}>
Subject: Réunion de rentrée
Date: ${new Date(Date.now() - 60_000).toUTCString()}
Message-ID: <rentree-1@lycee.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<html><head><style>body { background: url(${trackerUrl}/css-bg); }</style></head><body>
<p id="hello">Bonjour Alice, voici <b>l'ordre du jour</b>.</p>
<script>fetch('${trackerUrl}/script-ran'); parent.document.title = 'pwned';</script>
<img src="x" onerror="fetch('${trackerUrl}/onerror-ran')">
<img src="${trackerUrl}/pixel.png" alt="pixel">
<a href="javascript:fetch('${trackerUrl}/js-url')">clic</a>
<svg onload="fetch('${trackerUrl}/svg-ran')"><circle r="4"/></svg>
<form action="${trackerUrl}/form"><button>Envoyer</button></form>
<div style="width: expression(alert(1))">css</div>
</body></html>
--b1
Content-Type: text/plain; charset=utf-8; name="ordre-du-jour.txt"
Content-Disposition: attachment; filename="ordre-du-jour.txt"

1. Emplois du temps
--b1--
`);
}

function plainMail(subject: string, minutesAgo: number): Buffer {
  return crlf(`From: Paul Leroy <paul.leroy@lycee.example>
To: ${ALICE}
Subject: ${subject}
Date: ${new Date(Date.now() - minutesAgo * 60_000).toUTCString()}
Message-ID: <${subject.replace(/\W/g, '')}@lycee.example>
Content-Type: text/plain; charset=utf-8

Texte de ${subject}.
`);
}

async function shot(name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it is (evaluated, since the CSP forbids
 *  injecting a script tag, which is the point). */
async function axeViolations(on: Page = page): Promise<string[]> {
  // The mail's own HTML (in its sandboxed frame) is the sender's, not ours: frames are skipped.
  const result = await on.evaluate(`(async () => {
    if (!window.axe) { ${AXE}; }
    const r = await window.axe.run(document, { iframes: false, runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
  })()`);
  return result as string[];
}

beforeAll(async () => {
  ensureUiBuilt();
  mkdirSync(SHOTS, { recursive: true });
  tracker = http.createServer((req, res) => {
    trackerHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  trackerUrl = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;

  server = await startTestServer({ name: 'webmail-ui', zone: '', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${server.port('http')}`;
  await server.accounts.addDomain(DOMAIN);
  const alice = await server.accounts.createUser({ address: ALICE, displayName: 'Alice Martin', password: TEST_PASSWORD });
  await server.accounts.createUser({ address: BOB, displayName: 'Bob Durand', password: TEST_PASSWORD });
  const inbox = await server.store.mail.findMailbox(alice.id, 'INBOX');
  if (!inbox) throw new Error('no INBOX');
  await appendRawMessage(server.store, inbox.id, plainMail('Cantine', 120));
  await appendRawMessage(server.store, inbox.id, plainMail('Sortie scolaire', 90));
  await appendRawMessage(server.store, inbox.id, hostileMail());

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000); // generous: CI machines are shared; only a failure waits this long
  page.on('console', (m) => {
    if (process.env.UI_DEBUG) console.log('browser:', m.type(), m.text());
    if (/Content Security Policy/i.test(m.text()) && !m.location().url.includes('/body.html')) appCspErrors.push(m.text());
  });
  page.on('dialog', (d) => void d.accept());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((r) => tracker?.close(r));
});

describe('webmail in Chromium', () => {
  it('logs in in French and lists the inbox, newest first', async () => {
    await page.goto(base);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await axeViolations()).toEqual([]);
    await shot('login');
    await page.getByLabel('Adresse électronique').fill(ALICE);
    await page.getByLabel('Mot de passe').fill('wrong password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Adresse ou mot de passe incorrect.').waitFor();
    await page.getByLabel('Mot de passe').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();

    const list = page.getByRole('list', { name: 'Messages du dossier Boîte de réception' });
    await list.waitFor();
    const rows = list.locator('a.row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).innerText()).toContain('Réunion de rentrée');
    expect(await rows.nth(2).innerText()).toContain('Cantine');
    expect(await page.getByRole('link', { name: /Boîte de réception/ }).innerText()).toContain('3');
    expect(await axeViolations()).toEqual([]);
    await shot('inbox');
  });

  it('shows HTML mail in a sandboxed frame where no script runs and nothing remote loads until asked', async () => {
    await page.getByRole('link', { name: /Réunion de rentrée/ }).click();
    await page.getByRole('heading', { name: 'Réunion de rentrée', level: 1 }).waitFor();
    const frameEl = page.locator('iframe.body');
    const sandbox = await frameEl.getAttribute('sandbox');
    expect(sandbox).not.toBeNull();
    expect(sandbox).not.toContain('allow-scripts');
    expect(sandbox).not.toContain('allow-same-origin');
    const frame = page.frameLocator('iframe.body');
    await frame.locator('#hello, p:has-text("Bonjour Alice")').first().waitFor();
    expect(await frame.locator('b').first().innerText()).toBe("l'ordre du jour");
    await page.getByRole('link', { name: 'ordre-du-jour.txt' }).waitFor();
    await page.waitForTimeout(300); // give a tracker request the time to arrive, if any would
    expect(trackerHits).toEqual([]);
    expect(await page.title()).not.toBe('pwned');
    expect(await axeViolations()).toEqual([]);
    await shot('reader');

    await page.getByRole('button', { name: 'Afficher les images distantes' }).click();
    await expect.poll(() => trackerHits.includes('/pixel.png')).toBe(true);
    await frame.locator('p:has-text("Bonjour Alice")').first().waitFor();
    await page.waitForTimeout(200);
    // Remote images now, but still no script, handler or javascript: URL ever ran.
    expect(trackerHits.filter((h) => /ran|js-url|form/.test(h))).toEqual([]);
    expect(await page.title()).not.toBe('pwned');
  });

  it('navigates the list with the keyboard: j/k, Enter, Escape, Delete', async () => {
    await page.keyboard.press('Escape');
    const list = page.getByRole('list', { name: 'Messages du dossier Boîte de réception' });
    const focused = () => page.evaluate<string>("document.activeElement?.matches('a.row') ? document.activeElement.textContent : ''");
    await expect.poll(focused).toContain('Réunion de rentrée');
    await page.keyboard.press('j');
    await expect.poll(focused).toContain('Sortie scolaire');
    await page.keyboard.press('ArrowDown');
    await expect.poll(focused).toContain('Cantine');
    await page.keyboard.press('k');
    await expect.poll(focused).toContain('Sortie scolaire');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sortie scolaire', level: 1 }).waitFor();
    expect(await page.locator('pre.body').innerText()).toContain('Texte de Sortie scolaire.');
    await page.keyboard.press('Escape');
    await expect.poll(focused).toContain('Sortie scolaire');
    await page.keyboard.press('x');
    expect(await list.getByRole('checkbox', { name: 'Sélectionner « Sortie scolaire »' }).isChecked()).toBe(true);
    await page.keyboard.press('Delete');
    await expect.poll(() => list.locator('a.row').count()).toBe(2);
    expect(await list.innerText()).not.toContain('Sortie scolaire');
    await page.getByRole('link', { name: /Corbeille/ }).click();
    await page.getByRole('list', { name: 'Messages du dossier Corbeille' }).getByText('Sortie scolaire').waitFor();
    await page.getByRole('link', { name: /Boîte de réception/ }).click();
  });

  it('shows new mail without a reload, with the warning for a look-alike internal sender', async () => {
    await page.getByRole('list', { name: 'Messages du dossier Boîte de réception' }).waitFor();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.port('smtp'), secure: false, ignoreTLS: true });
    await transport.sendMail({
      envelope: { from: 'direction@lycee.example', to: [ALICE] },
      from: `"Direction" <direction@${DOMAIN}>`, to: ALICE, subject: 'Urgent : vos identifiants', text: 'Cliquez ici.',
    });
    const row = page.getByRole('link', { name: /Urgent : vos identifiants/ });
    await row.waitFor({ timeout: 10_000 });
    // The list and the folder counts reload in parallel: the announcement may follow the row.
    await expect.poll(() => page.locator('#live-mail').innerText()).toContain('Nouveau message');
    await row.click();
    await page.getByRole('note').getByText(/vient de l’extérieur/).waitFor();
    expect(await axeViolations()).toEqual([]);
    await shot('reader-warning');
  });

  it('composes and sends to another local user, who receives it over IMAP', async () => {
    await page.getByRole('link', { name: 'Écrire' }).click();
    await page.getByRole('heading', { name: 'Nouveau message' }).waitFor();
    const to = page.getByRole('combobox', { name: 'À' });
    await expect.poll(() => page.evaluate<string>('document.activeElement?.id')).toBe('compose-to');
    await to.pressSequentially('bob');
    const option = page.getByRole('option', { name: /Bob Durand/ });
    await option.waitFor();
    await to.press('ArrowDown');
    await to.press('Enter');
    expect(await to.inputValue()).toContain(BOB);
    await page.getByLabel('Objet').fill('Conseil de classe');
    await page.getByRole('checkbox', { name: 'Texte enrichi' }).check();
    await page.getByRole('textbox', { name: 'Message' }).click();
    await page.keyboard.type('Bonjour Bob, rendez-vous ');
    await page.getByRole('button', { name: 'Gras' }).click();
    await page.keyboard.type('jeudi');
    await page.locator('#compose-files').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('trimestre 1') });
    await page.getByText('notes.txt').waitFor();
    expect(await axeViolations()).toEqual([]);
    await shot('compose');
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByText('Message envoyé.').waitFor();

    const imap = new ImapFlow({ host: '127.0.0.1', port: server.port('imap'), secure: false, doSTARTTLS: false, auth: { user: BOB, pass: TEST_PASSWORD }, logger: false });
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const found = [];
        for await (const m of imap.fetch('1:*', { envelope: true, source: true })) found.push(m);
        expect(found).toHaveLength(1);
        expect(found[0].envelope?.subject).toBe('Conseil de classe');
        expect(found[0].envelope?.from?.[0]?.address).toBe(ALICE);
        const parsed = await simpleParser(found[0].source!);
        expect(parsed.text).toContain('Bonjour Bob, rendez-vous jeudi');
        expect(parsed.html).toMatch(/<(b|strong)>jeudi<\/(b|strong)>/);
        expect(parsed.attachments.map((a) => a.filename)).toEqual(['notes.txt']);
        expect(parsed.attachments[0].content.toString()).toBe('trimestre 1');
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
    await page.getByRole('link', { name: /Envoyés/ }).click();
    await page.getByRole('list', { name: 'Messages du dossier Envoyés' }).getByText('Conseil de classe').waitFor();
  });

  it('replies with a dropped attachment, quoting the original', async () => {
    await page.getByRole('link', { name: /Boîte de réception/ }).click();
    await page.getByRole('link', { name: /Cantine/ }).click();
    await page.getByRole('heading', { name: 'Cantine', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Répondre', exact: true }).click();
    await page.getByRole('heading', { name: 'Nouveau message' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'À' }).inputValue()).toContain('paul.leroy@lycee.example');
    expect(await page.getByLabel('Objet').inputValue()).toBe('Re: Cantine');
    const body = page.getByRole('textbox', { name: 'Message' });
    expect(await body.inputValue()).toMatch(/a écrit :\n> Texte de Cantine\./);
    await page.keyboard.type("D'accord pour jeudi.");
    expect(await body.inputValue()).toMatch(/^D'accord pour jeudi\./);
    const files = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['menu de la semaine'], 'menu.txt', { type: 'text/plain' }));
      return dt;
    })()`);
    await page.locator('section.compose').dispatchEvent('drop', { dataTransfer: files });
    await page.getByRole('list', { name: 'Pièces jointes' }).getByText('menu.txt').waitFor();
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByText('Message envoyé.').waitFor();

    const imap = new ImapFlow({ host: '127.0.0.1', port: server.port('imap'), secure: false, doSTARTTLS: false, auth: { user: ALICE, pass: TEST_PASSWORD }, logger: false });
    await imap.connect();
    try {
      const sent = (await imap.list()).find((b) => b.specialUse === '\\Sent');
      expect(sent).toBeDefined();
      const lock = await imap.getMailboxLock(sent!.path);
      let source = '';
      try {
        for await (const m of imap.fetch('1:*', { envelope: true, source: true })) {
          if (m.envelope?.subject === 'Re: Cantine') source = m.source?.toString() ?? '';
        }
      } finally {
        lock.release();
      }
      expect(source).toMatch(/^In-Reply-To: <Cantine@lycee\.example>/im);
      expect(source).toContain('menu.txt');
      expect(source).toContain("D'accord pour jeudi.");
      const inbox = await imap.getMailboxLock('INBOX');
      try {
        const flags: Record<string, string[]> = {};
        for await (const m of imap.fetch('1:*', { envelope: true, flags: true })) flags[m.envelope?.subject ?? ''] = [...(m.flags ?? [])];
        expect(flags.Cantine).toContain('\\Answered');
      } finally {
        inbox.release();
      }
    } finally {
      await imap.logout();
    }
  });

  it('forwards a message with its attachment', async () => {
    await page.getByRole('link', { name: /Boîte de réception/ }).click();
    await page.getByRole('link', { name: /Réunion de rentrée/ }).click();
    await page.getByRole('button', { name: 'Transférer' }).click();
    expect(await page.getByLabel('Objet').inputValue()).toBe('Tr: Réunion de rentrée');
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toContain('Message transféré');
    await page.getByRole('list', { name: 'Pièces jointes' }).getByText('ordre-du-jour.txt').waitFor();
    await page.getByRole('combobox', { name: 'À' }).fill(BOB);
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByText('Message envoyé.').waitFor();
    const imap = new ImapFlow({ host: '127.0.0.1', port: server.port('imap'), secure: false, doSTARTTLS: false, auth: { user: BOB, pass: TEST_PASSWORD }, logger: false });
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        let forwarded = null;
        for await (const m of imap.fetch('1:*', { envelope: true, source: true })) {
          if (m.envelope?.subject === 'Tr: Réunion de rentrée') forwarded = await simpleParser(m.source!);
        }
        expect(forwarded?.text).toContain('Bonjour Alice');
        expect(forwarded?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['ordre-du-jour.txt', '1. Emplois du temps']]);
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
  });

  it('saves a draft, resumes it from Drafts, and sends it', async () => {
    await page.getByRole('link', { name: 'Écrire' }).click();
    await page.getByRole('combobox', { name: 'À' }).fill(BOB);
    await page.getByLabel('Objet').fill('Brouillon du projet');
    await page.getByRole('textbox', { name: 'Message' }).fill('À finir demain.');
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await page.getByText('Brouillon enregistré.').waitFor();
    await page.getByRole('link', { name: /Brouillons/ }).click();
    const drafts = page.getByRole('list', { name: 'Messages du dossier Brouillons' });
    await drafts.getByText('Brouillon du projet').click();
    await expect.poll(() => page.getByLabel('Objet').inputValue()).toBe('Brouillon du projet');
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toContain('À finir demain.');
    expect(await page.getByRole('combobox', { name: 'À' }).inputValue()).toContain(BOB);
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByText('Message envoyé.').waitFor();
    await page.getByRole('link', { name: /Brouillons/ }).click();
    await page.getByText('Aucun message dans ce dossier.').waitFor();
  });

  it('manages folders and acts on a selection: flag, unread, move, spam, empty the trash', async () => {
    await page.getByRole('link', { name: /Boîte de réception/ }).click();
    const folders = page.getByRole('navigation', { name: 'Dossiers' });
    await folders.getByRole('button', { name: 'Gérer les dossiers' }).click();
    await folders.getByLabel('Nouveau dossier').fill('Projets');
    await folders.getByRole('button', { name: 'Créer' }).click();
    await folders.getByRole('link', { name: 'Projets' }).waitFor();
    await folders.getByRole('button', { name: 'Renommer le dossier Projets' }).click();
    await folders.getByLabel('Nouveau nom').fill('Projets 2026');
    await folders.getByLabel('Nouveau nom').press('Enter');
    await folders.getByRole('link', { name: 'Projets 2026' }).waitFor();

    const list = page.getByRole('list', { name: 'Messages du dossier Boîte de réception' });
    const row = (subject: string) => list.locator('li').filter({ has: page.locator('.subject', { hasText: new RegExp(`^${subject}`) }) });
    const select = (subject: string) => list.getByRole('checkbox', { name: `Sélectionner « ${subject} »` }).check();
    await select('Cantine');
    await select('Réunion de rentrée');
    await page.getByRole('button', { name: 'Suivre', exact: true }).click();
    await expect.poll(() => list.locator('li .flag').count()).toBe(2);
    await select('Cantine');
    await page.getByRole('button', { name: 'Marquer non lu' }).click();
    await expect.poll(() => row('Cantine').getAttribute('class')).toContain('unread');
    await select('Cantine');
    await page.locator('#move-to').selectOption({ label: 'Projets 2026' });
    await expect.poll(() => row('Cantine').count()).toBe(0);
    await folders.getByRole('link', { name: /Projets 2026/ }).click();
    const projets = page.getByRole('list', { name: 'Messages du dossier Projets 2026' });
    await projets.getByRole('checkbox', { name: 'Sélectionner « Cantine »' }).check();
    await page.getByRole('button', { name: 'Indésirable', exact: true }).click();
    await page.getByText('Aucun message dans ce dossier.').waitFor();
    await folders.getByRole('link', { name: /Indésirables/ }).click();
    const junk = page.getByRole('list', { name: 'Messages du dossier Indésirables' });
    await junk.getByRole('checkbox', { name: 'Sélectionner « Cantine »' }).check();
    await page.getByRole('button', { name: 'Pas indésirable' }).click();
    await page.getByText('Aucun message dans ce dossier.').waitFor();
    await folders.getByRole('link', { name: /Boîte de réception/ }).click();
    await expect.poll(() => row('Cantine').count()).toBe(1);

    await folders.getByRole('button', { name: 'Supprimer le dossier Projets 2026' }).click(); // confirm() accepted
    await expect.poll(() => folders.getByRole('link', { name: /Projets 2026/ }).count()).toBe(0);
    await folders.getByRole('link', { name: /Corbeille/ }).click();
    await page.getByRole('list', { name: 'Messages du dossier Corbeille' }).getByText('Sortie scolaire').first().waitFor();
    await page.getByRole('button', { name: 'Vider le dossier' }).click();
    await page.getByText('Aucun message dans ce dossier.').waitFor();
  });

  it('uses the settings: signature, app password (works over IMAP, then revoked), auto-reply, password check', async () => {
    await page.getByRole('link', { name: 'Paramètres' }).click();
    await page.getByLabel('Signature').fill('Alice Martin\nCollège Jaurès');
    await page.getByRole('button', { name: 'Enregistrer' }).first().click();
    await page.getByText('Paramètres enregistrés.').waitFor();
    await page.getByRole('link', { name: 'Écrire' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).inputValue()).toContain('-- \nAlice Martin\nCollège Jaurès');
    await page.getByRole('link', { name: 'Paramètres' }).click();

    await page.getByLabel('Nom du logiciel').fill('Thunderbird');
    await page.locator('#main').getByRole('button', { name: 'Créer' }).click();
    const secret = await page.locator('code.secret').innerText();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await page.getByText(/créé le/).waitFor();
    const imap = new ImapFlow({ host: '127.0.0.1', port: server.port('imap'), secure: false, doSTARTTLS: false, auth: { user: ALICE, pass: secret }, logger: false });
    await imap.connect();
    await imap.logout();
    await page.getByRole('button', { name: 'Révoquer Thunderbird' }).click(); // confirm() accepted
    await page.getByText('Aucun mot de passe d’application.').waitFor();

    await page.getByLabel('Activer la réponse automatique').check();
    await page.getByLabel('Du', { exact: true }).fill('2026-07-01');
    await page.getByLabel('Au', { exact: true }).fill('2026-08-31');
    await page.getByLabel('Texte de la réponse').fill('Je suis en congés.');
    await page.getByRole('button', { name: 'Enregistrer' }).nth(1).click();
    await page.getByText('Paramètres enregistrés.').waitFor();
    await page.getByLabel('Mot de passe actuel').fill('not my password');
    await page.getByLabel('Nouveau mot de passe (8 caractères au moins)').fill('un nouveau secret');
    await page.getByLabel('Confirmer le nouveau mot de passe').fill('un nouveau secret');
    await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.getByText('Le mot de passe actuel est incorrect.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Paramètres', level: 1 }).waitFor();
    expect(await page.getByLabel('Activer la réponse automatique').isChecked()).toBe(true);
    expect(await page.getByLabel('Au', { exact: true }).inputValue()).toBe('2026-08-31');
    expect(await page.getByLabel('Texte de la réponse').inputValue()).toBe('Je suis en congés.');
  });

  it('searches, switches to English in the settings, and logs out', async () => {
    await page.getByRole('searchbox', { name: 'Rechercher dans le courrier' }).fill('Cantine');
    await page.keyboard.press('Enter');
    const results = page.getByRole('list', { name: 'Résultats de la recherche' }).locator('a.row');
    // The original, from Paul (Alice's reply quotes it and matches too).
    await expect.poll(() => results.filter({ has: page.locator('.from', { hasText: 'Paul Leroy' }) }).filter({ hasText: 'Cantine' }).count()).toBe(1);
    expect(await results.filter({ hasText: 'Sortie scolaire' }).count()).toBe(0);
    // Filters: from Claire, in every folder, any words.
    await page.getByLabel('Mots').fill('');
    await page.getByRole('button', { name: 'Plus de critères' }).click();
    await page.getByLabel('De', { exact: true }).fill('claire.petit');
    await page.locator('.filters').getByRole('button', { name: 'Rechercher' }).click();
    await expect.poll(() => page.getByText('1 message(s) trouvé(s).').count()).toBe(1);
    expect(await results.first().innerText()).toContain('Réunion de rentrée');

    await page.getByRole('link', { name: 'Paramètres' }).click();
    await page.getByRole('heading', { name: 'Paramètres', level: 1 }).waitFor();
    expect(await axeViolations()).toEqual([]);
    await shot('settings');
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Paramètres', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/session')).status);
    expect(status).toBe(401);
    expect(appCspErrors).toEqual([]);
  });

  it('pages through a large folder and sorts it', async () => {
    const carol = await server.accounts.createUser({ address: `carol@${DOMAIN}`, password: TEST_PASSWORD });
    const inbox = await server.store.mail.findMailbox(carol.id, 'INBOX');
    for (let i = 1; i <= 55; i++) await appendRawMessage(server.store, inbox!.id, plainMail(`Note ${String(i).padStart(2, '0')}`, 200 - i));
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    const p = await other.newPage();
    p.setDefaultTimeout(15_000);
    try {
      await p.goto(base);
      await p.getByLabel('Adresse électronique').fill(`carol@${DOMAIN}`);
      await p.getByLabel('Mot de passe').fill(TEST_PASSWORD);
      await p.getByRole('button', { name: 'Se connecter' }).click();
      const rows = p.getByRole('list', { name: 'Messages du dossier Boîte de réception' }).locator('a.row .subject');
      await p.getByText('1–50 sur 55').waitFor();
      expect(await rows.count()).toBe(50);
      expect(await rows.first().innerText()).toMatch(/^Note 55/);
      await p.getByRole('button', { name: 'Suivants' }).click();
      await p.getByText('51–55 sur 55').waitFor();
      await expect.poll(() => rows.count()).toBe(5);
      expect(await rows.last().innerText()).toMatch(/^Note 01/);
      await p.getByLabel('Trier par').selectOption('subject');
      await p.getByRole('button', { name: /Ordre décroissant/ }).click();
      await p.getByText('1–50 sur 55').waitFor();
      await expect.poll(() => rows.first().innerText()).toMatch(/^Note 01/);
    } finally {
      await other.close();
    }
  });

  it('works on a 320 px wide screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: 'fr-FR' });
    const p = await phone.newPage();
    try {
      await p.goto(base);
      await p.getByLabel('Adresse électronique').fill(ALICE);
      await p.getByLabel('Mot de passe').fill(TEST_PASSWORD);
      await p.getByRole('button', { name: 'Se connecter' }).click();
      await p.getByRole('list', { name: 'Messages du dossier Boîte de réception' }).waitFor();
      const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await p.getByRole('button', { name: 'Dossiers' }).click();
      await p.getByRole('link', { name: /Corbeille/ }).waitFor();
      expect(await axeViolations(p)).toEqual([]);
      await p.screenshot({ path: path.join(SHOTS, 'phone-inbox.png'), fullPage: true });
      await p.getByRole('link', { name: /Réunion de rentrée/ }).click();
      await p.getByRole('heading', { name: 'Réunion de rentrée', level: 1 }).waitFor();
      expect(await p.getByRole('list', { name: /Messages du dossier/ }).isVisible()).toBe(false);
      expect(await p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
      await p.frameLocator('iframe.body').getByText('Bonjour Alice').waitFor();
      await p.screenshot({ path: path.join(SHOTS, 'phone-reader.png'), fullPage: true });
      await p.getByRole('link', { name: '← Retour à la liste' }).click();
      await p.getByRole('list', { name: 'Messages du dossier Boîte de réception' }).waitFor();
    } finally {
      await phone.close();
    }
  });
});

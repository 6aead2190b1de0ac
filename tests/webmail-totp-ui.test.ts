// The TOTP second factor in a real browser (Debian's Chromium through playwright-core): turned
// on from the settings with the QR code and the key shown, then a fresh login asks for the code
// after the password; the settings also show the recent logins and the export button.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCode } from '../core/auth/totp.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from './server-harness.js';
import { ensureUiBuilt } from './webmail/ui-build.js';

const ALICE = 'alice@ecole.test';
let server: TestServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ensureUiBuilt();
  server = await startTestServer({ name: 'webmail-totp-ui', env: { FACTEUR_OUTBOUND_ENABLED: 'false' } });
  base = `http://127.0.0.1:${server.port('http')}`;
  await server.accounts.addDomain('ecole.test');
  await server.accounts.createUser({ address: ALICE, displayName: 'Alice Martin', password: TEST_PASSWORD });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function passwordLogin(page: import('playwright-core').Page) {
  await page.goto(base);
  await page.getByLabel('Adresse électronique').fill(ALICE);
  await page.getByLabel('Mot de passe').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

it('turns the second factor on in the settings and asks for the code at the next login', async () => {
  const first = await browser.newContext({ locale: 'fr-FR' });
  const page = await first.newPage();
  page.setDefaultTimeout(15_000);
  await passwordLogin(page);
  await page.getByRole('link', { name: 'Paramètres' }).click();
  await page.getByRole('heading', { name: 'Vérification en deux étapes' }).waitFor();
  await page.getByRole('button', { name: 'Activer' }).click();
  await page.getByRole('img', { name: 'Code QR à scanner avec l’application d’authentification' }).waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const step = Math.floor(Date.now() / 30_000);
  await page.getByLabel('Code affiché par l’application').fill(totpCode(secret, step * 30_000));
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await page.getByText('Codes de secours, à garder en lieu sûr').waitFor();
  expect(await page.locator('.recovery-codes li').count()).toBe(10);
  await page.getByText('Activée. Codes de secours restants : 10.').waitFor();
  // The recent logins and the export button are in the same screen.
  await page.getByRole('heading', { name: 'Connexions récentes' }).waitFor();
  expect(await page.getByRole('table').locator('tbody tr').count()).toBeGreaterThan(0);
  expect(await page.getByRole('link', { name: 'Télécharger l’archive' }).getAttribute('href')).toBe('/api/export');
  await first.close();

  const second = await browser.newContext({ locale: 'fr-FR' });
  const again = await second.newPage();
  again.setDefaultTimeout(15_000);
  await passwordLogin(again);
  await again.getByRole('heading', { name: 'Vérification en deux étapes' }).waitFor();
  const wrong = totpCode(secret, (step + 1) * 30_000) === '000000' ? '111111' : '000000';
  await again.getByLabel('Code').fill(wrong);
  await again.getByRole('button', { name: 'Vérifier' }).click();
  await again.getByText('Code incorrect ou déjà utilisé.').waitFor();
  await again.getByLabel('Code').fill(totpCode(secret, (step + 1) * 30_000));
  await again.getByRole('button', { name: 'Vérifier' }).click();
  await again.getByRole('link', { name: 'Paramètres' }).waitFor();
  expect((await second.cookies()).some((c) => c.name === 'facteur_session')).toBe(true);
  await second.close();
}, 60_000);

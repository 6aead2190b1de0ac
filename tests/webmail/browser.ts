// What the browser tests share: Debian's Chromium through playwright-core, a signed-in page,
// and axe-core's WCAG 2.1 AA check of the current screen.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A new page of a new French-speaking context, on the login screen, signed in as `address`. */
export async function signedInPage(browser: Browser, base: string, address: string, password: string,
  viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('dialog', (d) => void d.accept());
  await page.goto(base);
  await page.getByLabel('Adresse électronique').fill(address);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  return page;
}

/** axe-core's violations on the page (with the message iframe unless `iframes` is false). */
export function axeViolations(page: Page, { iframes = true } = {}): Promise<string[]> {
  return page.evaluate(`(async () => {
    if (!window.axe) { ${AXE}; }
    const r = await window.axe.run(document, { iframes: ${iframes}, runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
  })()`) as Promise<string[]>;
}

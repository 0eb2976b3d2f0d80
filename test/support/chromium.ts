/**
 * Debian's Chromium driven by playwright-core, as the browser tests need it: headless, a fixed
 * viewport, locale and zone, and every page error or console error collected for the test to check.
 */

import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface OpenedBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
}

/** A persistent-profile browser in `profileDir`; the page's errors are pushed onto `pageErrors`. */
export async function openChromium(profileDir: string, pageErrors: string[]): Promise<OpenedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ./scripts/setup.sh (it installs Debian's chromium)`);
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  return { context, page };
}

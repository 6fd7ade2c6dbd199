/** The browser tests' chromium (scripts/chromium.ts, shared with the benches) and when it cannot run. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM } from '../../scripts/chromium.js';
import { ROOT } from '../integration/harness.js';

export { launchChromium } from '../../scripts/chromium.js';

/** Why a browser test cannot run here, or undefined when it can; `page`: the built page it opens. */
export function browserMissing(page = 'index.html'): string | undefined {
  if (!existsSync(CHROMIUM))
    return `no chromium at ${CHROMIUM} (apt-get install chromium, or set HAZARDSCOPE_CHROMIUM)`;
  if (!existsSync(path.join(ROOT, 'web/dist', page)))
    return `web/dist/${page} is not built (npm test builds it; or npm run build:web)`;
  return undefined;
}

/**
 * A page of its own browser context, signed in to the web app at `url` with a token. Errors the
 * page throws are collected on `errors`, so a test can say none were thrown.
 */
export async function signIn(
  browser: Browser,
  url: string,
  token: string,
  options: { acceptDownloads?: boolean; clipboard?: boolean } = {},
): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    ...(options.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(url);
  // The token field takes the focus; typing and Enter sign in.
  await page.locator('#token:focus').waitFor();
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await page.locator('.topbar').waitFor();
  return page;
}

/**
 * The API reference at /docs in a real browser that may reach only this machine, as on a bureau's
 * closed network: the page, its script and the API document all come from the API itself, and the
 * operations are listed. A screenshot goes to test-artifacts/screenshots/api-docs.png.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestApi, type TestApi } from '../integration/harness.js';
import { browserMissing, launchChromium } from './chromium.js';

const missing = browserMissing();
if (missing) console.warn(`API reference browser test skipped: ${missing}`);

describe.skipIf(missing !== undefined)('the API reference at /docs', () => {
  let t: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('when it is opened with everything but this machine blocked, then it lists the operations and asked no one else', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const outside: string[] = [];
    const local: string[] = [];
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.protocol === 'blob:' || ['127.0.0.1', 'localhost'].includes(url.hostname)) {
        local.push(url.pathname);
        await route.continue();
      } else {
        outside.push(url.href);
        await route.abort('blockedbyclient');
      }
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const response = await page.goto(`${t.url}/docs`);
    expect(response?.status()).toBe(200);
    // Summaries of operations in different tags, as the reference lists them.
    await page.getByText('Who the token belongs to: name, role, organisation and region').first().waitFor();
    await mkdir(path.join(ROOT, 'test-artifacts', 'screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'screenshots', 'api-docs.png') });
    // Another tag's operations appear when its group is opened.
    await page.getByText('flights', { exact: true }).first().click();
    await page.getByText('List flights, newest first').first().waitFor();

    expect(local).toContain('/docs/scalar-api-reference.js');
    expect(local).toContain('/api/v1/openapi.json');
    expect(outside, 'requests to other hosts').toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

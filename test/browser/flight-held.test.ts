/**
 * Photos held outside the bureau's region on the live flight page, in a real browser: counted on
 * their own and listed with where they were taken and the region; an operator may remove one but is
 * not offered to process it; an administrator processes one with a note and the counts follow.
 * Screenshots go to test-artifacts/screenshots.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHANGHAI_BOUNDARY } from '../factories.js';
import { ROOT, startTestApi, type TestApi, waitFor } from '../integration/harness.js';
import { browserMissing, launchChromium } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
const missing = browserMissing();
if (missing) console.warn(`held photos browser test skipped: ${missing}`);

const PHOTOS = ['DJI_0010.JPG', 'DJI_0011.JPG'];

describe.skipIf(missing !== undefined)('held photos on the live flight page', () => {
  let t: TestApi;
  let browser: Browser;
  let flightId: string;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestApi();
    const boundary = await t.request('PUT', '/api/v1/organisation/region/boundary', {
      token: t.tokens.admin,
      body: { geometry: SHANGHAI_BOUNDARY },
    });
    expect(boundary.status).toBe(200);
    flightId = (await t.request('POST', '/api/v1/flights', { body: { name: 'Over the border' } })).body.id as string;
    for (const photo of PHOTOS)
      await t.request('PUT', `/api/v1/flights/${flightId}/images/${photo}`, {
        raw: await readFile(path.join(ROOT, 'samples/demo-flight', photo)),
      });
    await t.request('POST', `/api/v1/flights/${flightId}/complete`);
    await waitFor('the photos held', async () => {
      const s = (await t.request('GET', `/api/v1/flights/${flightId}`)).body;
      return s.done && s.images.held === PHOTOS.length ? true : undefined;
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  async function openAs(token: string, locale = 'en-GB'): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.url}/#/flights/${flightId}`);
    await page.locator('#token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('.held-photos').waitFor();
    return { page, errors };
  }
  const row = (page: Page, filename: string) => page.locator('.held-photos tbody tr', { hasText: filename });

  it('when an operator opens the flight, then the held photos are counted and listed with where and why, and only removing is offered', async () => {
    const { page, errors } = await openAs(t.tokens.operator);
    expect(await page.locator('.count-held strong').innerText()).toBe('2');
    await expect
      .poll(() => row(page, 'DJI_0010.JPG').locator('.reason').innerText())
      .toMatch(/^Taken at 34\.8\d+, 113\.\d+, outside China$/);
    expect(await page.locator('.held-photos tbody tr').count()).toBe(2);
    // On the map they wait in a colour of their own, not among the done ones.
    expect(await page.locator('.photo-map circle.held').count()).toBe(2);
    expect(await page.locator('.photo-map .photo-key.held').count()).toBe(1);
    expect(await page.locator('.held-photos button.process').count()).toBe(0);

    await row(page, 'DJI_0011.JPG').locator('button.reject').click();
    await row(page, 'DJI_0011.JPG')
      .locator('.decision', { hasText: /^Removed/ })
      .waitFor();
    expect(await row(page, 'DJI_0011.JPG').locator('button.reject').count()).toBe(0);
    expect(await page.locator('.hint[role=status]').innerText()).toMatch(/DJI_0011\.JPG removed/);
    await shot(page, 'flight-held-01-operator');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('when an administrator processes a held photo with a note, then it is detected and counted as done, and the removed one stays held', async () => {
    const { page, errors } = await openAs(t.tokens.admin);
    const photo = row(page, 'DJI_0010.JPG');
    // No note, no processing: the button waits for the reason.
    expect(await photo.locator('button.process').isDisabled()).toBe(true);
    await photo.locator('input.hold-note').fill('joint inspection with Shanghai');
    await photo.locator('button.process').click();
    await page.locator('.count-processed strong', { hasText: '1' }).waitFor({ timeout: 120_000 });
    expect(await page.locator('.count-held strong').innerText()).toBe('1');
    expect(await page.locator('.held-photos tbody tr').count()).toBe(1);
    expect(await row(page, 'DJI_0011.JPG').locator('button.process').count()).toBe(1);
    await shot(page, 'flight-held-02-admin');

    // In Chinese, the section and the region read in Chinese too.
    await page.keyboard.press('Alt+l');
    await page.locator('h2', { hasText: '暂缓照片（1）' }).waitFor();
    expect(await row(page, 'DJI_0011.JPG').locator('.reason').innerText()).toMatch(/位于 中国 之外$/);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 180_000);
});

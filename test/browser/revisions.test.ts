/**
 * A finding's history and a revised decision in the browser: the case page shows each finding's
 * timeline; an admin revises a reviewer's confirmation with a reason, which is required, and the
 * case follows; a regulator sees the timeline but is offered no revision.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSiteFeature } from '../factories.js';
import { flyDemoPhotos, ROOT, startTestApi, type TestApi } from '../integration/harness.js';
import { browserMissing, launchChromium } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
const missing = browserMissing();
if (missing) console.warn(`browser test skipped: ${missing}`);

describe.skipIf(missing !== undefined)('finding history and revision in the browser', () => {
  let t: TestApi;
  let browser: Browser;
  let findingId = '';
  let caseId = '';

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestApi();
    expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(81)).feature })).status).toBe(201);
    const { flightId } = await flyDemoPhotos(t, 'revision flight', ['DJI_0004.JPG']);
    const item = (
      await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=1`, { token: t.tokens.reviewer })
    ).body.items[0];
    findingId = item.finding.id;
    const decided = await t.request('POST', `/api/v1/findings/${findingId}/decision`, {
      token: t.tokens.reviewer,
      body: { decision: 'confirm' },
    });
    expect(decided.status).toBe(201);
    caseId = decided.body.case.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function openCase(token: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(t.url);
    await page.locator('#token:focus').waitFor();
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('.topbar').waitFor();
    await page.goto(`${t.url}/#/cases/${caseId}`);
    return { page, errors };
  }

  it('when a regulator opens the case, then the finding shows its detection and decision, and no revision is offered', async () => {
    const { page, errors } = await openCase(t.tokens.regulator);
    const history = page.locator('.case-finding .finding-history');
    await history.locator('.timeline-decided').waitFor();
    expect(await history.locator('.timeline-detected').count()).toBeGreaterThanOrEqual(1);
    expect(await history.locator('.timeline-decided').innerText()).toContain('test-reviewer');
    expect(await history.locator('button.revise').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('when an admin revises the confirmation to reject, then the reason is required, the finding leaves the case and the case says why', async () => {
    const { page, errors } = await openCase(t.tokens.admin);
    await page.locator('.case-finding .finding-history button.revise').click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const submit = dialog.locator('footer button.primary');
    expect(await submit.isDisabled()).toBe(true);
    await dialog.locator('input[value="reject"]').check();
    await dialog.locator('#revise-reason').fill('a welding torch behind a screen, under permit');
    await shot(page, 'revise-dialog');
    await submit.click();
    await dialog.waitFor({ state: 'detached' });

    const finding = await t.request('GET', `/api/v1/findings/${findingId}`, { token: t.tokens.admin });
    expect(finding.body.status).toBe('rejected');
    // It was the case's only finding: the case is dismissed, and its own history says so.
    await page.locator('text=Finding withdrawn (decision revised)').waitFor();
    expect(await page.locator('.case-finding').count()).toBe(0);
    await shot(page, 'revised-case');
    expect(errors).toEqual([]);
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
});

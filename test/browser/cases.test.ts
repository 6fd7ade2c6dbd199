/**
 * The case rules as a regulator meets them in the browser: a case without a liable site offers no
 * notice until a site is picked (the nearest first), and the case list's filters live in the
 * address, so a shared link shows the same cases, and the CSV export holds exactly those.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSiteFeature } from '../factories.js';
import { flyDemoPhotos, POSTGRES_URL, ROOT, startTestApi, type TestApi } from '../integration/harness.js';
import { browserMissing, launchChromium, signIn as signInAt } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
const missing = browserMissing();
if (missing) console.warn(`browser test skipped: ${missing}`);

describe.skipIf(missing !== undefined)('case rules in the browser', () => {
  let t: TestApi;
  let browser: Browser;
  let db: pg.Client;
  let siteId: string;
  const unsited = { id: '', reference: '' };
  const sited = { id: '', reference: '' };

  /** Confirms the first finding of a flight; returns its case. */
  async function confirmFirst(flightId: string): Promise<{ id: string; reference: string; siteId: string | null }> {
    const item = (
      await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=1`, { token: t.tokens.reviewer })
    ).body.items[0];
    const decided = await t.request('POST', `/api/v1/findings/${item.finding.id}/decision`, {
      token: t.tokens.reviewer,
      body: { decision: 'confirm' },
    });
    expect(decided.status).toBe(201);
    return decided.body.case;
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestApi();
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    const site = await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(71)).feature });
    expect(site.status).toBe(201);
    siteId = site.body.id;
    const { flightId: yard } = await flyDemoPhotos(t, 'east yard', ['DJI_0004.JPG']);
    Object.assign(sited, await confirmFirst(yard));
    // A finding placed outside every registered outline: its case has no liable site.
    const { flightId: away } = await flyDemoPhotos(t, 'river bank', ['DJI_0005.JPG']);
    await db.query(`UPDATE "${t.schema}".findings SET site_id = NULL WHERE flight_id = $1`, [away]);
    const opened = await confirmFirst(away);
    expect(opened.siteId).toBeNull();
    Object.assign(unsited, opened);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await t?.close();
  });

  const signIn = (token: string): Promise<Page> => signInAt(browser, t.url, token, { acceptDownloads: true });
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;
  const rows = (page: Page) =>
    page.locator('.case-table tbody tr').evaluateAll((els) => els.map((e) => e.getAttribute('data-case')));

  it('when a case has no liable site, then notifying waits until a regulator picks one, the nearest offered first', async () => {
    const page = await signIn(t.tokens.regulator);
    await page.goto(`${t.url}/#/cases/${unsited.id}`);
    await page.locator('#case-reference', { hasText: unsited.reference }).waitFor();
    await page.locator('#step-needs-site', { hasText: 'cannot be notified' }).waitFor();
    expect(await page.locator('button[data-step="notified"]').isDisabled()).toBe(true);
    await shot(page, '13-case-without-site');
    // The key of the notice opens the choice of site instead.
    await page.keyboard.press('1');
    await page.locator('dialog[open] #assign-site').waitFor();
    // The case lies inside the demo site's outline: it is offered first, and already chosen.
    await expect.poll(() => page.locator('#assign-site').inputValue()).toBe(siteId);
    expect(await page.locator('#assign-site option').nth(1).innerText()).toContain(
      'Demo Chemicals Ltd · contains the case',
    );
    await shot(page, '14-assign-site');
    await page.locator('#assign-site-note').fill('the yard by the river');
    await page.locator('#assign-site-save').click();
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    await page.locator('#step-needs-site').waitFor({ state: 'detached' });
    expect(await page.locator('button[data-step="notified"]').isDisabled()).toBe(false);

    await page.keyboard.press('1');
    await page.locator('dialog[open] #step-note').waitFor();
    await page.keyboard.type('Notice served at the gate');
    await page.keyboard.press('Control+Enter');
    await page.locator('.timeline li', { hasText: 'Notice served at the gate' }).waitFor();
    const detail = (await t.request('GET', `/api/v1/cases/${unsited.id}`, { token: t.tokens.regulator })).body;
    expect(detail.status).toBe('notified');
    expect(detail.site.id).toBe(siteId);
    expect(detail.events.map((e: { kind: string }) => e.kind).slice(-2)).toEqual(['site_assigned', 'transition']);
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });

  it('when the filters come from a shared link, then the list shows them, the address follows each change, and the CSV holds the cases shown', async () => {
    const page = await signIn(t.tokens.regulator);
    await page.goto(`${t.url}/#/cases?flight=river+bank&status=notified`);
    await page.locator(`tr[data-case="${unsited.reference}"]`).waitFor();
    expect(await rows(page)).toEqual([unsited.reference]);
    expect(await page.locator('#case-flight-filter').inputValue()).toBe('river bank');
    await shot(page, '15-cases-filtered');
    expect(await page.locator('button.chip.status-notified').getAttribute('aria-pressed')).toBe('true');

    const download = page.waitForEvent('download');
    await page.locator('button', { hasText: 'Export CSV' }).click();
    const file = path.join(ROOT, 'test-artifacts', 'filtered-cases.csv');
    await (await download).saveAs(file);
    const lines = (await readFile(file, 'utf8')).slice(1).trim().split('\r\n').slice(1);
    expect(lines.map((l) => l.split(',')[0])).toEqual([unsited.reference]);

    await page.locator('#case-enterprise-filter').fill('Nobody Ltd');
    await page.keyboard.press('Tab');
    await page.locator('.cases .empty').waitFor();
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(
      '#/cases?status=notified&flight=river+bank&enterprise=Nobody+Ltd',
    );

    await page.locator('#case-filters-clear').click();
    await page.locator(`tr[data-case="${sited.reference}"]`).waitFor();
    expect((await rows(page)).sort()).toEqual([sited.reference, unsited.reference].sort());
    expect(new URL(page.url()).hash).toBe('#/cases');
    expect(pageErrors(page)).toEqual([]);
    await page.context().close();
  });
});

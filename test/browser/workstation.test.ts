/**
 * The whole loop in a real browser (Debian's chromium, headless, driven by playwright-core), by
 * keyboard alone: a reviewer opens the queue, confirms, rejects with a reason, relabels and marks a
 * missed hazard; a regulator finds the new case, moves it through its states and downloads the
 * evidence bundle. Screenshots of each screen go to test-artifacts/screenshots.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../pipeline/evidence/bundle.js';
import { nodeBundleCrypto } from '../../pipeline/evidence/signing.js';
import { readZip } from '../../pipeline/evidence/zip.js';
import { demoSiteFeature, smallPhoto, truncatedJpeg } from '../factories.js';
import { flyDemoPhotos, ROOT, startTestApi, type TestApi, waitFor } from '../integration/harness.js';
import { browserMissing, launchChromium, signIn as signInAt } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
const missing = browserMissing();
if (missing) console.warn(`browser test skipped: ${missing}`);

describe.skipIf(missing !== undefined)(
  'reviewer workstation and regulator pages in a browser, by keyboard alone',
  () => {
    let t: TestApi;
    let browser: Browser;
    let flightId: string;
    let reference = '';

    beforeAll(async () => {
      await mkdir(SHOTS, { recursive: true });
      t = await startTestApi();
      expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(61)).feature })).status).toBe(
        201,
      );
      ({ flightId } = await flyDemoPhotos(t, 'browser flight', ['DJI_0010.JPG', 'DJI_0011.JPG', 'DJI_0012.JPG']));
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    const signIn = (token: string): Promise<Page> => signInAt(browser, t.url, token, { acceptDownloads: true });
    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;
    const queueTotal = async (page: Page) => Number((await page.locator('#queue-total').innerText()).match(/\d+/)![0]);
    const currentFinding = (page: Page) => page.locator('.queue .item.active').getAttribute('data-finding');
    /** Walks the queue with J and K to a finding. */
    async function moveTo(page: Page, id: string): Promise<void> {
      const ids = await page
        .locator('.queue .item')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-finding')));
      const from = ids.indexOf(await currentFinding(page));
      const to = ids.indexOf(id);
      for (let n = 0; n < Math.abs(to - from); n++) await page.keyboard.press(to > from ? 'j' : 'k');
      await page.locator(`.queue .item.active[data-finding="${id}"]`).waitFor();
    }
    const findingStatus = async (id: string) =>
      (await t.request('GET', `/api/v1/findings/${id}`, { token: t.tokens.reviewer })).body.status as string;

    it('when a reviewer works through the queue by keyboard, then confirm, reject with a reason, relabel, undo and a missed hazard all land', async () => {
      const page = await signIn(t.tokens.reviewer);
      await page.locator('.queue .item').first().waitFor();
      await page.locator('.viewer .stage img').first().waitFor();
      const before = await queueTotal(page);
      expect(before).toBeGreaterThanOrEqual(4);
      await shot(page, '01-review-queue');

      // Confirm; the decision waits out its undo, then is recorded and files a case.
      const confirmed = (await currentFinding(page))!;
      await page.keyboard.press('c');
      await page.locator('.toast', { hasText: 'Confirmed' }).waitFor();
      await shot(page, '02-confirmed-undo-window');
      const recorded = page.locator('.toast', { hasText: 'Recorded. Case HS-' });
      await recorded.waitFor({ timeout: 15_000 });
      reference = /HS-\d{6}/.exec(await recorded.innerText())![0];
      expect(await findingStatus(confirmed)).toBe('confirmed');

      // Undo: pressed within the window, the decision is never sent and the finding comes back.
      const undone = (await currentFinding(page))!;
      await page.keyboard.press('c');
      await page.keyboard.press('u');
      await page.locator('.toast', { hasText: 'Undone' }).waitFor();
      expect(await currentFinding(page)).toBe(undone);
      // Leave it undecided (it must stay pending once the undo window is long past).
      await page.keyboard.press('j');

      // Reject with a reason chosen by its number and a note.
      const rejected = (await currentFinding(page))!;
      await page.keyboard.press('r');
      await page.locator('dialog[open]').waitFor();
      await page.keyboard.press('2');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Permitted hot work, permit on file');
      await shot(page, '03-reject-reason');
      await page.keyboard.press('Control+Enter');
      await page.locator('.toast', { hasText: 'Rejected' }).waitFor();

      // Relabel to another class.
      const relabelled = (await currentFinding(page))!;
      await page.keyboard.press('l');
      await page.locator('dialog[open]').waitFor();
      await page.keyboard.press('1');
      await shot(page, '04-relabel');
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: 'Relabelled' }).waitFor();

      // A missed hazard: the box is moved and sized with the arrow keys, then given its class.
      await page.keyboard.press('m');
      await page.locator('.viewer rect.draft').waitFor();
      for (const key of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'Shift+ArrowRight', 'Shift+ArrowDown'])
        await page.keyboard.press(key);
      await shot(page, '05-missed-hazard-box');
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      await page.keyboard.press('1');
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: 'Missed hazard saved' }).waitFor();

      await waitFor(
        'rejection and relabel recorded',
        async () =>
          (await findingStatus(rejected)) === 'rejected' && (await findingStatus(relabelled)) === 'relabelled'
            ? true
            : undefined,
        20_000,
      );
      expect(await findingStatus(undone)).toBe('pending');
      const reject = (await t.request('GET', `/api/v1/findings/${rejected}`, { token: t.tokens.reviewer })).body;
      expect(reject.status).toBe('rejected');
      const missed = (
        await t.request('GET', `/api/v1/missed-hazards?flightId=${flightId}`, { token: t.tokens.reviewer })
      ).body.items;
      expect(missed).toHaveLength(1);
      expect(missed[0].reviewer).toBe('test-reviewer');
      await expect.poll(() => queueTotal(page)).toBe(before - 3);

      // Another reviewer holds the next finding open: this one sees who, and cannot decide it.
      const second = await t.token({ name: 'Reviewer Two', role: 'reviewer' });
      const queue = (await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, { token: second }))
        .body.items as Array<{ finding: { id: string } }>;
      const current = (await currentFinding(page))!;
      const held = queue.find((q) => q.finding.id !== current)!.finding.id;
      expect((await t.request('POST', `/api/v1/findings/${held}/lease`, { token: second })).status).toBe(200);
      await moveTo(page, held);
      await page.locator('#lease-banner', { hasText: 'Reviewer Two' }).waitFor();
      expect(await page.locator('#confirm').isDisabled()).toBe(true);
      await shot(page, '06-held-by-another-reviewer');

      // The same page in Chinese.
      await page.keyboard.press('Alt+l');
      await page.locator('.topbar nav a.active', { hasText: '审核' }).waitFor();
      await shot(page, '07-review-zh');
      await page.keyboard.press('Alt+l');
      expect(pageErrors(page)).toEqual([]);
      await page.context().close();
    });

    it('when an admin opens the operations page, then queues and failed photos show, in English and in Chinese', async () => {
      const page = await signIn(t.tokens.admin);
      await page.locator('.topbar nav a', { hasText: 'Operations' }).click();
      await page.locator('.operations h1', { hasText: 'Operations' }).waitFor();
      await page.locator('.operations td', { hasText: 'Photo detection' }).waitFor();
      await page.locator('.operations', { hasText: 'No failed photos.' }).waitFor();
      await shot(page, '12-operations');
      await page.keyboard.press('Alt+l');
      await page.locator('.operations h1', { hasText: '运维' }).waitFor();
      // No English left on the Chinese page (code and numbers aside).
      const text = await page.locator('.operations').innerText();
      expect(text.match(/[A-Za-z]{4,}/g) ?? []).toEqual([]);
      await shot(page, '13-operations-zh');
      await page.keyboard.press('Alt+l');
      expect(pageErrors(page)).toEqual([]);
      await page.context().close();
    });

    it('when a regulator finds the new case by keyboard, then it moves through every state and the evidence bundle downloads intact', async () => {
      expect(reference).toMatch(/^HS-\d{6}$/);
      const page = await signIn(t.tokens.regulator);
      await page.locator('.case-table').waitFor();
      await shot(page, '08-cases');
      await page.keyboard.press('/');
      await page.keyboard.type(reference);
      await page.keyboard.press('Enter');
      await page.locator(`tr[data-case="${reference}"]`).waitFor();
      expect(await page.locator('.case-table tbody tr').count()).toBe(1);
      // Enter in the search field searched and left it: the next Enter opens the selected case.
      await page.keyboard.press('Enter');
      await page.locator('#case-reference', { hasText: reference }).waitFor();
      await shot(page, '09-case-filed');

      const steps: Array<[string, string]> = [
        ['notified', 'Rectification notice served at the gate'],
        ['rectification_due', 'Install guard rails within 15 days'],
        ['rectified', 'The enterprise sent photos of the new rails'],
        ['verified', 'Rails seen on the follow-up flight'],
        ['closed', 'Closed'],
      ];
      for (const [status, note] of steps) {
        await page.keyboard.press('1');
        await page.locator('dialog[open]').waitFor();
        await page.keyboard.type(note);
        if (status === 'rectification_due') await shot(page, '10-step-deadline');
        await page.keyboard.press('Control+Enter');
        await page.locator('dialog[open]').waitFor({ state: 'detached' });
        await page.locator('.timeline li', { hasText: note }).waitFor();
      }
      await page.locator('.case-detail .steps', { hasText: 'This case is final' }).waitFor();
      // The case names its flight as people know it, never by id.
      await page.locator('#case-flight', { hasText: 'browser flight' }).waitFor();
      await shot(page, '11-case-closed');

      const download = page.waitForEvent('download');
      await page.keyboard.press('e');
      const file = path.join(ROOT, 'test-artifacts', `${reference}-evidence.zip`);
      await (await download).saveAs(file);
      const { files, problems } = readZip(await readFile(file));
      const verdict = await verifyBundle(files, problems, nodeBundleCrypto);
      expect(verdict.problems).toEqual([]);
      expect(verdict.manifest!.case.reference).toBe(reference);
      expect(verdict.manifest!.case.status).toBe('closed');

      const detail = (await t.request('GET', `/api/v1/cases?reference=${reference}`, { token: t.tokens.regulator }))
        .body.items[0];
      expect(detail.status).toBe('closed');
      const events = (
        await t.request('GET', `/api/v1/cases/${detail.id}`, { token: t.tokens.regulator })
      ).body.events.filter((e: { kind: string }) => e.kind === 'transition');
      expect(events.map((e: { toStatus: string }) => e.toStatus)).toEqual(steps.map(([s]) => s));
      expect(events.every((e: { actor: { name: string } }) => e.actor.name === 'test-regulator')).toBe(true);

      await page.goto(`${t.url}/#/map`);
      await page.locator('.map svg').waitFor();
      await shot(page, '12-case-map');
      expect(pageErrors(page)).toEqual([]);
      await page.context().close();
    });

    it('when an operator opens a flight with a broken photo, then its counts, map and the failure with its reason show, and retry queues it again', async () => {
      const flight = await t.request('POST', '/api/v1/flights', {
        token: t.tokens.operator,
        body: { name: 'broken card', siteName: 'Demo yard' },
      });
      const id = flight.body.id as string;
      for (const [name, raw] of [
        ['DJI_0003.JPG', await smallPhoto('DJI_0003.JPG', 640)],
        ['broken.JPG', await truncatedJpeg()],
      ] as const)
        await t.request('PUT', `/api/v1/flights/${id}/images/${name}`, { token: t.tokens.operator, raw });
      await t.request('POST', `/api/v1/flights/${id}/complete`, { token: t.tokens.operator });
      await waitFor('the flight settled', async () =>
        (await t.request('GET', `/api/v1/flights/${id}`, { token: t.tokens.operator })).body.done ? true : undefined,
      );

      const page = await signIn(t.tokens.operator);
      await page.locator('.flights a', { hasText: 'broken card' }).click();
      await page.locator('#flight-name', { hasText: 'broken card' }).waitFor();
      await page.locator('.flight-counts [data-state="failed"] strong', { hasText: '1' }).waitFor();
      await page.locator('.flight-counts [data-state="processed"] strong', { hasText: '1' }).waitFor();
      await page.locator('.photo-map circle.photo').first().waitFor();
      const row = page.locator('.failed-photos tr', { hasText: 'broken.JPG' });
      await row.locator('.reason', { hasText: /not a decodable image/i }).waitFor();
      await shot(page, '14-flight-live');
      await row.locator('button.retry').click();
      await page.locator('.flight-page .hint', { hasText: 'broken.JPG queued again' }).waitFor();
      // Nowhere on the flights pages is a flight shown by its id.
      expect(await page.locator('main').innerText()).not.toContain(id);
      await page.locator('.back').click();
      await page.locator('.flights td', { hasText: 'test-operator' }).first().waitFor();
      expect(await page.locator('main').innerText()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(pageErrors(page)).toEqual([]);
      await page.context().close();
    });
  },
);

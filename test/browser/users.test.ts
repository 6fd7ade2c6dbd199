/**
 * The administrator's Users and tokens page in a real browser: add a person with a role, issue a
 * token (shown once, copied), the token signs in, revoke it, and the Chinese page has no English.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestApi, type TestApi } from '../integration/harness.js';
import { browserMissing, launchChromium, signIn as signInAt } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
const missing = browserMissing();
if (missing) console.warn(`browser test skipped: ${missing}`);

describe.skipIf(missing !== undefined)('users and tokens page in a browser', () => {
  let t: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestApi({ withWorker: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signIn = (token: string): Promise<Page> => signInAt(browser, t.url, token, { clipboard: true });
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

  it('when an admin adds a person, issues a token and revokes it, then the token signs in once shown and stops after', async () => {
    const page = await signIn(t.tokens.admin);
    await page.locator('.topbar nav a', { hasText: 'Users' }).click();
    await page.locator('.users h1', { hasText: 'Users and tokens' }).waitFor();

    await page.locator('.add-person input[name="name"]').fill('Browser Person');
    await page.locator('.add-person input[name="new-role-reviewer"]').check();
    await page.locator('.add-person button[type="submit"]').click();
    const row = page.locator('.users-table tr[data-user="Browser Person"]');
    await row.waitFor();
    await row.locator('button', { hasText: 'Issue token' }).click();
    await page.locator('dialog .issue-token select[name="lifetime"]').selectOption({ label: '90 days' });
    await page.locator('dialog .issue-token button[type="submit"]').click();
    const secret = (await page.locator('#issued-token').innerText()).trim();
    expect(secret).toMatch(/^hs_/);
    await page.locator('dialog button', { hasText: 'Copy' }).click();
    await page.locator('dialog [role="status"]', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await shot(page, '20-users-token-shown-once');
    await page.locator('dialog button[aria-label="close"]').click();

    expect((await t.request('GET', '/api/v1/me', { token: secret })).body).toMatchObject({
      name: 'Browser Person',
      role: 'reviewer',
    });
    const tokenRow = page.locator('.tokens-table tr', { hasText: 'Browser Person' });
    await tokenRow.locator('.badge', { hasText: 'active' }).waitFor();
    expect(await page.locator('.users').innerText()).not.toContain(secret);

    page.once('dialog', (d) => void d.accept());
    await tokenRow.locator('button', { hasText: 'Revoke' }).click();
    await tokenRow.locator('.badge', { hasText: 'revoked' }).waitFor();
    expect((await t.request('GET', '/api/v1/me', { token: secret })).status).toBe(401);
    await shot(page, '21-users');

    await page.keyboard.press('Alt+l');
    await page.locator('.users h1', { hasText: '用户与令牌' }).waitFor();
    // No English left on the Chinese page, names of people aside (and the note about the revocation,
    // which stays in the language it was given in).
    const note = await page.locator('.users [role="status"]').innerText();
    const text = (await page.locator('.users').innerText()).replace(note, '').replace(/Browser Person|test-\w+/g, '');
    expect(text.match(/[A-Za-z]{4,}/g) ?? []).toEqual([]);
    await shot(page, '22-users-zh');
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.context().close();
  });

  it('when a reviewer signs in, then the page is not offered', async () => {
    const page = await signIn(t.tokens.reviewer);
    expect(await page.locator('.topbar nav a', { hasText: 'Users' }).count()).toBe(0);
    await page.context().close();
  });
});

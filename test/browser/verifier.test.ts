/**
 * The offline evidence verifier in a real browser (Debian's chromium, headless): the page is saved
 * from GET /verify/download and opened from a file, every network request is refused (and counted),
 * and a real bundle made by the system is checked, then the same bundle with one byte of a photo
 * changed and with a changed signature. Screenshots go to test-artifacts/screenshots.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip, ZipWriter, type ZipFile } from '../../pipeline/evidence/zip.js';
import { demoSiteFeature } from '../factories.js';
import { flyDemoPhotos, ROOT, startTestApi, type TestApi } from '../integration/harness.js';
import { browserMissing, launchChromium } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
const missing = browserMissing('verify.html');
if (missing) console.warn(`verifier browser test skipped: ${missing}`);

/** Re-zipped with valid CRCs, as someone editing a file in the archive would leave it. */
function rezip(files: readonly ZipFile[]): Buffer {
  const writer = new ZipWriter(new Date());
  return Buffer.concat([
    ...files.flatMap((f) => writer.add({ name: f.name, data: f.data, compress: f.name.endsWith('.json') })),
    ...writer.finish(),
  ]);
}

describe.skipIf(missing !== undefined)('the offline evidence verifier page in a browser', () => {
  let t: TestApi;
  let browser: Browser;
  let context: BrowserContext;
  let dir: string;
  let pageUrl: string;
  let bundle: Buffer;
  let reference: string;
  let keyId: string;
  /** Every request the page tried that was not the page file itself. */
  const refused: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-verifier-'));
    t = await startTestApi();
    expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(81)).feature })).status).toBe(201);
    const { flightId } = await flyDemoPhotos(t, 'verifier', ['DJI_0004.JPG', 'DJI_0005.JPG']);
    const queue = (
      await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, { token: t.tokens.reviewer })
    ).body.items;
    const decided = await t.request('POST', `/api/v1/findings/${queue[0].finding.id}/decision`, {
      token: t.tokens.reviewer,
      body: { decision: 'confirm', note: 'seen in the verifier test' },
    });
    expect(decided.status).toBe(201);
    reference = decided.body.case.reference;
    const zip = await t.request('GET', `/api/v1/cases/${decided.body.case.id}/evidence.zip`, {
      token: t.tokens.regulator,
    });
    expect(zip.status).toBe(200);
    bundle = zip.body as Buffer;
    keyId = (await t.request('GET', '/api/v1/evidence/keys', { token: null })).body.keys.at(-1).keyId;

    const page = await t.request('GET', '/verify/download', { token: null });
    expect(page.status).toBe(200);
    const file = path.join(dir, 'hazardscope-verify-evidence.html');
    await writeFile(file, page.body as Buffer);
    pageUrl = pathToFileURL(file).href;

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    // Offline: whatever the page asks for besides its own file fails, and is counted.
    await context.route(
      (url) => url.protocol !== 'file:',
      async (route) => {
        refused.push(route.request().url());
        await route.abort('internetdisconnected');
      },
    );
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function check(name: string, data: Buffer, options: { query?: string; fingerprint?: string } = {}) {
    const file = path.join(dir, name);
    await writeFile(file, data);
    const page: Page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${pageUrl}${options.query ?? ''}`);
    if (options.fingerprint) await page.fill('#fingerprint', options.fingerprint);
    await page.setInputFiles('#bundle', file);
    await page.locator('[data-verdict]').waitFor();
    const statuses = Object.fromEntries(
      await page
        .locator('.checks li')
        .evaluateAll((items) => items.map((li) => [li.getAttribute('data-check'), li.getAttribute('data-status')])),
    ) as Record<string, string>;
    return {
      page,
      errors,
      requests,
      verdict: await page.locator('[data-verdict]').getAttribute('data-verdict'),
      statuses,
      problems: await page
        .locator('.problems li')
        .evaluateAll((items) => items.map((li) => `${li.getAttribute('data-file')} ${li.getAttribute('data-code')}`)),
    };
  }

  it('when a real bundle is checked in the page opened from a file, then every check passes, the signing key is shown, and the page asked the network for nothing', async () => {
    const result = await check(`${reference}-evidence.zip`, bundle);
    expect(result.errors).toEqual([]);
    expect(result.verdict).toBe('valid');
    expect(result.statuses).toEqual({
      archive: 'ok',
      signature: 'ok',
      key: 'warn', // not compared with a published fingerprint yet
      manifest: 'ok',
      files: 'ok',
      photos: 'ok',
      audit: 'ok',
    });
    await expect(result.page.locator('[data-check="key"]').textContent()).resolves.toContain(keyId);
    await expect(result.page.locator('.case').textContent()).resolves.toContain(reference);
    const rows = result.page.locator('table.files tr[data-file]');
    expect(await rows.count()).toBe(readZip(bundle).files.length - 2);
    expect(await result.page.locator('table.files tr[data-status="ok"]').count()).toBe(await rows.count());
    // Chromium has Ed25519 in WebCrypto, and a file is a secure context: the browser's own crypto did it.
    await expect(result.page.locator('.engine').getAttribute('data-engine')).resolves.toBe('webcrypto');
    await result.page.screenshot({ path: path.join(SHOTS, 'verifier-01-valid.png'), fullPage: true });

    await result.page.fill('#fingerprint', keyId);
    await result.page.locator('[data-check="key"][data-status="ok"]').waitFor();
    await expect(result.page.locator('[data-verdict]').getAttribute('data-verdict')).resolves.toBe('valid');
    await result.page.click('#language');
    await expect(result.page.locator('[data-verdict]').textContent()).resolves.toContain('有效');
    await result.page.screenshot({ path: path.join(SHOTS, 'verifier-02-valid-zh.png'), fullPage: true });
    await result.page.click('#language');

    await result.page.fill('#fingerprint', 'f'.repeat(64));
    await result.page.locator('[data-check="key"][data-status="fail"]').waitFor();
    await expect(result.page.locator('[data-verdict]').getAttribute('data-verdict')).resolves.toBe('invalid');
    await result.page.close();

    expect(result.requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('when the browser’s WebCrypto is not used, then the bundled JavaScript library reaches the same verdicts', async () => {
    const valid = await check('bundle-js.zip', bundle, { query: '?engine=js', fingerprint: keyId });
    expect(valid.verdict).toBe('valid');
    expect(valid.statuses.key).toBe('ok');
    await expect(valid.page.locator('.engine').getAttribute('data-engine')).resolves.toBe('javascript');
    await valid.page.close();
    const { files } = readZip(bundle);
    const forged = rezip(
      files.map((f) => (f.name === 'signature.json' ? { name: f.name, data: forgeSignature(f.data) } : f)),
    );
    const invalid = await check('forged-js.zip', forged, { query: '?engine=js' });
    expect(invalid.verdict).toBe('invalid');
    expect(invalid.statuses.signature).toBe('fail');
    await invalid.page.close();
    expect(refused).toEqual([]);
  });

  it('when one byte of a photo is changed, then the page says the bundle is not valid and names that photo', async () => {
    const { files } = readZip(bundle);
    const photo = files.find((f) => f.name.startsWith('photos/'))!;
    const changed = Buffer.from(photo.data);
    const at = Math.floor(changed.length / 2);
    changed[at] = changed[at]! ^ 0x01;
    const result = await check(
      'one-byte.zip',
      rezip(files.map((f) => (f === photo ? { name: f.name, data: changed } : f))),
    );
    expect(result.errors).toEqual([]);
    expect(result.verdict).toBe('invalid');
    expect(result.statuses).toMatchObject({ archive: 'ok', signature: 'ok', files: 'fail', manifest: 'ok' });
    expect(result.problems).toEqual([`${photo.name} file-changed`]);
    await expect(result.page.locator(`tr[data-file="${photo.name}"]`).getAttribute('data-status')).resolves.toBe(
      'fail',
    );
    await result.page.screenshot({ path: path.join(SHOTS, 'verifier-03-photo-changed.png'), fullPage: true });
    await result.page.close();
  });

  it('when the signature is changed, then the page says the signature check failed and checks no file against the untrusted manifest', async () => {
    const { files } = readZip(bundle);
    const result = await check(
      'wrong-signature.zip',
      rezip(files.map((f) => (f.name === 'signature.json' ? { name: f.name, data: forgeSignature(f.data) } : f))),
    );
    expect(result.verdict).toBe('invalid');
    expect(result.statuses).toMatchObject({ signature: 'fail', key: 'skip', files: 'skip' });
    expect(result.problems).toEqual(['signature.json signature-invalid']);
    await result.page.screenshot({ path: path.join(SHOTS, 'verifier-04-signature-changed.png'), fullPage: true });
    await result.page.close();
    expect(refused).toEqual([]);
  });
});

/** signature.json with one character of the signature changed, still in its canonical form. */
function forgeSignature(data: Buffer): Buffer {
  const doc = JSON.parse(data.toString('utf8')) as { signature: string };
  const first = doc.signature[0] === 'A' ? 'B' : 'A';
  return Buffer.from(data.toString('utf8').replace(doc.signature, first + doc.signature.slice(1)));
}

/**
 * GET /verify and /verify/download: the offline evidence verifier page, served without a token, as
 * one file whose Content-Security-Policy allows its own inline script and style by hash and no
 * request of any kind.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestApi, type TestApi } from './harness.js';

const built = existsSync(path.join(ROOT, 'web/dist/verify.html'));
if (!built) console.warn('verifier page test skipped: web/dist/verify.html is not built (npm test builds it)');

const inlineHash = (html: string, tag: 'script' | 'style') => {
  const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)![1]!;
  return `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;
};

describe.skipIf(!built)('the offline verifier page', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when /verify is asked for without a token, then it answers 200 with one self-contained HTML page and a policy that forbids every request', async () => {
    const res = await t.request('GET', '/verify', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBeNull();
    const html = (res.body as Buffer).toString('utf8');
    // Nothing to fetch: no external script, style, image or frame.
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    const csp = res.headers.get('content-security-policy')!;
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values.join(' ')] as const;
      }),
    );
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.has('connect-src')).toBe(false);
    expect(directives.get('frame-ancestors')).toBe("'none'");
    // The only script and style allowed are the page's own, by hash: nothing else could run.
    expect(directives.get('script-src')).toBe(inlineHash(html, 'script'));
    expect(directives.get('style-src')).toBe(inlineHash(html, 'style'));
    // The saved page carries the same policy, so it sends nothing when opened from disk either.
    expect(csp.startsWith(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!)).toBe(true);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('when /verify/download is asked for, then the same page comes as an attachment to save', async () => {
    const page = await t.request('GET', '/verify', { token: null });
    const res = await t.request('GET', '/verify/download', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="?hazardscope-verify-evidence\.html"?$/,
    );
    expect(res.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'));
    expect(Buffer.compare(res.body as Buffer, page.body as Buffer)).toBe(0);
  });
});

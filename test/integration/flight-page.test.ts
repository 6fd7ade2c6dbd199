import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto } from '../factories.js';
import { auditOf as auditOfSubject, REDIS_URL, startTestApi, type TestApi, waitFor } from './harness.js';

/**
 * What the live flight page needs: the flight named as people know it, its status polled with
 * ETags, and the operator's own buttons for failed photos (retry, remove, retry all), scoped to the
 * flight and to the caller's organisation.
 */
const PHOTOS = ['DJI_0001.JPG', 'DJI_0002.JPG'];

describe('the live flight page', () => {
  let t: TestApi;
  let flightId: string;
  let otherFlightId: string;
  let failed: Array<{ imageId: string; filename: string; reason: string }>;
  let operator: string;
  let outsider: string;

  beforeAll(async () => {
    t = await startTestApi({
      withWorker: false,
      env: { RECOVERY_SWEEP_SECONDS: '0', RECOVERY_GRACE_SECONDS: '0', RECOVERY_BACKOFF_SECONDS: '0' },
    });
    operator = await t.token({ name: 'Wang Fang', role: 'operator' });
    const org = await t.api.container.services.tokens.createOrganisation('Another bureau', '', 'test');
    outsider = await t.token({ name: 'Outsider', role: 'operator', organisation: org.id });
    const create = (name: string) =>
      t.request('POST', '/api/v1/flights', { token: operator, body: { name, siteName: 'Zhongyuan Chemicals' } });
    flightId = (await create('North yard, morning')).body.id as string;
    otherFlightId = (await create('North yard, afternoon')).body.id as string;
    for (const name of PHOTOS)
      await t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, {
        token: operator,
        raw: await smallPhoto(name, 320),
      });
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: operator });
    // Every photo fails for good on a worker that cannot read them; the sweep records why.
    const connection = { url: REDIS_URL };
    const queue = new Queue('detection', { connection, prefix: t.prefix });
    const worker = new Worker(
      'detection',
      async () => {
        throw new UnrecoverableError('not a decodable image: staged for the test');
      },
      { connection: { ...connection, maxRetriesPerRequest: null }, prefix: t.prefix },
    );
    await waitFor('the staged failures', async () =>
      (await queue.getJobCounts('failed')).failed === PHOTOS.length ? true : undefined,
    );
    await worker.close();
    await queue.close();
    await t.api.container.services.recovery.sweep();
    failed = (await t.request('GET', `/api/v1/flights/${flightId}`, { token: operator })).body.failures;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const status = (headers: Record<string, string> = {}) =>
    fetch(`${t.url}/api/v1/flights/${flightId}`, { headers: { authorization: `Bearer ${operator}`, ...headers } });

  it('when the flight is listed or opened, then it carries its name, date, operator and site', async () => {
    const listed = (await t.request('GET', '/api/v1/flights', { token: t.tokens.reviewer })).body.items;
    expect(listed.find((f: { id: string }) => f.id === flightId)).toMatchObject({
      name: 'North yard, morning',
      operator: 'Wang Fang',
      siteName: 'Zhongyuan Chemicals',
      createdAt: expect.any(String),
    });
    const opened = (await t.request('GET', `/api/v1/flights/${flightId}`, { token: t.tokens.regulator })).body;
    expect(opened.flight).toMatchObject({ name: 'North yard, morning', operator: 'Wang Fang' });
    expect(opened.images).toMatchObject({ failed: PHOTOS.length, total: PHOTOS.length });
    expect(failed.map((f) => f.filename).sort()).toEqual(PHOTOS);
    expect(failed.every((f) => f.reason.includes('staged for the test'))).toBe(true);
  });

  it('when the status is polled with the ETag it last gave, then an unchanged flight answers 304 without a body', async () => {
    const first = await status();
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await status({ 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await status({ 'if-none-match': 'W/"something-else"' })).status).toBe(200);
  });

  it('when the operator retries one failed photo, then it is queued again, audited, and the ETag changes', async () => {
    const before = (await status()).headers.get('etag')!;
    const photo = failed[0]!.imageId;
    const res = await t.request('POST', `/api/v1/flights/${flightId}/images/${photo}/retry`, { token: operator });
    expect(res.status).toBe(202);
    const after = await status({ 'if-none-match': before });
    expect(after.status).toBe(200);
    const body = (await after.json()) as { images: Record<string, number>; failures: Array<{ imageId: string }> };
    expect(body.images).toMatchObject({ queued: 1, failed: PHOTOS.length - 1 });
    expect(body.failures.map((f) => f.imageId)).not.toContain(photo);
    expect(await auditOf(photo)).toEqual([{ action: 'image.retry_requested', actor: 'operator:Wang Fang' }]);
    // Retried already: a second press finds nothing failed.
    const twice = await t.request('POST', `/api/v1/flights/${flightId}/images/${photo}/retry`, { token: operator });
    expect(twice.status).toBe(409);
    expect(twice.headers.get('content-type')).toContain('application/problem+json');
  });

  it('when the operator removes the other and then retries all, then the removed one stays failed and is skipped', async () => {
    const photo = failed[1]!.imageId;
    const removed = await t.request('POST', `/api/v1/flights/${flightId}/images/${photo}/discard`, {
      token: operator,
      body: { note: 'lens cap on' },
    });
    expect(removed.status).toBe(204);
    const body = (await t.request('GET', `/api/v1/flights/${flightId}`, { token: operator })).body;
    expect(body.failures).toEqual([
      expect.objectContaining({
        imageId: photo,
        discardedAt: expect.any(String),
        reason: expect.stringContaining('lens cap on'),
      }),
    ]);
    const all = await t.request('POST', `/api/v1/flights/${flightId}/retry-failed`, { token: operator });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ retried: 0, leftDiscarded: 1 });
    expect(await auditOf(photo)).toEqual([{ action: 'image.failure_discarded', actor: 'operator:Wang Fang' }]);
  });

  it('when a photo is named under another flight, another organisation calls, or a reviewer does, then nothing is done', async () => {
    const photo = failed[1]!.imageId;
    const wrongFlight = await t.request('POST', `/api/v1/flights/${otherFlightId}/images/${photo}/retry`, {
      token: operator,
    });
    expect(wrongFlight.status).toBe(404);
    expect(wrongFlight.headers.get('content-type')).toContain('application/problem+json');
    for (const [method, path, body] of [
      ['POST', `/api/v1/flights/${flightId}/images/${photo}/retry`, undefined],
      ['POST', `/api/v1/flights/${flightId}/images/${photo}/discard`, {}],
      ['POST', `/api/v1/flights/${flightId}/retry-failed`, undefined],
      ['GET', `/api/v1/flights/${flightId}`, undefined],
    ] as const) {
      expect((await t.request(method, path, { token: outsider, body })).status, `${method} ${path}`).toBe(404);
      if (method === 'POST')
        expect((await t.request(method, path, { token: t.tokens.reviewer, body })).status, path).toBe(403);
    }
    expect(await auditOf(photo)).toEqual([{ action: 'image.failure_discarded', actor: 'operator:Wang Fang' }]);
  });

  function auditOf(imageId: string) {
    return auditOfSubject(t, imageId, ['image.retry_requested', 'image.failure_discarded']);
  }
});

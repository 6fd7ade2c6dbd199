import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { POSTGRES_URL, REDIS_URL, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

/** The administrator's operations view and /metrics, against real Redis, PostgreSQL, S3 and model. */
const PHOTOS = ['DJI_0001.JPG', 'DJI_0002.JPG', 'DJI_0003.JPG'];

describe('operations', () => {
  let t: TestApi;
  let flightId: string;

  beforeAll(async () => {
    t = await startTestApi({
      withWorker: false,
      env: { RECOVERY_SWEEP_SECONDS: '0', RECOVERY_GRACE_SECONDS: '0', RECOVERY_BACKOFF_SECONDS: '0' },
    });
    flightId = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'ops' } })).body
      .id as string;
    for (const name of PHOTOS)
      await t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, {
        token: t.tokens.operator,
        raw: await readFile(path.join(ROOT, 'samples/demo-flight', name)),
      });
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
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
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('when an admin opens the operations view, then every failed photo is listed with its reason, kind and category', async () => {
    const res = await t.request('GET', '/api/v1/admin/operations');
    expect(res.status).toBe(200);
    expect(res.body.failed).toHaveLength(PHOTOS.length);
    expect(res.body.failed[0]).toMatchObject({
      flightId,
      flightName: 'ops',
      category: 'undecodable',
      kind: 'permanent',
      automaticRetriesLeft: 0,
    });
    expect(res.body.failed[0].reason).toContain('staged for the test');
    expect(res.body.failedByCategory).toEqual({ undecodable: PHOTOS.length });
    expect(res.body.queues.detection.failed).toBe(PHOTOS.length);
  });

  it('when someone other than an admin asks, then it is refused', async () => {
    expect((await t.request('GET', '/api/v1/admin/operations', { token: t.tokens.reviewer })).status).toBe(403);
    const failed = (await t.request('GET', '/api/v1/admin/operations')).body.failed[0].imageId;
    expect((await t.request('POST', `/api/v1/admin/images/${failed}/retry`, { token: t.tokens.operator })).status).toBe(
      403,
    );
  });

  it('when an admin discards one and retries the rest, then the discarded stays failed and the others are processed, each audited', async () => {
    const failed = (await t.request('GET', '/api/v1/admin/operations')).body.failed as Array<{ imageId: string }>;
    const [discarded, ...others] = failed.map((f) => f.imageId);
    const discard = await t.request('POST', `/api/v1/admin/images/${discarded}/discard`, {
      body: { note: 'lens cap on' },
    });
    expect(discard.status).toBe(204);
    const retried = await t.request('POST', '/api/v1/admin/images/retry-failed', { body: {} });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ retried: PHOTOS.length - 1, leftDiscarded: 1 });
    await t.api.container.startWorker();
    const flight = await waitFor('the flight to finish again', async () => {
      const body = (await t.request('GET', `/api/v1/flights/${flightId}`)).body;
      return body.done && body.images.processed === PHOTOS.length - 1 ? body : undefined;
    });
    expect(flight.images.failed).toBe(1);
    const left = (await t.request('GET', '/api/v1/admin/operations')).body.failed;
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ imageId: discarded, kind: 'permanent' });
    expect(left[0].reason).toContain('lens cap on');
    expect(left[0].discardedAt).not.toBeNull();
    expect(others).toHaveLength(PHOTOS.length - 1);
    // Retrying the discarded one alone still works: a person may change their mind.
    expect((await t.request('POST', `/api/v1/admin/images/${discarded}/retry`)).status).toBe(202);
    await waitFor('the last photo processed', async () =>
      (await t.request('GET', `/api/v1/flights/${flightId}`)).body.images.processed === PHOTOS.length
        ? true
        : undefined,
    );
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const audit = await client
      .query<{ action: string; n: number }>(
        `SELECT action, count(*)::int AS n FROM "${t.schema}".audit_log WHERE action LIKE 'image.%' GROUP BY action`,
      )
      .finally(() => client.end());
    const actions = Object.fromEntries(audit.rows.map((r) => [r.action, r.n]));
    expect(actions['image.failure_discarded']).toBe(1);
    expect(actions['image.retry_requested']).toBe(PHOTOS.length);
    expect(actions['image.recovery.record-failure']).toBe(PHOTOS.length);
  }, 180_000);

  it('when a photo that is not failed is retried, then the answer is 409 and nothing changes', async () => {
    const images = (await t.request('GET', `/api/v1/flights/${flightId}/images`)).body.items as Array<{ id: string }>;
    const res = await t.request('POST', `/api/v1/admin/images/${images[0]!.id}/retry`);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('when Prometheus scrapes /metrics from this machine, then queues, photos, review backlog, HTTP routes and the event loop are there', async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/hazardscope_queue_jobs\{[^}]*queue="detection"[^}]*state="completed"[^}]*\} \d+/);
    expect(text).toMatch(new RegExp(`hazardscope_photos\\{status="processed"\\} \\d+`));
    expect(text).toContain('hazardscope_review_backlog');
    expect(text).toContain('hazardscope_nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/hazardscope_job_duration_seconds_count\{job="detect",outcome="completed"\} [1-9]/);
    expect(text).toMatch(/hazardscope_inference_duration_seconds_count [1-9]/);
    expect(text).toMatch(/hazardscope_recovery_actions_total\{action="record-failure"\} 3/);
    // Route templates, never raw ids: one series per route.
    expect(text).toContain('route="/api/v1/flights/:flightId"');
    expect(text).not.toContain(flightId);
  });

  it('when a request fails, then the problem and the X-Request-Id header carry the same request id, and a caller’s own id is kept', async () => {
    const res = await t.request('GET', '/api/v1/flights/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    const own = await fetch(`${t.url}/api/v1/flights/nope`, {
      headers: { 'x-request-id': 'proxy-1234abcd', authorization: `Bearer ${t.tokens.admin}` },
    });
    expect(own.headers.get('x-request-id')).toBe('proxy-1234abcd');
    expect(((await own.json()) as { requestId: string }).requestId).toBe('proxy-1234abcd');
  });
});

describe('metrics behind a token', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false, env: { METRICS_TOKEN: 'metrics-token-of-24-chars-or-more' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when METRICS_TOKEN is set, then /metrics needs it as a bearer token', async () => {
    const without = await fetch(`${t.url}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${t.url}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-of-24-chars-or-more' },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('hazardscope_queue_jobs');
  });
});

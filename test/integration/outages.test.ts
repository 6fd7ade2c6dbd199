import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto } from '../factories.js';
import { privatePostgres, privateRedis, privateS3 } from './outage-services.js';
import { startTestApi, type TestApi, waitFor } from './harness.js';

/**
 * Each dependency is stopped under a running API: requests that need it answer 503 problem+json
 * with Retry-After and name it, readiness names it, liveness stays up, and once it is back the same
 * requests work with no restart. A request that hangs instead fails at HANG; that bound tells a hang
 * from an answer (the timeouts themselves are 5 s or less), it does not measure speed.
 */
const HANG = 30_000;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

function expectUnavailable(res: Answer, dependency: string): void {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable', context: { dependency } });
  // Says what is wrong without the internals of a stack trace.
  expect(res.body.detail).toMatch(/unavailable/);
  expect(res.body.detail).not.toMatch(/\n\s+at /);
}

async function timed(t: TestApi, method: string, pathname: string, options: Parameters<TestApi['request']>[2] = {}) {
  const started = performance.now();
  const res = await Promise.race([
    t.request(method, pathname, options),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${method} ${pathname} hung for ${HANG} ms`)), HANG).unref(),
    ),
  ]);
  console.log(`${method} ${pathname} answered ${res.status} in ${Math.round(performance.now() - started)} ms`);
  return res;
}

async function expectReadinessNames(t: TestApi, dependency: string): Promise<void> {
  const live = await timed(t, 'GET', '/health/live', { token: null });
  expect(live.status).toBe(200);
  const ready = await timed(t, 'GET', '/health/ready', { token: null });
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).toBeTruthy();
  expect(ready.body.context.failed).toEqual([dependency]);
  expect(ready.body.detail).toMatch(new RegExp(`not ready: ${dependency}`));
}

describe('when PostgreSQL goes away', () => {
  let postgres: Awaited<ReturnType<typeof privatePostgres>>;
  let t: TestApi;
  beforeAll(async () => {
    postgres = await privatePostgres();
    t = await startTestApi({ withWorker: false, env: { DATABASE_URL: postgres.url } });
  });
  afterAll(async () => {
    await postgres?.start().catch(() => undefined);
    await t?.close();
    await postgres?.remove();
  });

  it('when the database is stopped, then a request answers 503 with Retry-After (not 401 or 500 from the token lookup), and it works again once the database is back', async () => {
    expect((await t.request('GET', '/api/v1/flights')).status).toBe(200);
    await postgres.stop();
    expectUnavailable(await timed(t, 'GET', '/api/v1/flights'), 'database');
    expectUnavailable(
      await timed(t, 'POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'in the outage' } }),
      'database',
    );
    await expectReadinessNames(t, 'database');

    await postgres.start();
    await waitFor('the API to reach the database again', async () =>
      (await t.request('GET', '/api/v1/flights')).status === 200 ? true : undefined,
    );
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
  });
});

describe('when Redis goes away', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let t: TestApi;
  beforeAll(async () => {
    redis = await privateRedis();
    t = await startTestApi({ withWorker: false, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.remove();
  });

  it('when Redis is down, then an upload answers 503 naming the queue, and the same upload once it is back queues the photo', async () => {
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'redis' } });
    const photo = await smallPhoto('DJI_0011.JPG', 320);
    const upload = () =>
      timed(t, 'PUT', `/api/v1/flights/${flight.body.id}/images/p.JPG`, { token: t.tokens.operator, raw: photo });
    await redis.stop();
    expectUnavailable(await upload(), 'queue');
    await expectReadinessNames(t, 'queue');

    await redis.start();
    const again = await waitFor('the upload to go through', async () => {
      const res = await upload();
      return res.status < 500 ? res : undefined;
    });
    // The bytes were stored before the queue failed: the retry finds them and queues the photo.
    expect(again.status).toBe(200);
    const image = await t.request('GET', `/api/v1/images/${again.body.image.id}`);
    expect(image.body.image.status).toBe('queued');
  });
});

describe('when object storage goes away', () => {
  let s3: Awaited<ReturnType<typeof privateS3>>;
  let t: TestApi;
  beforeAll(async () => {
    s3 = await privateS3();
    t = await startTestApi({ withWorker: false, env: s3.env });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.remove();
  });

  it('when S3 is down, then an upload answers 503 naming storage, and uploads work again once it is back', async () => {
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 's3' } });
    const upload = async (name: string) =>
      timed(t, 'PUT', `/api/v1/flights/${flight.body.id}/images/${name}`, {
        token: t.tokens.operator,
        raw: await smallPhoto('DJI_0012.JPG', 320),
      });
    await s3.stop();
    expectUnavailable(await upload('a.JPG'), 'storage');
    await expectReadinessNames(t, 'storage');

    await s3.start();
    expect((await upload('a.JPG')).status).toBe(201);
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
  });
});

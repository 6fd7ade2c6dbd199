import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

/** Liveness and readiness probes; what they say when a dependency is down is in outages.test.ts. */
describe('health probes', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when liveness is asked at the root or under /api/v1, new path or old, then it answers ok without a token', async () => {
    for (const path of ['/health/live', '/api/v1/health/live', '/health', '/api/v1/health']) {
      const res = await t.request('GET', path, { token: null });
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number) });
    }
  });

  it('when readiness is asked and every dependency answers, then /health/ready and the older /ready both say so per dependency', async () => {
    const checks = { database: 'ok', storage: 'ok', queue: 'ok' };
    for (const path of ['/health/ready', '/api/v1/health/ready']) {
      const res = await t.request('GET', path, { token: null });
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ ready: true, checks });
    }
    for (const path of ['/ready', '/api/v1/ready'])
      expect((await t.request('GET', path, { token: null })).body).toEqual({ ready: true, checks });
  });
});

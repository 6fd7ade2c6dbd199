import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

const SAMPLES = path.join(ROOT, 'samples/demo-flight');

describe('end to end on real services (PostgreSQL, Redis, embedded S3, ONNX)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when an operator uploads photos and completes the flight, then every photo is processed with its hash, pixel size and capture metadata', async () => {
    const created = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'e2e flight', siteName: 'test site' } });
    expect(created.status).toBe(201);
    const flightId = created.body.id as string;
    const files = ['DJI_0001.JPG', 'DJI_0002.JPG'];
    for (const f of files) {
      const up = await t.request('PUT', `/api/v1/flights/${flightId}/images/${f}`, { token: t.tokens.operator, raw: await readFile(path.join(SAMPLES, f)) });
      expect(up.status).toBe(201);
      expect(up.body.image.originalFilename).toBe(f);
    }
    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.status).toBe(200);
    const status = await waitFor('flight processed', async () => {
      const s = await t.request('GET', `/api/v1/flights/${flightId}`, { token: t.tokens.operator });
      return s.body.done ? s.body : undefined;
    });
    expect(status.images.processed).toBe(2);
    expect(status.images.total).toBe(2);

    const images = await t.request('GET', `/api/v1/flights/${flightId}/images`);
    const first = images.body.items[0];
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.capture.latitude).toBeGreaterThan(0);
    expect(first.capture.relativeAltitudeM).toBe(60);
    expect([first.width, first.height]).toEqual([4000, 3000]);
  });
});

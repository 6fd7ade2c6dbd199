import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto } from '../factories.js';
import { startTestApi, type TestApi, waitFor } from './harness.js';

describe('embedded mode (PGlite + embedded S3)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when a photo is uploaded with the embedded defaults, then it is processed and stored in PGlite', async () => {
    const flightId = (
      await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'embedded' } })
    ).body.id;
    const up = await t.request('PUT', `/api/v1/flights/${flightId}/images/DJI_0003.JPG`, {
      token: t.tokens.operator,
      raw: await smallPhoto('DJI_0003.JPG'),
    });
    expect(up.status).toBe(201);
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    const status = await waitFor('processed', async () => {
      const s = await t.request('GET', `/api/v1/flights/${flightId}`);
      return s.body.done ? s.body : undefined;
    });
    expect(status.images.processed).toBe(1);
    expect(t.api.container.database.kind).toBe('pglite');
  });
});

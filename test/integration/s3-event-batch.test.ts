import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentAddressedKey } from '../../pipeline/domain/images.js';
import { startTestApi, type TestApi } from './harness.js';

/** Bucket notifications carry many records; they are registered side by side, answered in order. */
describe('a bucket notification with many records', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when 60 records of every kind arrive in one notification, then each gets its own outcome, in the order sent', async () => {
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'batch' } });
    const flightId = flight.body.id as string;
    const bucket = t.api.container.storage.settings.originalsBucket;
    const records: object[] = [];
    const expected: object[] = [];
    for (let i = 0; i < 60; i++) {
      // Registration does not read the bytes of a content-addressed key: any content will do.
      const bytes = Buffer.from(`object ${i}`);
      const key = contentAddressedKey(flightId, createHash('sha256').update(bytes).digest('hex'));
      const record = (eventName: string, recordBucket: string, objectKey: string, meta?: Record<string, string>) => ({
        eventName,
        s3: { bucket: { name: recordBucket }, object: { key: objectKey, ...(meta ? { userMetadata: meta } : {}) } },
      });
      switch (i % 5) {
        case 0:
        case 1:
          await t.api.container.storage.putOriginalOnce(key, bytes, 'image/jpeg');
          records.push(record('s3:ObjectCreated:Put', bucket, key, { 'X-Amz-Meta-Filename': `photo ${i}.jpg` }));
          expected.push({ objectKey: key, outcome: 'registered', imageId: expect.any(String) });
          break;
        case 2:
          records.push(record('s3:ObjectCreated:Put', bucket, key));
          expected.push({ objectKey: key, outcome: 'ignored', reason: 'object does not exist' });
          break;
        case 3:
          records.push(record('s3:ObjectRemoved:Delete', bucket, key));
          expected.push({
            objectKey: key,
            outcome: 'ignored',
            reason: expect.stringMatching(/not an object creation/),
          });
          break;
        default:
          records.push(record('s3:ObjectCreated:Put', 'another-bucket', key));
          expected.push({
            objectKey: key,
            outcome: 'ignored',
            reason: expect.stringMatching(/not the originals bucket/),
          });
      }
    }
    const res = await t.request('POST', '/api/v1/ingest/s3-events', {
      token: t.tokens.operator,
      body: { Records: records },
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual(expected);
    const images = (await t.request('GET', `/api/v1/flights/${flightId}/images`)).body.items;
    expect(images).toHaveLength(24);
    expect(new Set(images.map((i: { originalFilename: string }) => i.originalFilename)).size).toBe(24);
  });

  it('when object metadata names a file with a line break, then the photo registers under a name with the break made visible', async () => {
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'names' } });
    const bytes = Buffer.from('named object');
    const key = contentAddressedKey(flight.body.id, createHash('sha256').update(bytes).digest('hex'));
    await t.api.container.storage.putOriginalOnce(key, bytes, 'image/jpeg');
    const res = await t.request('POST', '/api/v1/ingest/s3-events', {
      token: t.tokens.operator,
      body: {
        Records: [
          {
            eventName: 's3:ObjectCreated:Put',
            s3: {
              bucket: { name: t.api.container.storage.settings.originalsBucket },
              object: { key, userMetadata: { 'X-Amz-Meta-Filename': 'a\r\nb.jpg' } },
            },
          },
        ],
      },
    });
    expect(res.body.results[0].outcome).toBe('registered');
    const images = (await t.request('GET', `/api/v1/flights/${flight.body.id}/images`)).body.items;
    expect(images[0].originalFilename).toBe('a__b.jpg');
  });
});

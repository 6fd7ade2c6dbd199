import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentAddressedKey } from '../../pipeline/domain/images.js';
import { smallPhoto, textFile, truncatedJpeg } from '../factories.js';
import { REDIS_URL, startTestApi, type TestApi, waitFor } from './harness.js';

async function newFlight(t: TestApi, name: string): Promise<string> {
  const res = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function finished(t: TestApi, flightId: string) {
  return waitFor(`flight ${flightId} done`, async () => {
    const s = await t.request('GET', `/api/v1/flights/${flightId}`);
    return s.body.done ? s.body : undefined;
  });
}

function minioEvent(bucket: string, key: string, size: number) {
  // The shape MinIO posts to a webhook target; keys are URL-encoded.
  return {
    EventName: 's3:ObjectCreated:Put',
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        awsRegion: '',
        eventTime: new Date().toISOString(),
        eventName: 's3:ObjectCreated:Put',
        userIdentity: { principalId: 'minioadmin' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'Config',
          bucket: { name: bucket, ownerIdentity: { principalId: 'minioadmin' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size,
            eTag: 'x',
            contentType: 'image/jpeg',
            sequencer: '1',
          },
        },
      },
    ],
  };
}

describe('ingestion', () => {
  let t: TestApi;
  const WEBHOOK_TOKEN = 'minio-webhook-secret-for-tests-0123456789';
  beforeAll(async () => {
    t = await startTestApi({ env: { INGEST_WEBHOOK_TOKEN: WEBHOOK_TOKEN } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when the same bytes are uploaded twice and S3 events race the registration, then there is one image row, one job and one set of detections', async () => {
    const flightId = await newFlight(t, 'duplicates');
    const bytes = await smallPhoto('DJI_0005.JPG');
    const first = await t.request('PUT', `/api/v1/flights/${flightId}/images/a.JPG`, {
      token: t.tokens.operator,
      raw: bytes,
    });
    const second = await t.request('PUT', `/api/v1/flights/${flightId}/images/b.JPG`, {
      token: t.tokens.operator,
      raw: bytes,
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.image.id).toBe(first.body.image.id);

    // A second photo arrives in the bucket directly (as through a presigned URL); its notification is
    // delivered twice while the operator completes the flight.
    const other = await smallPhoto('DJI_0006.JPG');
    const key = contentAddressedKey(flightId, createHash('sha256').update(other).digest('hex'));
    await t.api.container.storage.putOriginalOnce(key, other, 'image/jpeg');
    const event = minioEvent(t.env.S3_BUCKET_ORIGINALS ?? 'hazardscope-originals', key, other.length);
    const racing = await Promise.all([
      t.request('POST', '/api/v1/ingest/s3-events', { token: t.tokens.operator, body: event }),
      t.request('POST', '/api/v1/ingest/s3-events', { token: t.tokens.operator, body: event }),
      t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator }),
    ]);
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200]);

    const status = await finished(t, flightId);
    expect(status.images.total).toBe(2);
    expect(status.images.processed).toBe(2);
    const images = (await t.request('GET', `/api/v1/flights/${flightId}/images`)).body.items;
    expect(images).toHaveLength(2);

    const queue = new Queue('detection', { connection: { url: REDIS_URL }, prefix: t.prefix });
    const jobs = await queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    await queue.close();
    const forFlight = jobs.filter((j) => j.data.flightId === flightId);
    expect(forFlight).toHaveLength(2);
    expect(new Set(forFlight.map((j) => j.data.imageId)).size).toBe(2);

    for (const image of images) {
      const detail = await t.request('GET', `/api/v1/images/${image.id}`);
      const ordinals = detail.body.detections.map((d: { id: string }) => d.id);
      expect(new Set(ordinals).size).toBe(ordinals.length);
    }
    const audit = await t.api.container.database.db.execute(
      `SELECT subject_id, count(*)::int AS n FROM audit_log WHERE action = 'image.processed' GROUP BY subject_id`,
    );
    const rows = ((audit as { rows?: Array<{ n: number }> }).rows ?? (audit as Array<{ n: number }>)) as Array<{
      n: number;
    }>;
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('when a truncated JPEG and a text file named .jpg are in a flight, then both fail with a readable reason and the rest completes', async () => {
    const flightId = await newFlight(t, 'bad files');
    const uploads: Array<[string, Buffer]> = [
      ['good.JPG', await smallPhoto('DJI_0007.JPG')],
      ['truncated.JPG', await truncatedJpeg()],
    ];
    for (const [name, bytes] of uploads) {
      const res = await t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, {
        token: t.tokens.operator,
        raw: bytes,
      });
      expect(res.status).toBe(201);
    }
    // The API refuses a text file outright (photo-acceptance.test.ts); straight into the bucket, as
    // through a presigned URL, it arrives all the same and the worker must refuse it.
    await t.api.container.storage.putOriginalOnce(`flights/${flightId}/notes.jpg`, textFile(), 'image/jpeg');
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    const status = await finished(t, flightId);
    expect(status.images.processed).toBe(1);
    expect(status.images.failed).toBe(2);
    const reasons = Object.fromEntries(
      status.failures.map((f: { filename: string; reason: string }) => [f.filename, f.reason]),
    );
    expect(reasons['truncated.JPG']).toMatch(/not a decodable image/i);
    expect(reasons['notes.jpg']).toMatch(/not a decodable image/i);
  });

  it('when a MinIO event names a key with spaces and brackets, then the URL-encoded key is decoded and registered', async () => {
    const flightId = await newFlight(t, 'encoded keys');
    const bytes = await smallPhoto('DJI_0008.JPG', 640);
    const key = `flights/${flightId}/DJI 0008 (copy).JPG`;
    await t.api.container.storage.putOriginalOnce(key, bytes, 'image/jpeg');
    const res = await t.request('POST', '/api/v1/ingest/s3-events', {
      token: t.tokens.operator,
      body: minioEvent('hazardscope-originals', key, bytes.length),
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ objectKey: key, outcome: 'registered' });
    const broken = minioEvent('hazardscope-originals', key, bytes.length);
    broken.Records[0]!.s3.object.key = `flights/${flightId}/bad%ZZkey.JPG`;
    const ignored = await t.request('POST', '/api/v1/ingest/s3-events', { token: t.tokens.operator, body: broken });
    expect(ignored.status).toBe(200);
    expect(ignored.body.results[0]).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringContaining('URL encoding'),
    });
    const images = (await t.request('GET', `/api/v1/flights/${flightId}/images`)).body.items;
    expect(images).toHaveLength(1);
    expect(images[0].objectKey).toBe(key);
    expect(images[0].sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('when MinIO presents the shared webhook secret, then the notification route accepts it and no other route does', async () => {
    const flightId = await newFlight(t, 'webhook secret');
    const bytes = await smallPhoto('DJI_0010.JPG', 640);
    const key = `flights/${flightId}/DJI_0010.JPG`;
    await t.api.container.storage.putOriginalOnce(key, bytes, 'image/jpeg');
    const accepted = await t.request('POST', '/api/v1/ingest/s3-events', {
      token: WEBHOOK_TOKEN,
      body: minioEvent('hazardscope-originals', key, bytes.length),
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.results[0].outcome).toBe('registered');
    expect((await t.request('POST', '/api/v1/flights', { token: WEBHOOK_TOKEN, body: { name: 'nope' } })).status).toBe(
      401,
    );
    expect(
      (
        await t.request('POST', '/api/v1/ingest/s3-events', {
          token: 'wrong-secret-wrong-secret-wrong',
          body: minioEvent('hazardscope-originals', key, 1),
        })
      ).status,
    ).toBe(401);
  });

  it('when objects are in the bucket without any notification, then reconciliation registers exactly those', async () => {
    const flightId = await newFlight(t, 'reconcile');
    const bytes = await smallPhoto('DJI_0009.JPG', 640);
    await t.api.container.storage.putOriginalOnce(`flights/${flightId}/lost.JPG`, bytes, 'image/jpeg');
    const first = await t.request('POST', '/api/v1/admin/reconcile', {
      token: t.tokens.admin,
      body: { prefix: `flights/${flightId}/` },
    });
    expect(first.body).toMatchObject({ listed: 1, registered: 1 });
    const again = await t.request('POST', '/api/v1/admin/reconcile', {
      token: t.tokens.admin,
      body: { prefix: `flights/${flightId}/` },
    });
    expect(again.body).toMatchObject({ listed: 1, registered: 0 });
  });
});

import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentAddressedKey } from '../../pipeline/domain/images.js';
import { smallPhoto } from '../factories.js';
import { startTestApi, type TestApi, waitFor } from './harness.js';

interface Ticket {
  filename: string;
  status: 'upload' | 'already-uploaded';
  objectKey: string;
  url: string;
  headers: Record<string, string>;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Presigned uploads against the embedded S3 server, which checks signatures but not checksums, and
 * writes an object in place as it arrives: what it lets through, registration must catch.
 */
describe('presigned uploads bound to content', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newFlight(name: string): Promise<string> {
    const res = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function ticket(flightId: string, filename: string, photo: Buffer): Promise<Ticket> {
    const res = await t.request('POST', `/api/v1/flights/${flightId}/uploads`, {
      token: t.tokens.operator,
      body: { files: [{ filename, sha256: sha256Of(photo), sizeBytes: photo.length, contentType: 'image/jpeg' }] },
    });
    expect(res.status).toBe(200);
    return res.body.uploads[0];
  }

  const put = (tk: Ticket, body: Buffer, headers = tk.headers) =>
    fetch(tk.url, { method: 'PUT', headers, body: new Uint8Array(body) });

  const images = async (flightId: string) =>
    (await t.request('GET', `/api/v1/flights/${flightId}/images`)).body.items as Array<{ sha256: string }>;

  /** A PUT whose connection drops halfway, as on a field link: the server is left with a prefix. */
  async function interruptedPut(tk: Ticket, photo: Buffer, sent: number): Promise<void> {
    const url = new URL(tk.url);
    const req = http.request(url, {
      method: 'PUT',
      headers: { ...tk.headers, 'content-length': String(photo.length) },
    });
    req.on('error', () => undefined);
    req.write(photo.subarray(0, sent));
    const storage = t.api.container.storage;
    await waitFor('the prefix to be stored', async () => {
      const stat = await storage.statOriginal(tk.objectKey);
      return stat && stat.size === sent ? stat : undefined;
    });
    req.destroy();
  }

  it('when the ticket is used with the photo, then the signed checksum header is sent and the photo registers on completion', async () => {
    const flightId = await newFlight('presigned right body');
    const photo = await smallPhoto('DJI_0002.JPG', 320);
    const tk = await ticket(flightId, 'DJI_0002.JPG', photo);
    expect(tk.status).toBe('upload');
    expect(tk.headers['x-amz-checksum-sha256']).toBe(createHash('sha256').update(photo).digest('base64'));
    expect(new URL(tk.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-amz-checksum-sha256');
    expect((await put(tk, photo)).status).toBe(200);
    expect((await ticket(flightId, 'DJI_0002.JPG', photo)).status).toBe('already-uploaded');

    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ registered: 1, rejected: [] });
    const [image] = await images(flightId);
    expect(image).toMatchObject({ sha256: sha256Of(photo), originalFilename: 'DJI_0002.JPG', sizeBytes: photo.length });
  });

  it('when the checksum header is dropped or changed, then the S3 server refuses the PUT', async () => {
    const flightId = await newFlight('presigned header dropped');
    const photo = await smallPhoto('DJI_0003.JPG', 320);
    const other = await smallPhoto('DJI_0004.JPG', 320);
    const tk = await ticket(flightId, 'DJI_0003.JPG', photo);
    expect((await put(tk, photo, { 'Content-Type': 'image/jpeg' })).status).toBe(403);
    const forged = { ...tk.headers, 'x-amz-checksum-sha256': createHash('sha256').update(other).digest('base64') };
    expect((await put(tk, other, forged)).status).toBe(403);
    expect(await t.api.container.storage.statOriginal(tk.objectKey)).toBeUndefined();
  });

  it('when another body is sent with the ticket, then it never becomes an image, is deleted, and the operator is told why', async () => {
    const flightId = await newFlight('presigned wrong body');
    const photo = await smallPhoto('DJI_0005.JPG', 320);
    // Larger than the photo: a shorter body is, while the flight is open, taken for an upload cut short.
    const other = await smallPhoto('DJI_0006.JPG', 640);
    expect(other.length).toBeGreaterThan(photo.length);
    const tk = await ticket(flightId, 'DJI_0005.JPG', photo);
    // MinIO answers 400 BadDigest; the embedded server stores it, so registration must refuse it.
    const wrong = await put(tk, other);
    expect([200, 400]).toContain(wrong.status);

    const event = await t.request('POST', '/api/v1/ingest/s3-events', {
      token: t.tokens.operator,
      body: {
        Records: [
          {
            eventName: 's3:ObjectCreated:Put',
            s3: { bucket: { name: 'hazardscope-originals' }, object: { key: tk.objectKey, size: other.length } },
          },
        ],
      },
    });
    expect(event.status).toBe(200);
    if (wrong.status === 200) {
      expect(event.body.results[0]).toMatchObject({
        outcome: 'rejected',
        reason: expect.stringMatching(/different body/),
      });
    }
    expect(await t.api.container.storage.statOriginal(tk.objectKey)).toBeUndefined();
    expect(await images(flightId)).toHaveLength(0);
    const status = await t.request('GET', `/api/v1/flights/${flightId}`);
    expect(status.body.images.total).toBe(0);
    expect(status.body.rejectedUploads).toEqual([
      expect.objectContaining({
        objectKey: tk.objectKey,
        filename: 'DJI_0005.JPG',
        sha256: sha256Of(photo),
        sizeBytes: other.length,
        reason: expect.stringContaining(`hashing to sha256 ${sha256Of(other)}`),
      }),
    ]);

    // Uploading the right photo again makes it good: it registers and the rejection is no longer shown.
    const again = await ticket(flightId, 'DJI_0005.JPG', photo);
    expect(again.status).toBe('upload');
    expect((await put(again, photo)).status).toBe(200);
    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.body).toMatchObject({ registered: 1, rejected: [] });
    expect((await images(flightId)).map((i) => i.sha256)).toEqual([sha256Of(photo)]);
  });

  it('when the wrong body is only found at completion, then completion answers it among the rejected and registers nothing', async () => {
    const flightId = await newFlight('presigned wrong body at completion');
    const photo = await smallPhoto('DJI_0007.JPG', 320);
    const other = await smallPhoto('DJI_0008.JPG', 640);
    expect(other.length).toBeGreaterThan(photo.length);
    const tk = await ticket(flightId, 'DJI_0007.JPG', photo);
    expect((await put(tk, other)).status).toBe(200);
    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.status).toBe(200);
    expect(done.body.registered).toBe(0);
    expect(done.body.rejected).toEqual([
      expect.objectContaining({ filename: 'DJI_0007.JPG', reason: expect.stringMatching(/^different body/) }),
    ]);
    expect(await images(flightId)).toHaveLength(0);
  });

  it('when an upload was cut short, then it is not reported already-uploaded nor registered, and resuming it registers the photo', async () => {
    const flightId = await newFlight('presigned interrupted');
    const photo = await smallPhoto('DJI_0009.JPG', 640);
    const tk = await ticket(flightId, 'DJI_0009.JPG', photo);
    await interruptedPut(tk, photo, Math.floor(photo.length / 2));

    const resumed = await ticket(flightId, 'DJI_0009.JPG', photo);
    expect(resumed.status).toBe('upload');
    const reconcile = await t.request('POST', '/api/v1/admin/reconcile', { body: { prefix: `flights/${flightId}/` } });
    expect(reconcile.body).toMatchObject({ registered: 0, ignored: 1, rejected: 0 });
    expect(await images(flightId)).toHaveLength(0);

    expect((await put(resumed, photo)).status).toBe(200);
    expect((await ticket(flightId, 'DJI_0009.JPG', photo)).status).toBe('already-uploaded');
    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.body).toMatchObject({ registered: 1, rejected: [] });
  });

  it('when the flight is completed with an upload still cut short, then it is rejected as incomplete, not registered', async () => {
    const flightId = await newFlight('presigned never finished');
    const photo = await smallPhoto('DJI_0010.JPG', 640);
    const tk = await ticket(flightId, 'DJI_0010.JPG', photo);
    const sent = Math.floor(photo.length / 3);
    await interruptedPut(tk, photo, sent);
    const done = await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    expect(done.body.registered).toBe(0);
    expect(done.body.rejected).toEqual([
      expect.objectContaining({
        objectKey: contentAddressedKey(flightId, sha256Of(photo)),
        reason: `incomplete upload: only ${sent} of ${photo.length} bytes arrived before the flight was completed`,
      }),
    ]);
    expect(await images(flightId)).toHaveLength(0);
    expect(await t.api.container.storage.statOriginal(tk.objectKey)).toBeUndefined();
  });

  it('when the flight is complete, then asking for upload URLs answers 409 problem+json and gives none', async () => {
    const flightId = await newFlight('presigned after completion');
    const photo = await smallPhoto('DJI_0011.JPG', 320);
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    const res = await t.request('POST', `/api/v1/flights/${flightId}/uploads`, {
      token: t.tokens.operator,
      body: {
        files: [
          { filename: 'DJI_0011.JPG', sha256: sha256Of(photo), sizeBytes: photo.length, contentType: 'image/jpeg' },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/completed/);
    expect(res.body.uploads).toBeUndefined();
  });
});

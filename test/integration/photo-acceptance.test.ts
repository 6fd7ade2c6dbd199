import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto, textFile, truncatedJpeg } from '../factories.js';
import { startTestApi, type TestApi } from './harness.js';

/** What an upload through the API must be before anything is stored: a JPEG, under a printable name. */
describe('accepting a photo upload', () => {
  let t: TestApi;
  let flightId: string;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'uploads' } });
    flightId = flight.body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const stored = async () => (await t.api.container.storage.listOriginals(`flights/${flightId}/`)).map((o) => o.key);
  const images = async () => (await t.request('GET', `/api/v1/flights/${flightId}/images`)).body.items as unknown[];
  const put = (name: string, raw: Buffer, contentType = 'image/jpeg') =>
    t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, { token: t.tokens.operator, raw, contentType });

  it('when a PNG or a text file is sent as image/jpeg, then 415 problem+json says why and nothing is stored', async () => {
    const png = await sharp(await smallPhoto('DJI_0002.JPG', 320))
      .png()
      .toBuffer();
    for (const [name, bytes, start] of [
      ['photo.jpg', png, /starts with 89 50 4E 47, not FF D8 FF/],
      ['notes.jpg', textFile(), /not a JPEG/],
      ['header-only.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), /JPEG decoder refuses/],
    ] as const) {
      const res = await put(name, bytes);
      expect(res.status, name).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 415,
        title: 'Unsupported Media Type',
        detail: expect.stringMatching(start),
      });
      expect(res.body.context).toMatchObject({ field: 'body', expected: 'image/jpeg' });
    }
    expect(await stored()).toEqual([]);
    expect(await images()).toEqual([]);
  });

  it('when a JPEG arrives, including one cut short after its header, then it is stored and registered', async () => {
    // A file cut short passes the header checks and is refused by the worker, with the reason on the photo.
    for (const bytes of [await smallPhoto('DJI_0003.JPG', 320), await truncatedJpeg()]) {
      const res = await put('ok.JPG', bytes);
      expect(res.status).toBe(201);
      expect(await stored()).toContain(`flights/${flightId}/${createHash('sha256').update(bytes).digest('hex')}.jpg`);
    }
  });

  it('when a file name holds CR, LF, tab, DEL or a C1 control, then 400 problem+json names the filename parameter and nothing is stored', async () => {
    const before = await stored();
    const photo = await smallPhoto('DJI_0004.JPG', 320);
    for (const encoded of ['a%0D%0Ab.jpg', 'a%0Ab.jpg', 'a%09b.jpg', 'a%7Fb.jpg', 'a%C2%85b.jpg', '%1B%5B31m.jpg']) {
      const res = await put(encoded, photo);
      expect(res.status, encoded).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.issues).toEqual([
        expect.objectContaining({
          location: 'params',
          path: 'filename',
          message: expect.stringMatching(/control characters/),
        }),
      ]);
    }
    expect(await stored()).toEqual(before);
  });

  it('when presigned uploads are asked for a name with a line break, then 400 names that file', async () => {
    const res = await t.request('POST', `/api/v1/flights/${flightId}/uploads`, {
      token: t.tokens.operator,
      body: {
        files: [
          { filename: 'fine.jpg', sha256: 'a'.repeat(64), sizeBytes: 10, contentType: 'image/jpeg' },
          { filename: 'evil\r\nSet-Cookie: x.jpg', sha256: 'b'.repeat(64), sizeBytes: 10, contentType: 'image/jpeg' },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([expect.objectContaining({ location: 'body', path: 'files.1.filename' })]);
  });

  it('when a name has spaces, brackets and Chinese, then it is accepted as given', async () => {
    const name = '现场 照片 (2).JPG';
    const res = await put(encodeURIComponent(name), await smallPhoto('DJI_0005.JPG', 320));
    expect(res.status).toBe(201);
    expect(res.body.image.originalFilename).toBe(name);
  });
});

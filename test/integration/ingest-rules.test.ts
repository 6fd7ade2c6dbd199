import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHANGHAI_BOUNDARY } from '../factories.js';
import { auditOf, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

const SAMPLES = path.join(ROOT, 'samples/demo-flight');

/**
 * A demo photo as if taken on another day: its EXIF date rewritten in place (same length), so the
 * bytes, and with them the sha256, differ while the place stays the same.
 */
async function takenOn(file: string, exifDate?: string): Promise<Buffer> {
  const bytes = await readFile(path.join(SAMPLES, file));
  if (!exifDate) return bytes;
  const from = Buffer.from('2026:03:07', 'latin1');
  const to = Buffer.from(exifDate, 'latin1');
  let at = bytes.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  while (at >= 0) {
    to.copy(bytes, at);
    at = bytes.indexOf(from, at + to.length);
  }
  return bytes;
}

interface FindingBody {
  id: string;
  hazardCode: string;
  position: { lat: number; lon: number } | null;
  recurringOf: string | null;
  capturedAt: string | null;
  views: Array<{ detection: { imageId: string } }>;
}

describe('ingest rules', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function upload(name: string, photos: Array<{ file: string; bytes: Buffer }>): Promise<string> {
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name } });
    for (const p of photos) {
      const res = await t.request('PUT', `/api/v1/flights/${flight.body.id}/images/${p.file}`, {
        token: t.tokens.operator,
        raw: p.bytes,
      });
      expect(res.status).toBe(201);
    }
    await t.request('POST', `/api/v1/flights/${flight.body.id}/complete`, { token: t.tokens.operator });
    return flight.body.id as string;
  }

  const status = async (flightId: string) => (await t.request('GET', `/api/v1/flights/${flightId}`)).body;
  const settled = (flightId: string) =>
    waitFor(`flight ${flightId} settled`, async () => {
      const s = await status(flightId);
      return s.done ? s : undefined;
    });
  const findingsOf = async (flightId: string): Promise<FindingBody[]> =>
    (await t.request('GET', `/api/v1/flights/${flightId}/findings`, { token: t.tokens.reviewer })).body.items;
  const findingsSettled = (flightId: string) =>
    waitFor(`findings of ${flightId}`, async () => {
      const items = await findingsOf(flightId);
      return items.length > 0 ? items : undefined;
    });
  const queueFor = async (flightId: string) =>
    (await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, { token: t.tokens.reviewer })).body
      .items as unknown[];

  const setBoundary = (geometry: unknown) =>
    t.request('PUT', '/api/v1/organisation/region/boundary', { token: t.tokens.admin, body: { geometry } });

  it('when a photo was taken outside the bureau’s boundary, then it is stored and held with its reason, not reviewed, until an administrator processes it with a note', async () => {
    const set = await setBoundary(SHANGHAI_BOUNDARY);
    expect(set.status).toBe(200);
    expect(set.body.boundary.type).toBe('Polygon');
    try {
      const flightId = await upload('outside', [{ file: 'DJI_0010.JPG', bytes: await takenOn('DJI_0010.JPG') }]);
      const s = await settled(flightId);
      expect(s.images).toMatchObject({ held: 1, processed: 0, total: 1 });
      expect(s.awaitingDecision).toBe(1);
      const [flagged] = s.flaggedImages;
      expect(flagged).toMatchObject({
        reason: 'outside_region',
        status: 'held',
        hold: { decision: null },
        actions: ['process', 'discard'],
      });
      expect(flagged.position.lat).toBeCloseTo(34.81, 1);
      const image = (await t.request('GET', `/api/v1/images/${flagged.imageId}`)).body;
      expect(image.image).toMatchObject({ status: 'held', flagReason: 'outside_region' });
      expect(image.detections).toEqual([]);
      // The original is kept: it can be fetched as any photo can.
      expect((await t.request('GET', `/api/v1/images/${flagged.imageId}/original`)).status).toBe(200);
      expect(await findingsOf(flightId)).toEqual([]);
      expect(await queueFor(flightId)).toEqual([]);

      const hold = (token: string, body: unknown) =>
        t.request('POST', `/api/v1/images/${flagged.imageId}/hold`, { token, body });
      expect((await hold(t.tokens.operator, { decision: 'process', note: 'flown for the neighbours' })).status).toBe(
        403,
      );
      const left = await hold(t.tokens.operator, { decision: 'discard', note: 'wrong memory card' });
      expect(left.status).toBe(200);
      expect(left.body).toMatchObject({ status: 'held', hold: { decision: 'discard', note: 'wrong memory card' } });
      expect((await status(flightId)).flaggedImages[0].actions).toEqual(['process']);
      const noNote = await hold(t.tokens.admin, { decision: 'process' });
      expect(noNote.status).toBe(422);
      expect(noNote.body.context.field).toBe('note');
      const processed = await hold(t.tokens.admin, { decision: 'process', note: 'joint inspection with Shanghai' });
      expect(processed.status).toBe(200);
      expect((await hold(t.tokens.admin, { decision: 'discard' })).status).toBe(409);

      const after = await waitFor('the held photo processed', async () => {
        const now = await status(flightId);
        return now.images.processed === 1 ? now : undefined;
      });
      expect(after.flaggedImages[0]).toMatchObject({
        reason: 'outside_region',
        status: 'processed',
        hold: { decision: 'process' },
        actions: [],
      });
      await findingsSettled(flightId);
      expect((await queueFor(flightId)).length).toBeGreaterThan(0);
    } finally {
      await setBoundary(null);
    }
  });

  it('when held photos are processed anyway or removed from the flight page, then the processed one is detected and the flight is done, and deciding again or on a photo never held answers 409 problem+json', async () => {
    const region = (await t.request('GET', '/api/v1/organisation/region')).body;
    // The test organisation's code is the whole country, which the page names as such.
    expect(region).toMatchObject({ regionCode: '', name: 'China', boundary: null });
    expect((await setBoundary(SHANGHAI_BOUNDARY)).body).toMatchObject({ regionCode: '', name: 'China' });
    let flightId: string;
    try {
      flightId = await upload('held, then released', [
        { file: 'DJI_0011.JPG', bytes: await takenOn('DJI_0011.JPG', '2027:07:15') },
        { file: 'DJI_0012.JPG', bytes: await takenOn('DJI_0012.JPG', '2027:07:15') },
      ]);
      const held = await settled(flightId);
      expect(held.images).toMatchObject({ held: 2, processed: 0, total: 2 });
      const byName = (name: string) =>
        held.flaggedImages.find((f: { filename: string }) => f.filename === name).imageId as string;
      const release = (imageId: string) =>
        t.request('POST', `/api/v1/images/${imageId}/hold`, {
          token: t.tokens.admin,
          body: { decision: 'process', note: 'joint inspection' },
        });
      const remove = (imageId: string) =>
        t.request('POST', `/api/v1/images/${imageId}/hold`, {
          token: t.tokens.operator,
          body: { decision: 'discard' },
        });

      expect((await remove(byName('DJI_0012.JPG'))).status).toBe(200);
      expect((await release(byName('DJI_0011.JPG'))).status).toBe(200);
      const twice = await release(byName('DJI_0011.JPG'));
      expect(twice.status).toBe(409);
      expect(twice.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(twice.body.detail).toMatch(/not held/);

      const after = await waitFor('the released photo processed and the flight done', async () => {
        const now = await status(flightId);
        return now.images.processed === 1 && now.done ? now : undefined;
      });
      expect(after.images).toMatchObject({ processed: 1, held: 1, queued: 0, processing: 0 });
      expect(after.awaitingDecision).toBe(0);
      const removed = after.flaggedImages.find((f: { imageId: string }) => f.imageId === byName('DJI_0012.JPG'));
      expect(removed).toMatchObject({ status: 'held', hold: { decision: 'discard' }, actions: ['process'] });
      expect(await decisionsAudited(byName('DJI_0011.JPG'))).toEqual([
        { action: 'image.hold_processed', actor: 'admin:test-admin' },
      ]);
      expect(await decisionsAudited(byName('DJI_0012.JPG'))).toEqual([
        { action: 'image.hold_left', actor: 'operator:test-operator' },
      ]);
    } finally {
      await setBoundary(null);
    }

    const inside = await upload('never held', [
      { file: 'DJI_0009.JPG', bytes: await takenOn('DJI_0009.JPG', '2027:07:15') },
    ]);
    const processed = await settled(inside);
    expect(processed.images).toMatchObject({ processed: 1, held: 0 });
    const [photo] = (await t.request('GET', `/api/v1/flights/${inside}/images`)).body.items;
    for (const decision of ['process', 'discard']) {
      const res = await t.request('POST', `/api/v1/images/${photo.id}/hold`, {
        token: t.tokens.admin,
        body: { decision, note: 'not held at all' },
      });
      expect(res.status).toBe(409);
      expect(res.body.context.status).toBe('processed');
    }
  });

  const decisionsAudited = (imageId: string) => auditOf(t, imageId, ['image.hold_processed', 'image.hold_left']);

  it('when a boundary crosses itself, then 422 names the ring and nothing is recorded', async () => {
    const res = await t.request('PUT', '/api/v1/organisation/region/boundary', {
      token: t.tokens.admin,
      body: {
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [113, 34],
              [114, 35],
              [114, 34],
              [113, 34.5],
              [113, 34],
            ],
          ],
        },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/crosses itself/);
    expect((await t.request('GET', '/api/v1/organisation/region')).body.boundary).toBeNull();
  });

  it('when photos already reviewed in one flight are uploaded again in another, then they link to the first photo’s detections and findings and are not reviewed again', async () => {
    const first = await upload('first upload', [
      { file: 'DJI_0004.JPG', bytes: await takenOn('DJI_0004.JPG') },
      { file: 'DJI_0005.JPG', bytes: await takenOn('DJI_0005.JPG') },
    ]);
    await settled(first);
    const firstFindings = await findingsSettled(first);
    const firstImages = (await t.request('GET', `/api/v1/flights/${first}/images`)).body.items as Array<{
      id: string;
      originalFilename: string;
    }>;
    const original = firstImages.find((i) => i.originalFilename === 'DJI_0004.JPG')!;
    const queuedBefore = (await t.request('GET', '/api/v1/review/queue?limit=200', { token: t.tokens.reviewer })).body
      .items.length as number;

    const second = await upload('uploaded again', [
      { file: 'DJI_0004.JPG', bytes: await takenOn('DJI_0004.JPG') },
      { file: 'DJI_0006.JPG', bytes: await takenOn('DJI_0006.JPG') },
    ]);
    const s = await settled(second);
    expect(s.images).toMatchObject({ duplicate: 1, processed: 1 });
    const dup = s.flaggedImages.find((f: { reason: string }) => f.reason === 'duplicate');
    expect(dup).toMatchObject({ status: 'duplicate', duplicateOf: { imageId: original.id, flightId: first } });

    const image = (await t.request('GET', `/api/v1/images/${dup.imageId}`, { token: t.tokens.reviewer })).body;
    expect(image.image).toMatchObject({ status: 'duplicate', duplicateOf: original.id });
    // No second inference: the copy has no detections of its own.
    expect(image.detections).toEqual([]);
    const showing = firstFindings
      .filter((f) => f.views.some((v) => v.detection.imageId === original.id))
      .map((f) => f.id)
      .sort();
    expect(showing.length).toBeGreaterThan(0);
    expect(image.duplicateOf).toMatchObject({ imageId: original.id, flightId: first });
    expect([...image.duplicateOf.findingIds].sort()).toEqual(showing);

    // The second flight's findings come from DJI_0006 alone; none holds a view of the copy.
    const secondFindings = await findingsSettled(second);
    expect(secondFindings.every((f) => f.views.every((v) => v.detection.imageId !== dup.imageId))).toBe(true);
    const queuedAfter = (await t.request('GET', '/api/v1/review/queue?limit=200', { token: t.tokens.reviewer })).body
      .items.length as number;
    expect(queuedAfter - queuedBefore).toBe(secondFindings.length);
  });

  it('when a later survey of a place is processed before an earlier one, then recurrence follows the capture times: the later findings point to the earlier ones', async () => {
    const photos = ['DJI_0004.JPG', 'DJI_0005.JPG', 'DJI_0006.JPG'];
    const flyOn = async (name: string, date: string) =>
      upload(name, await Promise.all(photos.map(async (file) => ({ file, bytes: await takenOn(file, date) }))));
    // Taken on 21 May 2027, uploaded first; then the survey of 1 May 2027 arrives.
    const later = await flyOn('taken later, processed first', '2027:05:21');
    const laterFirstPass = await findingsSettled(later);
    expect(laterFirstPass.every((f) => f.recurringOf === null)).toBe(true);
    const earlier = await flyOn('taken earlier, processed second', '2027:05:01');
    const earlierFindings = await findingsSettled(earlier);
    expect(earlierFindings.every((f) => f.recurringOf === null)).toBe(true);
    expect(earlierFindings.every((f) => f.capturedAt?.startsWith('2027-05-01'))).toBe(true);

    const laterFindings = await findingsOf(later);
    expect(laterFindings.every((f) => f.capturedAt?.startsWith('2027-05-21'))).toBe(true);
    const byId = new Map(earlierFindings.map((f) => [f.id, f]));
    const linked = laterFindings.filter((f) => f.recurringOf !== null);
    expect(linked.length).toBeGreaterThan(0);
    for (const f of linked) {
      const previous = byId.get(f.recurringOf!);
      expect(previous, `finding ${f.id} points to ${f.recurringOf}`).toBeDefined();
      expect(previous!.hazardCode).toBe(f.hazardCode);
    }
    const one = linked[0]!;
    const detail = (await t.request('GET', `/api/v1/findings/${one.recurringOf}`, { token: t.tokens.reviewer })).body;
    expect(detail.recurrences.map((r: { id: string }) => r.id)).toContain(one.id);
  });
});

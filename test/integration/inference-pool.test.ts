import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto, UndecodableImageError } from '../../pipeline/inference/decode.js';
import { Detector } from '../../pipeline/inference/detector.js';
import { InferencePool } from '../../pipeline/inference/pool.js';
import { ROOT, smallPhoto, textFile } from '../factories.js';

const MODEL = path.join(ROOT, 'models/hazard-v1');

describe('inference pool', () => {
  let pool: InferencePool;
  let inProcess: Detector;
  beforeAll(async () => {
    [pool, inProcess] = await Promise.all([
      InferencePool.start({ modelDir: MODEL, threads: 2, intraOpThreads: 1 }),
      Detector.open(MODEL, { intraOpThreads: 1 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([pool?.close(), inProcess?.release()]);
  });

  it('when a photo is tiled across two threads, then the detections equal those of the detector in one thread', async () => {
    const photo = await decodePhoto(await smallPhoto('DJI_0003.JPG', 2000), { full: true });
    const spread = await pool.detect(photo, { floorFraction: 0.5 });
    const single = await inProcess.detect(photo, { floorFraction: 0.5 });
    expect(spread.length).toBeGreaterThan(0);
    expect(spread).toHaveLength(single.length);
    spread.forEach((d, i) => {
      expect(d.className).toBe(single[i]!.className);
      expect(d.score).toBeCloseTo(single[i]!.score, 5);
      expect([d.x1, d.y1, d.x2, d.y2]).toEqual([single[i]!.x1, single[i]!.y1, single[i]!.x2, single[i]!.y2]);
    });
  });

  it('when the whole frame is decoded at reduced size, then it finds what the full decode finds in the whole-frame pass', async () => {
    const bytes = await smallPhoto('DJI_0010.JPG', 4000);
    const reduced = await pool.detect(await decodePhoto(bytes, { full: false, frameFor: pool.spec.input }), {
      tiled: false,
      floorFraction: 0.5,
    });
    const full = await pool.detect(await decodePhoto(bytes, { full: true }), { tiled: false, floorFraction: 0.5 });
    // Different resampling (JPEG shrink-on-load against bilinear) moves scores a little, not what is found.
    const strong = (ds: typeof full) =>
      ds
        .filter((d) => d.score >= 0.5)
        .map((d) => d.className)
        .sort();
    expect(strong(full).length).toBeGreaterThan(0);
    expect(strong(reduced)).toEqual(strong(full));
  });

  it('when whole-frame photos are decoded inside the threads, then they find what the detector in this thread finds', async () => {
    const bytes = await smallPhoto('DJI_0010.JPG', 4000);
    const inThreads = await pool.detectEncoded(bytes, { tiled: false, floorFraction: 0.5 });
    const here = await inProcess.detectEncoded(bytes, { tiled: false, floorFraction: 0.5 });
    expect(inThreads.detections.length).toBeGreaterThan(0);
    expect(inThreads).toEqual(here);
  });

  it('when a file is not an image, then the thread that took it says it is undecodable', async () => {
    await expect(pool.detectEncoded(textFile(), { tiled: false })).rejects.toBeInstanceOf(UndecodableImageError);
    await expect(pool.detectEncoded(textFile())).rejects.toBeInstanceOf(UndecodableImageError);
  });

  it('when the batch axis is dynamic and tiles go four to a session.run, then the detections equal those of one tile at a time', async () => {
    const batched = await Detector.open(MODEL, { intraOpThreads: 1, batch: 4 });
    try {
      expect(batched.spec.input.dynamicBatch).toBe(true);
      const photo = await decodePhoto(await smallPhoto('DJI_0010.JPG', 2400), { full: true });
      const four = await batched.detect(photo, { floorFraction: 0.5 });
      const one = await inProcess.detect(photo, { floorFraction: 0.5 });
      expect(four.length).toBeGreaterThan(0);
      expect(four.map((d) => [d.className, d.x1, d.y1, d.x2, d.y2])).toEqual(
        one.map((d) => [d.className, d.x1, d.y1, d.x2, d.y2]),
      );
      four.forEach((d, i) => expect(d.score).toBeCloseTo(one[i]!.score, 4));
    } finally {
      await batched.release();
    }
  });

  it('when one detector is asked about several photos at once, then each gets its own detections', async () => {
    const photos = await Promise.all(
      ['DJI_0003.JPG', 'DJI_0005.JPG', 'DJI_0008.JPG'].map(async (f) =>
        decodePhoto(await smallPhoto(f, 1280), { full: true }),
      ),
    );
    const oneByOne = [];
    for (const photo of photos) oneByOne.push(await inProcess.detect(photo, { floorFraction: 0.5 }));
    const atOnce = await Promise.all(photos.map((photo) => inProcess.detect(photo, { floorFraction: 0.5 })));
    expect(atOnce).toEqual(oneByOne);
    expect(new Set(oneByOne.map((d) => d.length)).size).toBeGreaterThan(1);
  });

  it('when an inference thread dies, then later photos go to the thread still alive, and with none alive the pool says so', async () => {
    const photo = await decodePhoto(await smallPhoto('DJI_0003.JPG', 1280), { full: true });
    const expected = await pool.detect(photo);
    const slots = (pool as unknown as { slots: Array<{ worker: Worker }> }).slots;
    await slots[0]!.worker.terminate();
    for (let i = 0; i < 3; i++) expect(await pool.detect(photo)).toEqual(expected);
    await slots[1]!.worker.terminate();
    await expect(pool.detect(photo)).rejects.toThrow(/no inference thread is alive/);
  });
});

describe('closing the inference pool', () => {
  it('when the pool is closed while a photo is in its threads, then the photo settles and the process lives on', async () => {
    const pool = await InferencePool.start({ modelDir: MODEL, threads: 2, intraOpThreads: 1 });
    const photo = await decodePhoto(await smallPhoto('DJI_0003.JPG', 4000), { full: true });
    const pending = pool.detect(photo).then(
      (found) => ({ settled: 'resolved', count: found.length }),
      (error: unknown) => ({ settled: 'rejected', message: (error as Error).message }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    const outcome = await pending;
    expect(outcome).toMatchObject(
      outcome.settled === 'rejected' ? { message: 'inference pool is closed' } : { settled: 'resolved' },
    );
    await expect(pool.detect(photo)).rejects.toThrow(/closed/);
  });
});

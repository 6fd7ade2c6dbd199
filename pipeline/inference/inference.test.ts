import { describe, expect, it } from 'vitest';
import type { ModelManifest } from './manifest.js';
import { decodeYoloV8, intersectionOverSmaller, iou, nonMaxSuppression, type RawDetection } from './postprocess.js';
import { writeTileTensor } from './preprocess.js';
import { tileGrid } from './tiling.js';

/** Builds a [4 + nc, anchors] output from per-anchor rows. */
function output(rows: Array<{ box: [number, number, number, number]; scores: number[] }>): Float32Array {
  const anchors = rows.length;
  const nc = rows[0]!.scores.length;
  const out = new Float32Array((4 + nc) * anchors);
  rows.forEach((r, a) => {
    r.box.forEach((v, k) => (out[k * anchors + a] = v));
    r.scores.forEach((v, c) => (out[(4 + c) * anchors + a] = v));
  });
  return out;
}

const det = (x1: number, y1: number, x2: number, y2: number, score: number, classIndex = 0): RawDetection => ({ x1, y1, x2, y2, score, classIndex });

describe('YOLOv8 output decoding', () => {
  it('when anchors score above their class threshold, then they decode to corner boxes with the best class', () => {
    const out = output([
      { box: [100, 50, 20, 10], scores: [0.1, 0.9] },
      { box: [10, 10, 4, 4], scores: [0.2, 0.1] },
      { box: [300, 300, 40, 40], scores: [0.6, 0.3] },
    ]);
    const d = decodeYoloV8(out, 3, 2, [0.5, 0.5]);
    expect(d).toEqual([
      { x1: 90, y1: 45, x2: 110, y2: 55, classIndex: 1, score: expect.closeTo(0.9, 5) },
      { x1: 280, y1: 280, x2: 320, y2: 320, classIndex: 0, score: expect.closeTo(0.6, 5) },
    ]);
  });

  it('when thresholds differ per class, then each class is held to its own', () => {
    const out = output([{ box: [0, 0, 2, 2], scores: [0.4, 0.35] }]);
    expect(decodeYoloV8(out, 1, 2, [0.5, 0.3])).toHaveLength(1);
    expect(decodeYoloV8(out, 1, 2, [0.5, 0.3])[0]!.classIndex).toBe(1);
    expect(decodeYoloV8(out, 1, 2, [0.5, 0.5])).toHaveLength(0);
  });

  it('when a batch is decoded, then the offset selects the image', () => {
    const one = output([{ box: [5, 5, 2, 2], scores: [0.9] }]);
    const two = output([{ box: [50, 50, 2, 2], scores: [0.8] }]);
    const batch = new Float32Array([...one, ...two]);
    expect(decodeYoloV8(batch, 1, 1, [0.5], one.length)[0]!.x1).toBe(49);
  });
});

describe('non-maximum suppression', () => {
  it('when same-class boxes overlap beyond the threshold, then only the best survives; other classes stay', () => {
    const kept = nonMaxSuppression([det(0, 0, 10, 10, 0.8), det(1, 1, 11, 11, 0.9), det(0, 0, 10, 10, 0.7, 1), det(50, 50, 60, 60, 0.5)], 0.5);
    expect(kept.map((k) => [k.score, k.classIndex])).toEqual([
      [0.9, 0],
      [0.7, 1],
      [0.5, 0],
    ]);
  });

  it('when a box cut at a tile edge lies inside the whole one, then IoS removes it where IoU would not', () => {
    const whole = det(0, 0, 100, 100, 0.9);
    const cut = det(0, 0, 30, 100, 0.8);
    expect(iou(whole, cut)).toBeCloseTo(0.3);
    expect(intersectionOverSmaller(whole, cut)).toBeCloseTo(1);
    expect(nonMaxSuppression([whole, cut], 0.6, Infinity, 'iou')).toHaveLength(2);
    expect(nonMaxSuppression([whole, cut], 0.6, Infinity, 'ios')).toEqual([whole]);
  });

  it('when there are more survivors than the cap, then the best ones are kept', () => {
    const many = Array.from({ length: 10 }, (_, i) => det(i * 20, 0, i * 20 + 10, 10, i / 10));
    expect(nonMaxSuppression(many, 0.5, 3).map((d) => d.score)).toEqual([0.9, 0.8, 0.7]);
  });
});

describe('tiling', () => {
  it('when a 4000×3000 photo is tiled at 640 with 20% overlap, then tiles cover it edge to edge with at least that overlap', () => {
    const tiles = tileGrid(4000, 3000, 640, 0.2);
    const xs = [...new Set(tiles.map((t) => t.x))];
    const ys = [...new Set(tiles.map((t) => t.y))];
    expect(xs[0]).toBe(0);
    expect(xs.at(-1)! + 640).toBe(4000);
    expect(ys.at(-1)! + 640).toBe(3000);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 640 - xs[i]!).toBeGreaterThanOrEqual(128);
    expect(tiles).toHaveLength(xs.length * ys.length);
  });

  it('when the photo is smaller than a tile, then there is one tile of the photo size', () => {
    expect(tileGrid(500, 300, 640, 0.2)).toEqual([{ x: 0, y: 0, width: 500, height: 300 }]);
  });
});

describe('tile tensor', () => {
  const input: ModelManifest['input'] = { name: 'images', width: 4, height: 4, channelOrder: 'RGB', scale: 1 / 255, letterbox: 'centre', padValue: 114, dynamicBatch: true };

  it('when a tile is smaller than the input, then it is centred, padded with the pad value, and planar RGB scaled', () => {
    const image = { data: new Uint8Array([255, 0, 0, 0, 255, 0]), width: 2, height: 1 };
    const batch = new Float32Array(2 * 3 * 16);
    const { offsetX, offsetY } = writeTileTensor(image, { x: 0, y: 0, width: 2, height: 1 }, input, batch, 1);
    expect([offsetX, offsetY]).toEqual([1, 1]);
    const base = 48;
    const at = (c: number, y: number, x: number) => batch[base + c * 16 + y * 4 + x]!;
    expect(at(0, 1, 1)).toBeCloseTo(1);
    expect(at(1, 1, 1)).toBeCloseTo(0);
    expect(at(1, 1, 2)).toBeCloseTo(1);
    expect(at(2, 0, 0)).toBeCloseTo(114 / 255);
    expect(batch.subarray(0, 48).every((v) => v === 0)).toBe(true);
  });

  it('when the model wants BGR, then the first plane is blue', () => {
    const image = { data: new Uint8Array([10, 20, 30]), width: 1, height: 1 };
    const batch = new Float32Array(3 * 16);
    writeTileTensor(image, { x: 0, y: 0, width: 1, height: 1 }, { ...input, channelOrder: 'BGR', scale: 1, letterbox: 'top-left' }, batch, 0);
    expect([batch[0], batch[16], batch[32]]).toEqual([30, 20, 10]);
  });
});

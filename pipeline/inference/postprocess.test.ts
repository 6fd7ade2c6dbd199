import { describe, expect, it } from 'vitest';
import { intersectionOverSmaller, iou, nonMaxMerge, nonMaxSuppression, type RawDetection } from './postprocess.js';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });
const det = (x1: number, y1: number, x2: number, y2: number, score: number, classIndex = 0): RawDetection => ({
  x1,
  y1,
  x2,
  y2,
  score,
  classIndex,
});
const summary = (ds: RawDetection[]) => ds.map((d) => [d.x1, d.y1, d.x2, d.y2, d.score, d.classIndex]);

describe('iou', () => {
  it('when two 10×10 boxes overlap by half their width, then IoU is 50 / 150', () => {
    expect(iou(box(0, 0, 10, 10), box(5, 0, 15, 10))).toBeCloseTo(1 / 3, 12);
  });

  it('when two boxes are identical, then IoU is 1', () => {
    expect(iou(box(3, 4, 13, 24), box(3, 4, 13, 24))).toBe(1);
  });

  it('when a box lies inside another, then IoU is the area ratio', () => {
    expect(iou(box(0, 0, 10, 10), box(0, 0, 5, 10))).toBe(0.5);
  });

  it('when boxes only touch at an edge or are apart, then IoU is 0', () => {
    expect(iou(box(0, 0, 10, 10), box(10, 0, 20, 10))).toBe(0);
    expect(iou(box(0, 0, 10, 10), box(30, 30, 40, 40))).toBe(0);
  });
});

describe('intersectionOverSmaller', () => {
  it('when a box lies inside another, then IoS is 1 where IoU is only the area ratio', () => {
    expect(intersectionOverSmaller(box(0, 0, 10, 10), box(0, 0, 5, 10))).toBe(1);
    expect(intersectionOverSmaller(box(0, 0, 5, 10), box(0, 0, 10, 10))).toBe(1);
  });

  it('when a 10×10 box overlaps a 20×20 box by a 5×5 corner, then IoS is 25 / 100', () => {
    expect(intersectionOverSmaller(box(0, 0, 10, 10), box(5, 5, 25, 25))).toBe(0.25);
  });

  it('when boxes are apart, then IoS is 0', () => {
    expect(intersectionOverSmaller(box(0, 0, 10, 10), box(10, 10, 20, 20))).toBe(0);
  });
});

describe('nonMaxSuppression', () => {
  it('when two same-class boxes overlap beyond the threshold, then only the better one survives; other classes and distant boxes stay', () => {
    const kept = nonMaxSuppression(
      [det(0, 0, 10, 10, 0.8), det(1, 1, 11, 11, 0.9), det(0, 0, 10, 10, 0.7, 1), det(50, 50, 60, 60, 0.5)],
      0.5,
    );
    expect(summary(kept)).toEqual([
      [1, 1, 11, 11, 0.9, 0],
      [0, 0, 10, 10, 0.7, 1],
      [50, 50, 60, 60, 0.5, 0],
    ]);
  });

  it('when overlap equals the threshold exactly, then both boxes stay', () => {
    // IoU of these is exactly 0.5.
    const kept = nonMaxSuppression([det(0, 0, 10, 10, 0.9), det(0, 0, 5, 10, 0.8)], 0.5);
    expect(kept).toHaveLength(2);
  });

  it('when more boxes survive than the cap, then the best ones are kept in score order', () => {
    const kept = nonMaxSuppression(
      [det(0, 0, 1, 1, 0.2), det(10, 10, 11, 11, 0.9), det(20, 20, 21, 21, 0.5), det(30, 30, 31, 31, 0.7)],
      0.5,
      2,
    );
    expect(kept.map((d) => d.score)).toEqual([0.9, 0.7]);
  });

  it('when a box cut at a tile edge lies inside the whole one, then IoS removes it where IoU would not', () => {
    const whole = det(0, 0, 100, 100, 0.9);
    const cut = det(0, 0, 40, 100, 0.8);
    // IoU 0.4, IoS 1.
    expect(nonMaxSuppression([whole, cut], 0.5, Infinity, 'iou')).toHaveLength(2);
    expect(nonMaxSuppression([whole, cut], 0.5, Infinity, 'ios')).toEqual([whole]);
  });
});

describe('nonMaxMerge', () => {
  it('when two same-class boxes overlap beyond the threshold, then they merge into their union with the best score', () => {
    // Intersection 5 × 8 = 40 over the smaller area 120: IoS 1/3.
    const merged = nonMaxMerge([det(5, 2, 20, 10, 0.6), det(0, 0, 10, 12, 0.9)], 0.3);
    expect(summary(merged)).toEqual([[0, 0, 20, 12, 0.9, 0]]);
  });

  it('when a box of another class overlaps, then it is neither merged nor changed', () => {
    const other = det(5, 0, 20, 10, 0.6, 1);
    const merged = nonMaxMerge([det(0, 0, 10, 10, 0.9), other], 0.3);
    expect(summary(merged)).toEqual([
      [0, 0, 10, 10, 0.9, 0],
      [5, 0, 20, 10, 0.6, 1],
    ]);
  });

  it('when same-class boxes do not overlap, then both stay as they are', () => {
    const merged = nonMaxMerge([det(0, 0, 10, 10, 0.9), det(20, 0, 30, 10, 0.8)], 0.3);
    expect(summary(merged)).toEqual([
      [0, 0, 10, 10, 0.9, 0],
      [20, 0, 30, 10, 0.8, 0],
    ]);
  });

  it('when A absorbs B and C overlaps only B, then C stays: merging is not transitive through an absorbed box', () => {
    const a = det(0, 0, 10, 10, 0.9);
    const b = det(8, 0, 18, 10, 0.8); // IoS with A: 2 × 10 / 100 = 0.2
    const c = det(16, 0, 26, 10, 0.7); // IoS with B 0.2, with A 0 (the grown A∪B would overlap it, but is not consulted)
    expect(summary(nonMaxMerge([c, b, a], 0.1))).toEqual([
      [0, 0, 18, 10, 0.9, 0],
      [16, 0, 26, 10, 0.7, 0],
    ]);
  });

  it('when boxes are merged, then the input detections are left untouched', () => {
    const best = det(0, 0, 10, 10, 0.9);
    nonMaxMerge([best, det(5, 0, 20, 10, 0.6)], 0.3);
    expect(best).toEqual(det(0, 0, 10, 10, 0.9));
  });

  it('when merging by IoU, then a small piece inside a large box is not absorbed below the threshold', () => {
    // IoU 0.25, IoS 1.
    const pieces = [det(0, 0, 100, 100, 0.9), det(0, 0, 50, 50, 0.8)];
    expect(nonMaxMerge(pieces, 0.5, Infinity, 'iou')).toHaveLength(2);
    expect(nonMaxMerge(pieces, 0.5)).toHaveLength(1);
  });
});

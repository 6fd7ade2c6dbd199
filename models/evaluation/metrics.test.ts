import { describe, expect, it } from 'vitest';
import { averagePrecision, chooseThreshold, evaluateClass, type GroundTruthBox, type ScoredBox } from './metrics.js';

const box = (image: string, x: number, extra: Partial<GroundTruthBox & ScoredBox> = {}) => ({
  image,
  classIndex: 0,
  x1: x,
  y1: 0,
  x2: x + 10,
  y2: 10,
  difficult: false,
  score: 0.9,
  ...extra,
});

describe('detection metrics', () => {
  it('when every ground truth is found before any false alarm, then AP is 1', () => {
    const truths = [box('a', 0), box('a', 50), box('b', 0)];
    const dets = [
      box('a', 0, { score: 0.9 }),
      box('a', 51, { score: 0.8 }),
      box('b', 1, { score: 0.7 }),
      box('b', 200, { score: 0.1 }),
    ];
    expect(evaluateClass(0, truths, dets).ap50).toBeCloseTo(1);
  });

  it('when a false alarm outranks the only true hit, then AP is halved', () => {
    const m = evaluateClass(0, [box('a', 0)], [box('a', 300, { score: 0.9 }), box('a', 0, { score: 0.5 })]);
    expect(m.ap50).toBeCloseTo(0.5);
  });

  it('when two detections hit one object, then the second is a false positive', () => {
    const m = evaluateClass(0, [box('a', 0)], [box('a', 0, { score: 0.9 }), box('a', 1, { score: 0.8 })]);
    expect(m.curve.at(-1)).toMatchObject({ precision: 0.5, recall: 1 });
  });

  it('when a detection lands on a difficult object, then it counts neither way', () => {
    const m = evaluateClass(
      0,
      [box('a', 0), box('a', 100, { difficult: true })],
      [box('a', 100, { score: 0.95 }), box('a', 0, { score: 0.9 })],
    );
    expect(m.groundTruth).toBe(1);
    expect(m.ap50).toBeCloseTo(1);
  });

  it('when detections belong to another class or image, then they do not match', () => {
    const m = evaluateClass(0, [box('a', 0)], [box('b', 0), box('a', 0, { classIndex: 1 })]);
    expect(m.ap50).toBe(0);
  });

  it('when the envelope is computed, then precision is made monotone from the right', () => {
    expect(
      averagePrecision([
        { precision: 1, recall: 0.25 },
        { precision: 0.5, recall: 0.25 },
        { precision: 0.66, recall: 0.5 },
      ]),
    ).toBeCloseTo(0.25 + 0.25 * 0.66);
  });

  it('when the best-F1 threshold misses the recall target, then the threshold is lowered to reach it', () => {
    const truths = [0, 20, 40, 60].map((x) => box('a', x));
    const falseAlarm = (x: number, score: number) => box('a', x, { score });
    const dets = [
      box('a', 0, { score: 0.9 }),
      box('a', 20, { score: 0.8 }),
      falseAlarm(500, 0.7),
      falseAlarm(600, 0.6),
      box('a', 40, { score: 0.3 }),
      falseAlarm(700, 0.2),
      falseAlarm(800, 0.15),
      box('a', 60, { score: 0.1 }),
    ];
    const m = evaluateClass(0, truths, dets);
    expect(chooseThreshold(m, 0.25, 0.05)).toBeCloseTo(0.8);
    expect(chooseThreshold(m, 0.75, 0.05)).toBeCloseTo(0.3);
    expect(chooseThreshold(m, 0.75, 0.5)).toBeCloseTo(0.5);
    expect(chooseThreshold(m, 0.25, 0.05, 0.6)).toBeCloseTo(0.6);
  });
});

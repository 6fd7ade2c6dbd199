import { describe, expect, it } from 'vitest';
import { type NamedDetection, type ReviewedTruth, scoreOnReviewed, sideBySide } from './reviewed-metrics.js';

const CLASSES = ['fire', 'smoke', 'no_helmet'];
const b = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });
const det = (photo: string, className: string, box: ReturnType<typeof b>, score = 0.8): NamedDetection => ({
  photo,
  className,
  score,
  ...box,
});

const photos: ReviewedTruth[] = [
  // A confirmed fire, a fire the model missed (drawn by the reviewer), and a rejected smoke.
  {
    id: 'p1',
    truths: [
      { className: 'fire', ...b(100, 100, 200, 200) },
      { className: 'fire', ...b(800, 800, 900, 900) },
    ],
    falseAlarms: [{ className: 'smoke', ...b(400, 400, 500, 500) }],
    unknown: [],
  },
  // A bare head, and an undecided detection.
  {
    id: 'p2',
    truths: [{ className: 'no_helmet', ...b(10, 10, 40, 40) }],
    falseAlarms: [],
    unknown: [b(600, 600, 700, 700)],
  },
];

describe('scoring a model on reviewed photos', () => {
  it('when a model finds one of two fires, raises the rejected smoke again and fires in an undecided region, then each figure says so', () => {
    const score = scoreOnReviewed(CLASSES, photos, [
      det('p1', 'fire', b(102, 102, 198, 198)),
      det('p1', 'smoke', b(405, 405, 505, 505)),
      det('p2', 'fire', b(610, 610, 690, 690)),
      det('p2', 'no_helmet', b(10, 10, 40, 40)),
    ]);
    const fire = score.classes[0]!;
    expect(fire).toMatchObject({ truths: 2, rejected: 0, falseAlarms: 0, rejectedRaised: 0 });
    expect(fire.iou30.recall).toBeCloseTo(0.5);
    expect(fire.iou30.precision).toBe(1);
    const smoke = score.classes[1]!;
    expect(smoke).toMatchObject({
      truths: 0,
      rejected: 1,
      falseAlarms: 1,
      rejectedRaised: 1,
      falseAlarmsPerPhoto: 0.5,
    });
    expect(score.classes[2]!.iou50.recall).toBe(1);
    expect(score.all).toMatchObject({ truths: 3, rejected: 1, falseAlarms: 1, rejectedRaised: 1 });
    expect(score.all.iou30.recall).toBeCloseTo(2 / 3);
    expect(score.all.iou30.precision).toBeCloseTo(2 / 3);
  });

  it('when a box overlaps a truth by IoU 0.4, then it is found at 0.3 and a false alarm at 0.5', () => {
    const score = scoreOnReviewed(CLASSES, photos, [det('p1', 'fire', b(100, 100, 200, 140))]);
    expect(score.classes[0]!.iou30.found).toBe(1);
    expect(score.classes[0]!.iou50.found).toBe(0);
    expect(score.classes[0]!.iou50.precision).toBe(0);
  });

  it('when a reviewer marked a miss on an object also confirmed, then it is one truth', () => {
    const twice: ReviewedTruth = {
      id: 'p3',
      truths: [
        { className: 'fire', ...b(0, 0, 100, 100) },
        { className: 'fire', ...b(2, 2, 101, 101) },
      ],
      falseAlarms: [],
      unknown: [],
    };
    expect(scoreOnReviewed(CLASSES, [twice], []).classes[0]!.truths).toBe(1);
  });

  it('when the same detections are scored twice, then the figures and the table are identical in both columns and silent classes have no row', () => {
    const dets = [det('p1', 'fire', b(102, 102, 198, 198)), det('p1', 'smoke', b(405, 405, 505, 505))];
    const first = scoreOnReviewed([...CLASSES, 'blocked_exit'], photos, dets);
    const second = scoreOnReviewed([...CLASSES, 'blocked_exit'], photos, dets);
    expect(second).toEqual(first);
    const table = sideBySide([
      { label: 'active', score: first },
      { label: 'cand.', score: second },
    ]);
    const fireRow = table.split('\n').find((l) => l.startsWith('fire'))!;
    const cells = fireRow
      .split('│')
      .slice(1)
      .map((c) => c.trim().split(/\s+/));
    expect(cells.every(([x, y]) => x === y)).toBe(true);
    expect(table).toMatch(/^all /m);
    // A class nobody found, confirmed or rejected says nothing: no row.
    expect(table).not.toMatch(/^blocked_exit/m);
  });
});

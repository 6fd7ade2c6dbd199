import { describe, expect, it } from 'vitest';
import {
  aerialAlarms,
  boxCounts,
  falseAlarms,
  helmetsFlagged,
  pickThreshold,
  type RealDetection,
  type RealPhoto,
  scoreClass,
} from './real-metrics.js';

const FIRE = 0;
const SMOKE = 1;
const BARE = 4;
const HELMET = 6;

function photo(id: string, boxes: RealPhoto['boxes'], extra: Partial<RealPhoto> = {}): RealPhoto {
  return { id, source: 's', aerial: false, boxes, ignore: [], annotated: [FIRE, SMOKE], ...extra };
}
const box = (classIndex: number, x1: number, y1: number, x2: number, y2: number) => ({ classIndex, x1, y1, x2, y2 });
const det = (
  photoId: string,
  classIndex: number,
  score: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): RealDetection => ({ photo: photoId, classIndex, score, x1, y1, x2, y2 });

describe('boxCounts', () => {
  const photos = [
    photo('a', [box(FIRE, 0, 0, 100, 100)]),
    photo('b', [box(FIRE, 0, 0, 50, 50), box(FIRE, 200, 200, 260, 260)]),
  ];
  it.each([
    {
      name: 'when one exact hit and one miss, then recall 2/3 with precision 1',
      dets: [det('a', FIRE, 0.9, 0, 0, 100, 100), det('b', FIRE, 0.8, 0, 0, 50, 50)],
      iou: 0.5,
      recall: 2 / 3,
      precision: 1,
    },
    {
      name: 'when a detection scores under the threshold, then it is not counted',
      dets: [det('a', FIRE, 0.2, 0, 0, 100, 100)],
      iou: 0.5,
      recall: 0,
      precision: 1,
    },
    {
      name: 'when a box overlaps by IoU 0.4, then it counts at 0.3 but not at 0.5',
      dets: [det('a', FIRE, 0.9, 0, 0, 100, 40)],
      iou: 0.3,
      recall: 1 / 3,
      precision: 1,
    },
    {
      name: 'when a box overlaps by IoU 0.4 at IoU 0.5, then it is a false alarm',
      dets: [det('a', FIRE, 0.9, 0, 0, 100, 40)],
      iou: 0.5,
      recall: 0,
      precision: 0,
    },
    {
      name: 'when two detections hit one fire, then the second is a false alarm at 0.5',
      dets: [det('a', FIRE, 0.9, 0, 0, 100, 100), det('a', FIRE, 0.8, 0, 0, 100, 90)],
      iou: 0.5,
      recall: 1 / 3,
      precision: 0.5,
    },
    {
      name: 'when a fragment lies inside a found fire, then at 0.3 it is not a false alarm',
      dets: [det('a', FIRE, 0.9, 0, 0, 100, 100), det('a', FIRE, 0.8, 10, 10, 30, 30)],
      iou: 0.3,
      recall: 1 / 3,
      precision: 1,
    },
    {
      name: 'when the class is another, then nothing matches',
      dets: [det('a', SMOKE, 0.9, 0, 0, 100, 100)],
      iou: 0.5,
      recall: 0,
      precision: 1,
    },
  ])('$name', ({ dets, iou, recall, precision }) => {
    const c = boxCounts(FIRE, 0.3, photos, dets, iou);
    expect(c.truths).toBe(3);
    expect(c.recall).toBeCloseTo(recall);
    expect(c.precision).toBeCloseTo(precision);
  });

  it('when the source does not label the class, then its photos are not scored for it', () => {
    const unlabelled = [photo('c', [], { annotated: [SMOKE] })];
    expect(boxCounts(FIRE, 0.3, unlabelled, [det('c', FIRE, 0.9, 0, 0, 10, 10)], 0.5)).toMatchObject({
      truths: 0,
      detections: 0,
    });
  });

  it('when a detection lies in an ignored region, then it is neither right nor wrong', () => {
    const p = [photo('d', [], { ignore: [{ x1: 0, y1: 0, x2: 100, y2: 100 }] })];
    expect(boxCounts(FIRE, 0.3, p, [det('d', FIRE, 0.9, 10, 10, 50, 50)], 0.5).detections).toBe(0);
  });
});

describe('scoreClass', () => {
  it('when one of two photos with fire gets any fire detection, then image recall is 1/2', () => {
    const photos = [photo('a', [box(FIRE, 0, 0, 10, 10)]), photo('b', [box(FIRE, 0, 0, 10, 10)]), photo('c', [])];
    const s = scoreClass(FIRE, 0.5, photos, [det('a', FIRE, 0.9, 500, 500, 510, 510), det('c', FIRE, 0.9, 0, 0, 5, 5)]);
    expect(s.photosWithClass).toBe(2);
    expect(s.imageRecall).toBe(0.5);
    expect(s.iou50.recall).toBe(0);
  });
});

describe('falseAlarms', () => {
  const photos = [
    photo('g1', []),
    photo('g2', [box(FIRE, 0, 0, 10, 10)]),
    photo('a1', [], { aerial: true }),
    photo('a2', [], { aerial: true }),
    photo('partial', [], { annotated: [FIRE] }),
  ];
  const dets = [
    det('g1', FIRE, 0.9, 0, 0, 5, 5),
    det('g1', SMOKE, 0.1, 0, 0, 5, 5),
    det('g2', FIRE, 0.9, 50, 50, 60, 60),
    det('a1', SMOKE, 0.6, 0, 0, 9, 9),
    det('partial', SMOKE, 0.9, 0, 0, 9, 9),
  ];
  it.each([
    {
      name: 'when ground photos are counted, then hazard-free ones count, each for the classes its source labels',
      aerial: false,
      photos: 2,
      alarms: 1,
    },
    { name: 'when aerial photos are counted, then two photos and one alarm', aerial: true, photos: 2, alarms: 1 },
  ])('$name', ({ aerial, photos: n, alarms }) => {
    const r = falseAlarms(photos, dets, [0.5, 0.5], [FIRE, SMOKE], aerial);
    expect(r.photos).toBe(n);
    expect(r.alarms).toBe(alarms);
  });
});

describe('helmetsFlagged', () => {
  it('when one of two helmeted heads gets a bare-head box, then the rate is 1/2', () => {
    const p = [photo('h', [box(HELMET, 0, 0, 20, 20), box(HELMET, 100, 100, 120, 120)], { annotated: [BARE, HELMET] })];
    const r = helmetsFlagged(HELMET, BARE, 0.4, p, [
      det('h', BARE, 0.5, 0, 0, 20, 22),
      det('h', BARE, 0.3, 100, 100, 120, 120),
    ]);
    expect(r).toEqual({ helmets: 2, flagged: 1, rate: 0.5 });
  });
});

describe('aerialAlarms', () => {
  const sized = (p: RealPhoto, width: number, height: number) => ({ ...p, width, height });
  const photos = [
    sized(photo('roof', [], { aerial: true }), 2000, 1000),
    sized(photo('yard', [], { aerial: true, annotated: [SMOKE] }), 1000, 1000),
    sized(photo('burning', [box(FIRE, 0, 0, 10, 10)], { aerial: true }), 1000, 1000),
    sized(photo('street', []), 1000, 1000),
  ];
  it.each([
    {
      name: 'when a fire alarm is on a hazard-free drone photo, then it counts',
      dets: [det('roof', FIRE, 0.5, 0, 0, 9, 9)],
      alarms: 1,
    },
    {
      name: 'when it scores under the threshold, then it does not',
      dets: [det('roof', FIRE, 0.2, 0, 0, 9, 9)],
      alarms: 0,
    },
    {
      name: 'when the photo is from the ground, then it does not',
      dets: [det('street', FIRE, 0.9, 0, 0, 9, 9)],
      alarms: 0,
    },
    {
      name: 'when the photo has a fire, then a second box is not counted here',
      dets: [det('burning', FIRE, 0.9, 50, 50, 90, 90)],
      alarms: 0,
    },
    {
      name: 'when the source does not label fire, then it does not',
      dets: [det('yard', FIRE, 0.9, 0, 0, 9, 9)],
      alarms: 0,
    },
  ])('$name', ({ dets, alarms }) => {
    const r = aerialAlarms(FIRE, 0.3, photos, dets);
    expect(r.alarms).toBe(alarms);
    expect(r.megapixels).toBeCloseTo(2);
  });
});

describe('pickThreshold', () => {
  const row = (threshold: number, f1: number, aerialAlarms: number) => ({ threshold, f1, aerialAlarms });
  it.each([
    {
      name: 'when every threshold is within the budget, then the best F1 wins',
      rows: [row(0.1, 0.5, 0), row(0.2, 0.6, 0), row(0.3, 0.55, 0)],
      allowed: 0,
      threshold: 0.2,
      within: true,
    },
    {
      name: 'when the best F1 raises too many drone alarms, then the best F1 within the budget wins',
      rows: [row(0.1, 0.5, 9), row(0.2, 0.6, 3), row(0.3, 0.4, 1), row(0.4, 0.3, 0)],
      allowed: 1,
      threshold: 0.3,
      within: true,
    },
    {
      name: 'when no threshold is within the budget, then the fewest alarms win and it says so',
      rows: [row(0.1, 0.5, 9), row(0.2, 0.6, 4), row(0.3, 0.4, 4)],
      allowed: 1,
      threshold: 0.2,
      within: false,
    },
    {
      name: 'when two thresholds tie on F1, then the lower (more recall) wins',
      rows: [row(0.2, 0.6, 0), row(0.3, 0.6, 0)],
      allowed: 0,
      threshold: 0.2,
      within: true,
    },
  ])('$name', ({ rows, allowed, threshold, within }) => {
    const r = pickThreshold(rows, allowed);
    expect(r.threshold).toBe(threshold);
    expect(r.withinBudget).toBe(within);
  });
});

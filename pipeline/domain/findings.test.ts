import { describe, expect, it } from 'vitest';
import {
  findingRecords,
  lateViews,
  mergeIntoFindings,
  type NewFinding,
  type PlacedDetection,
  withinFlightErrorM,
} from './findings.js';

let next = 0;
const det = (className: string, east: number, north: number, over: Partial<PlacedDetection> = {}): PlacedDetection => ({
  id: `d${next++}`,
  className,
  score: 0.8,
  imageId: `img${next}`,
  east,
  north,
  errorM: 0.4,
  extent: { minEast: east - 0.5, minNorth: north - 0.5, maxEast: east + 0.5, maxNorth: north + 0.5 },
  offCentre: 0.3,
  gsdM: 0.016,
  ...over,
});

describe('merging detections into findings', () => {
  it('when the same hazard is seen in five photos with small position errors, then it is one finding with five views', () => {
    const views = [0, 1, 2, 3, 4].map((i) => det('blocked_exit', 10 + i * 0.1, 20 - i * 0.1));
    const findings = mergeIntoFindings(views);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.views).toHaveLength(5);
    expect(findings[0]!.east).toBeCloseTo(10.2, 6);
    expect(findings[0]!.errorM).toBeCloseTo(0.4 / Math.sqrt(5), 6);
  });

  it('when two hazards of the same class stand 3 m apart at 60 m, then they stay two findings', () => {
    const findings = mergeIntoFindings([
      det('no_helmet', 0, 0),
      det('no_helmet', 0.2, 0.1),
      det('no_helmet', 3, 0),
      det('no_helmet', 3.1, -0.2),
    ]);
    expect(findings).toHaveLength(2);
    expect(findings.map((f) => f.views.length)).toEqual([2, 2]);
  });

  it('when hazards of different classes share a spot, then each class keeps its own finding', () => {
    expect(mergeIntoFindings([det('fire', 5, 5), det('smoke', 5, 5)])).toHaveLength(2);
  });

  it('when a view cut at the photo edge lies inside a whole view, then they merge although their centres differ', () => {
    const whole = det('unguarded_edge', 0, 0, { extent: { minEast: -5, minNorth: -0.5, maxEast: 5, maxNorth: 0.5 } });
    const cut = det('unguarded_edge', 3.5, 0, {
      score: 0.6,
      extent: { minEast: 2, minNorth: -0.5, maxEast: 5, maxNorth: 0.5 },
    });
    const findings = mergeIntoFindings([whole, cut]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.views[0]!.id).toBe(whole.id);
  });

  it('when errors are large, then the gate widens with them', () => {
    const loose = { errorM: 2 };
    expect(mergeIntoFindings([det('fire', 0, 0, loose), det('fire', 6, 0, loose)])).toHaveLength(1);
    expect(mergeIntoFindings([det('fire', 0, 0), det('fire', 6, 0)])).toHaveLength(2);
  });

  it('when views are ranked, then a central, sharp view beats a slightly higher score at the photo corner', () => {
    const corner = det('drums_outside_bund', 0, 0, { score: 0.85, offCentre: 1 });
    const central = det('drums_outside_bund', 0.1, 0, { score: 0.8, offCentre: 0.1 });
    const coarse = det('drums_outside_bund', 0.1, 0.1, { score: 0.8, offCentre: 0.1, gsdM: 0.032 });
    expect(mergeIntoFindings([corner, central, coarse])[0]!.views.map((v) => v.id)).toEqual([
      central.id,
      corner.id,
      coarse.id,
    ]);
  });

  it('when a flight has no RTK fix, then the shared GNSS offset does not widen the gate: hazards 3 m apart stay apart', () => {
    // Absolute errors of 1.6 m, 1.5 m of which is the receiver's offset shared by every photo.
    const errorM = withinFlightErrorM(1.6, 1.5);
    expect(errorM).toBeLessThan(0.7);
    expect(
      mergeIntoFindings([
        det('no_helmet', 0, 0, { errorM }),
        det('no_helmet', 0.3, 0.2, { errorM }),
        det('no_helmet', 3, 0, { errorM }),
      ]),
    ).toHaveLength(2);
    // Gated on the absolute error they would have merged.
    expect(
      mergeIntoFindings([det('no_helmet', 0, 0, { errorM: 1.6 }), det('no_helmet', 3, 0, { errorM: 1.6 })]),
    ).toHaveLength(1);
  });
});

describe("storing a flight's findings", () => {
  const FLIGHT = { organisationId: 'org', regionCode: '4101', createdByUser: 'pilot' };
  const REGIONS = new Map([
    ['site-county', '410105'],
    ['site-no-region', ''],
  ]);
  const draft = (siteId: string | null): NewFinding => ({
    className: 'fire',
    hazardCode: 'open_fire',
    severity: 'major',
    lat: 34.7,
    lon: 113.6,
    errorM: 0.4,
    siteId,
    recurringOf: null,
    capturedAt: new Date('2026-03-07T05:41:06Z'),
    views: [
      { detectionId: 'd1', score: 0.7, merit: 0.6 },
      { detectionId: 'd2', score: 0.9, merit: 0.5 },
      { detectionId: 'd3', score: 0.5, merit: 0.4 },
    ],
  });

  /** site of the finding → region it is stored in. */
  const REGION_TABLE: ReadonlyArray<[string, string | null, string]> = [
    ["when the finding lies in a site of a county, then it takes the site's region", 'site-county', '410105'],
    ["when the finding lies in no site, then it takes the flight's region", null, '4101'],
    ["when its site names no region, then it takes the flight's region", 'site-no-region', '4101'],
    ["when its site is not known, then it takes the flight's region", 'site-unknown', '4101'],
  ];
  it.each(REGION_TABLE)('%s', (_name, siteId, region) => {
    const [record] = findingRecords('flight', FLIGHT, [draft(siteId)], REGIONS);
    expect(record!.regionCode).toBe(region);
    expect(record!.siteId).toBe(siteId);
  });

  it("when a finding is stored, then it belongs to the flight's organisation and pilot, its first view is its best and its score the highest of its views", () => {
    const [record] = findingRecords('flight', FLIGHT, [draft(null)], REGIONS);
    expect(record).toMatchObject({
      flightId: 'flight',
      organisationId: 'org',
      flownBy: 'pilot',
      bestDetectionId: 'd1',
      bestScore: 0.9,
      viewCount: 3,
    });
    expect(record!.views).toEqual([
      { detectionId: 'd1', rank: 0, merit: 0.6 },
      { detectionId: 'd2', rank: 1, merit: 0.5 },
      { detectionId: 'd3', rank: 2, merit: 0.4 },
    ]);
  });

  /** the finding the views would join → whether they join it, and at which ranks. */
  const LATE_TABLE: ReadonlyArray<[string, { status: string; viewCount: number } | undefined, number[] | undefined]> = [
    [
      'when the finding is pending with two views, then late views join it as the third and fourth',
      { status: 'pending', viewCount: 2 },
      [2, 3],
    ],
    [
      'when the finding is pending with one view, then late views follow it',
      { status: 'pending', viewCount: 1 },
      [1, 2],
    ],
    [
      'when the finding was confirmed meanwhile, then late views do not join it',
      { status: 'confirmed', viewCount: 2 },
      undefined,
    ],
    [
      'when the finding was rejected meanwhile, then late views do not join it',
      { status: 'rejected', viewCount: 2 },
      undefined,
    ],
    ['when the finding is gone, then late views do not join it', undefined, undefined],
  ];
  it.each(LATE_TABLE)('%s', (_name, finding, ranks) => {
    const late = lateViews(finding, [
      { detectionId: 'd7', merit: 0.3 },
      { detectionId: 'd8', merit: 0.2 },
    ]);
    expect(late?.views.map((v) => v.rank)).toEqual(ranks);
    if (late) {
      expect(late.viewCount).toBe(finding!.viewCount + 2);
      expect(late.views.map((v) => [v.detectionId, v.merit])).toEqual([
        ['d7', 0.3],
        ['d8', 0.2],
      ]);
    }
  });
});

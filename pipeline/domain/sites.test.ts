import { describe, expect, it } from 'vitest';
import {
  creditCodeProblem,
  distanceToSiteM,
  geometryProblems,
  regionCodes,
  type SiteGeometry,
  siteParts,
} from './sites.js';

describe('unified social credit codes', () => {
  it('when a published code is checked, then it is valid', () => {
    expect(creditCodeProblem('91350100M000100Y43')).toBeUndefined();
  });

  it('when the check character, length or alphabet is wrong, then the problem says which', () => {
    expect(creditCodeProblem('91350100M000100Y44')).toMatch(/check character is "4", expected "3"/);
    expect(creditCodeProblem('91350100M000100Y4')).toMatch(/17 characters/);
    expect(creditCodeProblem('91350100I000100Y43')).toMatch(/character 9 \("I"\)/);
  });
});

describe('site outlines', () => {
  const square: Array<[number, number]> = [
    [113.77, 34.81],
    [113.771, 34.81],
    [113.771, 34.811],
    [113.77, 34.811],
  ];

  it('when a polygon has a hole, then the parts are its closed outer ring and the hole', () => {
    const hole: Array<[number, number]> = [
      [113.7703, 34.8103],
      [113.7706, 34.8103],
      [113.7706, 34.8106],
      [113.7703, 34.8103],
    ];
    const parts = siteParts({ type: 'Polygon', coordinates: [square, hole] });
    expect(parts.map((p) => [p.polygon, p.hole])).toEqual([
      [0, false],
      [0, true],
    ]);
    expect(parts[0]!.ring.at(-1)).toEqual(square[0]);
  });

  it('when rings are degenerate or coordinates are swapped, then each problem names its place', () => {
    expect(
      geometryProblems({
        type: 'MultiPolygon',
        coordinates: [
          [square],
          [
            [
              [1, 2],
              [1, 2],
              [1, 2],
            ],
          ],
        ],
      }),
    ).toEqual(['coordinates[1][0]: a ring needs at least 3 distinct points']);
    expect(
      geometryProblems({
        type: 'Polygon',
        coordinates: [
          [
            [34.81, 113.77],
            [34.82, 113.77],
            [34.82, 113.78],
          ],
        ],
      })[0],
    ).toMatch(/coordinates\[0\]\[0\]: \[34.81, 113.77\] is not a WGS-84/);
  });

  it('when a county code is split, then province and city codes come out', () => {
    expect(regionCodes('410105')).toEqual({ province: '410000', city: '410100', county: '410105' });
  });

  it('when a ring is a bow tie or a line, then it is refused', () => {
    expect(
      geometryProblems({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [2, 2],
            [2, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      }),
    ).toEqual(['coordinates[0]: the ring crosses itself']);
    expect(
      geometryProblems({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [2, 2],
            [0, 0],
          ],
        ],
      }),
    ).toEqual(['coordinates[0]: the ring encloses no area (its points lie on a line)']);
  });
});

describe('distance from a point to a site', () => {
  // About 111 m by 91 m at this latitude.
  const square: Array<[number, number]> = [
    [113.77, 34.81],
    [113.771, 34.81],
    [113.771, 34.811],
    [113.77, 34.811],
  ];
  const hole: Array<[number, number]> = [
    [113.7703, 34.8103],
    [113.7707, 34.8103],
    [113.7707, 34.8107],
    [113.7703, 34.8107],
  ];
  const polygon: SiteGeometry = { type: 'Polygon', coordinates: [square] };
  const withHole: SiteGeometry = { type: 'Polygon', coordinates: [square, hole] };
  const far: Array<[number, number]> = square.map(([lon, lat]) => [lon + 0.01, lat]);
  const multi: SiteGeometry = { type: 'MultiPolygon', coordinates: [[far], [square]] };

  it.each([
    ['inside the outline', { lat: 34.8105, lon: 113.7701 }, polygon, 0, 0],
    ['east of the outline by 0.001° of longitude', { lat: 34.8105, lon: 113.772 }, polygon, 90, 93],
    ['north of the outline by 0.001° of latitude', { lat: 34.812, lon: 113.7705 }, polygon, 110, 113],
    ['beyond a corner', { lat: 34.812, lon: 113.772 }, polygon, 140, 146],
    ['inside a hole', { lat: 34.8105, lon: 113.7705 }, withHole, 15, 25],
    ['inside the outline, outside its hole', { lat: 34.8101, lon: 113.7701 }, withHole, 0, 0],
    ['inside the second polygon of a MultiPolygon', { lat: 34.8105, lon: 113.7705 }, multi, 0, 0],
  ] as Array<[string, { lat: number; lon: number }, SiteGeometry, number, number]>)(
    'when the point is %s, then the distance is between the bounds in metres',
    (_, point, geometry, low, high) => {
      const d = distanceToSiteM(point, geometry);
      expect(d).toBeGreaterThanOrEqual(low);
      expect(d).toBeLessThanOrEqual(high);
    },
  );
});

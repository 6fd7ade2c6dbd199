import { describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from './gcj02.js';
import {
  featureCollection,
  lineFeature,
  multiPolygonFeature,
  pointFeature,
  polygonFeature,
  type Position,
} from './geojson.js';
import type { LatLon } from './wgs84.js';

// A ~100 m square near Zhengzhou, corners listed counterclockwise (east, north, west, back south).
const sw = { lat: 34.81, lon: 113.77 };
const se = { lat: 34.81, lon: 113.771 };
const ne = { lat: 34.811, lon: 113.771 };
const nw = { lat: 34.811, lon: 113.77 };
const ccwSquare: LatLon[] = [sw, se, ne, nw];
const cwSquare: LatLon[] = [sw, nw, ne, se];
// A hole in the middle, also counterclockwise (wrong for a hole).
const ccwHole: LatLon[] = [
  { lat: 34.8104, lon: 113.7704 },
  { lat: 34.8104, lon: 113.7706 },
  { lat: 34.8106, lon: 113.7706 },
  { lat: 34.8106, lon: 113.7704 },
];

const pos = (p: LatLon): Position => [p.lon, p.lat];
/** Independent check of the right-hand rule: shoelace on a closed ring, positive = counterclockwise. */
const isCounterclockwise = (ring: Position[]) => {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return sum > 0;
};

describe('GeoJSON polygons', () => {
  it('when a ring is given open, then it is closed by repeating the first position', () => {
    const ring = polygonFeature(ccwSquare, null).geometry.coordinates[0]!;
    expect(ring).toEqual([pos(sw), pos(se), pos(ne), pos(nw), pos(sw)]);
  });

  it('when a ring is given already closed, then it is not closed twice', () => {
    const ring = polygonFeature([...ccwSquare, sw], null).geometry.coordinates[0]!;
    expect(ring).toHaveLength(5);
    expect(ring[4]).toEqual(ring[0]);
  });

  it('when the exterior ring is counterclockwise, then it is kept as given', () => {
    const ring = polygonFeature(ccwSquare, null).geometry.coordinates[0]!;
    expect(isCounterclockwise(ring)).toBe(true);
    expect(ring[1]).toEqual(pos(se));
  });

  it('when the exterior ring is clockwise, then it is reversed to counterclockwise', () => {
    const ring = polygonFeature(cwSquare, null).geometry.coordinates[0]!;
    expect(isCounterclockwise(ring)).toBe(true);
    expect(ring.slice(0, 4)).toEqual([pos(se), pos(ne), pos(nw), pos(sw)]);
    expect(ring[4]).toEqual(ring[0]);
  });

  it('when a hole is counterclockwise, then it is reversed to clockwise and the exterior stays counterclockwise', () => {
    const [outer, hole] = polygonFeature([ccwSquare, ccwHole], null).geometry.coordinates;
    expect(isCounterclockwise(outer!)).toBe(true);
    expect(isCounterclockwise(hole!)).toBe(false);
    expect(hole).toHaveLength(5);
  });

  it('when both rings are given the other way round, then only the exterior is reversed', () => {
    const cwHole = [...ccwHole].reverse();
    const [outer, hole] = polygonFeature([cwSquare, cwHole], null).geometry.coordinates;
    expect(isCounterclockwise(outer!)).toBe(true);
    expect(isCounterclockwise(hole!)).toBe(false);
    expect(hole!.slice(0, 4)).toEqual(cwHole.map(pos));
  });

  it('when a ring repeats points, then consecutive duplicates are dropped, including ones made by rounding', () => {
    const almostSe = { lat: se.lat + 1e-9, lon: se.lon }; // the same point at 7 decimals
    const ring = polygonFeature([sw, sw, se, almostSe, ne, ne, nw, sw, sw], null).geometry.coordinates[0]!;
    expect(ring).toEqual([pos(sw), pos(se), pos(ne), pos(nw), pos(sw)]);
  });

  it('when a ring has fewer than 3 distinct points, then it is refused with a message saying so', () => {
    expect(() => polygonFeature([sw, se, sw], null)).toThrow(/exterior ring has 2 distinct point\(s\).*at least 3/);
    expect(() => polygonFeature([sw, sw, sw, sw], null)).toThrow(/1 distinct point/);
    expect(() => polygonFeature([], null)).toThrow(/0 distinct point/);
    expect(() => polygonFeature([ccwSquare, [sw, se]], null)).toThrow(/hole has 2 distinct point/);
  });

  it('when a ring collapses after rounding or is collinear, then it is refused too', () => {
    const tiny = [sw, { lat: sw.lat, lon: sw.lon + 1e-9 }, { lat: sw.lat + 1e-9, lon: sw.lon }];
    expect(() => polygonFeature(tiny, null)).toThrow(/1 distinct point/);
    expect(() => polygonFeature([sw, se, { lat: 34.81, lon: 113.772 }], null)).toThrow(/zero area/);
  });

  it('when several polygons make one feature, then each is closed and oriented', () => {
    const f = multiPolygonFeature([cwSquare, [ccwSquare, ccwHole]], { zone: 'A' });
    expect(f.geometry.type).toBe('MultiPolygon');
    const [first, second] = f.geometry.coordinates;
    expect(isCounterclockwise(first![0]!)).toBe(true);
    expect(isCounterclockwise(second![0]!)).toBe(true);
    expect(isCounterclockwise(second![1]!)).toBe(false);
  });
});

describe('GeoJSON points, lines and options', () => {
  it('when a point is built, then its position is [lon, lat] and its properties are kept', () => {
    const f = pointFeature({ lat: 34.8123, lon: 113.7745 }, { hazard: 'no-helmet', confidence: 0.91 });
    expect(f).toEqual({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [113.7745, 34.8123] },
      properties: { hazard: 'no-helmet', confidence: 0.91 },
    });
  });

  it('when a track hovers in place, then the repeated positions are dropped and the order kept', () => {
    const f = lineFeature([sw, se, se, se, ne], { flight: 'F-1' });
    expect(f.geometry).toEqual({ type: 'LineString', coordinates: [pos(sw), pos(se), pos(ne)] });
  });

  it('when a track never moves, then it is refused', () => {
    expect(() => lineFeature([sw, sw], null)).toThrow(/line has 1 distinct point.*at least 2/);
  });

  it('when coordinates have more decimals than the precision, then they are rounded (7 by default)', () => {
    const p = { lat: 34.123456789, lon: 113.987654321 };
    expect(pointFeature(p, null).geometry.coordinates).toEqual([113.9876543, 34.1234568]);
    expect(pointFeature(p, null, { precision: 3 }).geometry.coordinates).toEqual([113.988, 34.123]);
    expect(JSON.stringify(pointFeature(p, null, { precision: 5 }).geometry.coordinates)).toBe('[113.98765,34.12346]');
  });

  it('when the precision or a coordinate is unusable, then building refuses', () => {
    expect(() => pointFeature(sw, null, { precision: 2.5 })).toThrow(/precision/);
    expect(() => pointFeature(sw, null, { precision: -1 })).toThrow(/precision/);
    expect(() => pointFeature({ lat: Number.NaN, lon: 113 }, null)).toThrow(/not finite/);
  });
});

describe('GeoJSON feature collections', () => {
  it('when converting to GCJ-02, then every coordinate is the GCJ-02 transform of its input and the file says so', () => {
    const options = { crs: 'gcj02', precision: 12 } as const;
    const track = [sw, se, ne];
    const fc = featureCollection(
      [
        pointFeature(nw, null, options),
        lineFeature(track, null, options),
        polygonFeature([ccwSquare, ccwHole], null, options),
      ],
      options,
    );
    const expectConverted = (actual: Position | undefined, input: LatLon) => {
      const g = wgs84ToGcj02(input);
      expect(actual![0]).toBeCloseTo(g.lon, 11);
      expect(actual![1]).toBeCloseTo(g.lat, 11);
      expect(actual![0]).not.toBeCloseTo(input.lon, 3); // really moved (hundreds of metres)
    };
    const [point, line, polygon] = fc.features;
    expectConverted(point!.geometry.coordinates as Position, nw);
    (line!.geometry.coordinates as Position[]).forEach((c, i) => expectConverted(c, track[i]!));
    const [outer, hole] = polygon!.geometry.coordinates as Position[][];
    [sw, se, ne, nw, sw].forEach((p, i) => expectConverted(outer![i], p));
    expect(isCounterclockwise(outer!)).toBe(true);
    expect(isCounterclockwise(hole!)).toBe(false);
    expect(fc.coordinateSystem).toBe('GCJ-02');
  });

  it('when staying on WGS-84, then the collection has no coordinateSystem member', () => {
    const fc = featureCollection([pointFeature(sw, null)]);
    expect('coordinateSystem' in fc).toBe(false);
    expect(Object.keys(JSON.parse(JSON.stringify(fc)))).toEqual(['type', 'bbox', 'features']);
  });

  it('when features were built in the other datum, then the collection refuses to mix them', () => {
    expect(() => featureCollection([pointFeature(sw, null, { crs: 'gcj02' })])).toThrow(
      /built as gcj02.*wgs84 collection/,
    );
    expect(() => featureCollection([pointFeature(sw, null)], { crs: 'gcj02' })).toThrow(
      /built as wgs84.*gcj02 collection/,
    );
  });

  it('when features of every kind are collected, then bbox spans all their coordinates as [minLon, minLat, maxLon, maxLat]', () => {
    const fc = featureCollection([
      pointFeature({ lat: 34.805, lon: 113.7705 }, null),
      lineFeature([ne, { lat: 34.812, lon: 113.7708 }], null),
      polygonFeature(cwSquare, null),
      multiPolygonFeature(
        [
          [
            { lat: 34.8101, lon: 113.7721 },
            { lat: 34.8102, lon: 113.7722 },
            { lat: 34.8101, lon: 113.7723 },
          ],
        ],
        null,
      ),
    ]);
    expect(fc.bbox).toEqual([113.77, 34.805, 113.7723, 34.812]);
    expect(fc.features).toHaveLength(4);
  });

  it('when the collection is empty, then it has no bbox', () => {
    expect(featureCollection([])).toEqual({ type: 'FeatureCollection', features: [] });
  });
});

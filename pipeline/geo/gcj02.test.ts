import { describe, expect, it } from 'vitest';
import { gcj02ToWgs84, outOfChina, wgs84ToGcj02 } from './gcj02.js';
import { type LatLon, LocalTangentPlane } from './wgs84.js';

/** Horizontal distance in metres between two nearby points. */
const metresBetween = (a: LatLon, b: LatLon) => {
  const en = new LocalTangentPlane(a).toEastNorth(b);
  return Math.hypot(en.east, en.north);
};

describe('WGS-84 to GCJ-02', () => {
  it('when converting the published test vectors, then the results match them to 1e-9 degrees', () => {
    // wgsLat, wgsLon, gcjLat, gcjLon: the test table of the eviltransform project
    // (github.com/googollee/eviltransform, javascript/test.js).
    const vectors = [
      [31.1774276, 121.5272106, 31.17530398364597, 121.531541859215], // Shanghai
      [22.543847, 113.912316, 22.540796131694766, 113.9171764808363], // Shenzhen
      [39.911954, 116.377817, 39.91334545536069, 116.38404722455657], // Beijing
      // coordtransform (github.com/wandergis/coordtransform, test/app.js): wgs84togcj02(116.404, 39.915).
      [39.915, 116.404, 39.91640428150164, 116.41024449916938],
    ] as const;
    for (const [wgsLat, wgsLon, gcjLat, gcjLon] of vectors) {
      const gcj = wgs84ToGcj02({ lat: wgsLat, lon: wgsLon });
      expect(gcj.lat).toBeCloseTo(gcjLat, 9);
      expect(gcj.lon).toBeCloseTo(gcjLon, 9);
    }
  });

  it('when converting Tiananmen, then it moves north-east by 500–700 m to where Chinese maps draw it', () => {
    const wgs = { lat: 39.908722, lon: 116.397499 };
    const gcj = wgs84ToGcj02(wgs);
    // Reference computed from the published formula (and agreeing with the vectors above).
    expect(gcj.lat).toBeCloseTo(39.9101255, 6);
    expect(gcj.lon).toBeCloseTo(116.4037426, 6);
    expect(gcj.lat).toBeGreaterThan(wgs.lat);
    expect(gcj.lon).toBeGreaterThan(wgs.lon);
    const shift = metresBetween(wgs, gcj);
    expect(shift).toBeGreaterThan(500);
    expect(shift).toBeLessThan(700);
  });

  it('when the point is outside China, then it is returned unchanged both ways', () => {
    for (const p of [
      { lat: 48.8584, lon: 2.2945 },
      { lat: -33.8568, lon: 151.2153 },
      { lat: 35.6586, lon: 139.7454 },
      { lat: 55.7539, lon: 37.6208 },
    ]) {
      expect(outOfChina(p)).toBe(true);
      expect(wgs84ToGcj02(p)).toEqual(p);
      expect(gcj02ToWgs84(p)).toEqual(p);
    }
  });

  it('when a point is in a neighbouring country inside the rough box, then it is shifted too (known approximation)', () => {
    const seoul = { lat: 37.5665, lon: 126.978 };
    expect(outOfChina(seoul)).toBe(false);
    expect(metresBetween(seoul, wgs84ToGcj02(seoul))).toBeGreaterThan(100);
  });

  it('when a point sits just across the rough box edge, then only the inside one is shifted', () => {
    expect(wgs84ToGcj02({ lat: 40, lon: 72.003 })).toEqual({ lat: 40, lon: 72.003 });
    expect(wgs84ToGcj02({ lat: 40, lon: 72.005 })).not.toEqual({ lat: 40, lon: 72.005 });
  });
});

describe('GCJ-02 to WGS-84', () => {
  it('when a point is converted there and back across China, then it returns within 1e-7 degrees', () => {
    const points = [
      { lat: 34.81, lon: 113.77 }, // Zhengzhou
      { lat: 22.54, lon: 114.06 }, // Shenzhen
      { lat: 43.82, lon: 87.61 }, // Urumqi
      { lat: 39.908722, lon: 116.397499 }, // Beijing
      { lat: 45.75, lon: 126.65 }, // Harbin
      { lat: 29.65, lon: 91.13 }, // Lhasa
    ];
    for (const p of points) {
      const back = gcj02ToWgs84(wgs84ToGcj02(p));
      expect(Math.abs(back.lat - p.lat)).toBeLessThan(1e-7);
      expect(Math.abs(back.lon - p.lon)).toBeLessThan(1e-7);
      expect(metresBetween(p, back)).toBeLessThan(0.001);
    }
  });

  it('when inverting the published vectors, then the WGS-84 points come back to under a millimetre', () => {
    const back = gcj02ToWgs84({ lat: 31.17530398364597, lon: 121.531541859215 });
    expect(metresBetween(back, { lat: 31.1774276, lon: 121.5272106 })).toBeLessThan(0.001);
  });
});

import { describe, expect, it } from 'vitest';
import { MAVIC_3E_WIDE, NadirView } from './camera.js';
import { LocalTangentPlane } from './wgs84.js';

describe('nadir camera', () => {
  it('when flying at 60 m with a Mavic 3E wide camera, then one pixel covers about 2.1 cm', () => {
    const view = new NadirView(MAVIC_3E_WIDE, 4000, 3000, { east: 0, north: 0 }, 60, 0);
    expect(view.gsd).toBeCloseTo((60 * (17.3 / 4000)) / 12.29, 9);
    expect(view.gsd).toBeGreaterThan(0.02);
    expect(view.gsd).toBeLessThan(0.022);
  });

  it('when yaw is 90°, then the top of the image faces east and its right edge faces south', () => {
    const view = new NadirView(MAVIC_3E_WIDE, 4000, 3000, { east: 10, north: 20 }, 60, 90);
    const top = view.pixelToGround(2000, 0);
    const right = view.pixelToGround(4000, 1500);
    expect(top.east).toBeGreaterThan(10);
    expect(top.north).toBeCloseTo(20, 9);
    expect(right.north).toBeLessThan(20);
    expect(right.east).toBeCloseTo(10, 9);
  });

  it('when a ground point is projected into the image and back, then it returns to where it was', () => {
    const view = new NadirView(MAVIC_3E_WIDE, 4000, 3000, { east: -5, north: 7 }, 73, -131.4);
    const point = { east: 12.3, north: -4.56 };
    const back = view.pixelToGround(view.groundToPixel(point).x, view.groundToPixel(point).y);
    expect(back.east).toBeCloseTo(point.east, 9);
    expect(back.north).toBeCloseTo(point.north, 9);
  });

  it('when the footprint is measured, then its sides match height times sensor extent over focal length (square pixels)', () => {
    const view = new NadirView(MAVIC_3E_WIDE, 4000, 3000, { east: 0, north: 0 }, 80, 33);
    const [tl, tr, br] = view.footprint();
    expect(Math.hypot(tr!.east - tl!.east, tr!.north - tl!.north)).toBeCloseTo((80 * 17.3) / 12.29, 6);
    expect(Math.hypot(br!.east - tr!.east, br!.north - tr!.north)).toBeCloseTo(
      (80 * ((17.3 * 3000) / 4000)) / 12.29,
      6,
    );
  });
});

describe('local tangent plane', () => {
  it('when a point 100 m north-east is converted to WGS-84 and back, then it round-trips to the millimetre', () => {
    const plane = new LocalTangentPlane({ lat: 31.23, lon: 121.47 });
    const ll = plane.toLatLon({ east: 100, north: 100 });
    const back = plane.toEastNorth(ll);
    expect(back.east).toBeCloseTo(100, 3);
    expect(back.north).toBeCloseTo(100, 3);
  });

  it('when moving one degree of latitude at 31° N, then it spans the WGS-84 meridian arc (~110.9 km)', () => {
    const plane = new LocalTangentPlane({ lat: 31, lon: 121 });
    const north = plane.toEastNorth({ lat: 31.001, lon: 121 }).north * 1000;
    expect(north).toBeGreaterThan(110_800);
    expect(north).toBeLessThan(110_900);
  });
});

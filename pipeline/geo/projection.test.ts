import { describe, expect, it } from 'vitest';
import { MAVIC_3E_WIDE, NadirView } from './camera.js';
import type { CaptureRecord } from './capture.js';
import { intrinsicsFor } from './cameras.js';
import { type CameraPose, GroundProjector, poseFrom, projectorFor, ringAreaM2 } from './projection.js';

const pose = (over: Partial<CameraPose> = {}): CameraPose => ({
  position: { lat: 30, lon: 120 },
  heightM: 100,
  yawDeg: 0,
  pitchDeg: -90,
  rollDeg: 0,
  positionSigmaM: 1.5,
  ...over,
});
const intrinsics = { focalPx: 1000, width: 2000, height: 1000, source: 'sensor-table' as const };
const near = (a: { east: number; north: number } | undefined, east: number, north: number) => {
  expect(a).toBeDefined();
  expect(a!.east).toBeCloseTo(east, 6);
  expect(a!.north).toBeCloseTo(north, 6);
};

describe('ground projection, nadir', () => {
  it('when the camera looks straight down heading north, then pixels land at height × offset ÷ focal length', () => {
    const p = new GroundProjector(pose(), intrinsics);
    near(p.pixelToGround(1000, 500), 0, 0);
    near(p.pixelToGround(0, 0), -100, 50);
    near(p.pixelToGround(2000, 1000), 100, -50);
  });

  it('when the heading is east, then the top of the image faces east', () => {
    const p = new GroundProjector(pose({ yawDeg: 90 }), intrinsics);
    near(p.pixelToGround(1000, 0), 50, 0);
    near(p.pixelToGround(2000, 500), 0, -100);
  });

  it('when compared with the sample generator’s nadir camera, then both put every pixel at the same spot', () => {
    const view = new NadirView(MAVIC_3E_WIDE, 4000, 3000, { east: 0, north: 0 }, 60, 37);
    const capture: CaptureRecord = { model: 'M3E', focalLengthMm: MAVIC_3E_WIDE.focalLengthMm, sources: {} };
    const i = intrinsicsFor(capture, 4000, 3000);
    if ('reason' in i) throw new Error(i.reason);
    const p = new GroundProjector(pose({ heightM: 60, yawDeg: 37 }), i);
    for (const [x, y] of [
      [0, 0],
      [4000, 0],
      [1234, 2345],
      [4000, 3000],
    ] as const) {
      const a = view.pixelToGround(x, y);
      const b = p.pixelToGround(x, y)!;
      expect(b.east).toBeCloseTo(a.east, 6);
      expect(b.north).toBeCloseTo(a.north, 6);
    }
  });

  it('when the footprint of a nadir photo is taken, then its area is width × height on the ground', () => {
    const p = new GroundProjector(pose(), intrinsics);
    expect(ringAreaM2(p.footprint()!)).toBeCloseTo(200 * 100, -1);
  });
});

describe('ground projection, oblique', () => {
  const p = new GroundProjector(pose({ pitchDeg: -45 }), intrinsics);

  it('when the camera is tilted 45° down, then the image centre lands one height ahead', () => {
    near(p.pixelToGround(1000, 500), 0, 100);
  });

  it('when a ray points 15° below the horizon, then it lands height ÷ tan 15° ahead', () => {
    const y = 500 - 1000 * Math.tan(30 * (Math.PI / 180));
    near(p.pixelToGround(1000, y), 0, 100 / Math.tan(15 * (Math.PI / 180)));
  });

  it('when a ray points at or above the horizon, then there is no ground point', () => {
    const horizon = 500 - 1000 * Math.tan(45 * (Math.PI / 180));
    expect(p.pixelToGround(1000, horizon - 1)).toBeUndefined();
    expect(p.pixelToGeo(1000, horizon - 100)).toBeUndefined();
    // Just below the horizon the ground is farther than twenty heights: no point either.
    expect(p.pixelToGround(1000, horizon + 1)).toBeUndefined();
  });

  it('when the photo shows sky, then its footprint keeps only the part on the ground', () => {
    const level = new GroundProjector(pose({ pitchDeg: -10 }), intrinsics);
    const ring = level.footprint()!;
    expect(ring.length).toBeGreaterThanOrEqual(4);
    for (const point of ring) {
      const en = level.plane.toEastNorth(point);
      expect(en.north).toBeGreaterThan(0);
      expect(Math.hypot(en.east, en.north)).toBeLessThanOrEqual(20 * 100 + 1e-6);
    }
  });

  it('when a standing object is boxed in an oblique photo, then its ground point is the foot of the box', () => {
    const box = { x1: 900, y1: 400, x2: 1100, y2: 600 };
    const foot = p.boxToGeo(box, true)!;
    const centre = p.boxToGeo(box, false)!;
    const en = (g: { lat: number; lon: number }) => p.plane.toEastNorth(g);
    expect(en(foot).north).toBeLessThan(en(centre).north);
    expect(en(centre).north).toBeCloseTo(100, 4);
  });

  it('when a point lies farther away, then its error estimate is larger', () => {
    const close = p.pixelToGeo(1000, 900)!;
    const far = p.pixelToGeo(1000, 300)!;
    expect(far.errorM).toBeGreaterThan(close.errorM);
    expect(close.errorM).toBeGreaterThan(1.5);
  });
});

describe('camera pose from capture metadata', () => {
  const base: CaptureRecord = { latitude: 30, longitude: 120, gimbalPitchDeg: -90, gimbalYawDeg: 10, sources: {} };

  it('when DJI RelativeAltitude is present, then it is the height, whatever the GPS altitude says', () => {
    expect(poseFrom({ ...base, relativeAltitudeM: 29.4, gpsAltitudeM: -116.63 })).toMatchObject({ heightM: 29.4 });
  });

  it('when only a GPS altitude is present, then the pose is refused with the reason, unless the take-off elevation is given', () => {
    const refused = poseFrom({ ...base, gpsAltitudeM: 122.3 });
    expect(refused).toEqual({
      reason: expect.stringMatching(/no height above take-off.*122\.3 m.*take-off elevation/),
    });
    expect(poseFrom({ ...base, gpsAltitudeM: 122.3 }, { takeOffElevationM: 22.3 })).toMatchObject({ heightM: 100 });
  });

  it('when position, heading or pitch is missing, then the reason names it', () => {
    expect(poseFrom({ ...base, latitude: undefined, relativeAltitudeM: 50 })).toEqual({
      reason: 'no GPS position in the photo',
    });
    expect(poseFrom({ ...base, gimbalYawDeg: undefined, relativeAltitudeM: 50 })).toEqual({
      reason: expect.stringMatching(/no heading/),
    });
    expect(poseFrom({ ...base, gimbalPitchDeg: undefined, relativeAltitudeM: 50 })).toEqual({
      reason: expect.stringMatching(/no gimbal pitch/),
    });
  });

  it('when the camera is not in the table, then the 35 mm equivalent sets the field of view over the 4:3 diagonal', () => {
    const i = intrinsicsFor({ model: 'UNKNOWN', focalLength35mm: 24, sources: {} }, 4000, 3000);
    expect(i).toMatchObject({ source: 'equivalent-35mm' });
    // 24 mm on full frame: 43.27 mm diagonal; 5000 px diagonal → 2773 px.
    expect((i as { focalPx: number }).focalPx).toBeCloseTo((24 * 5000) / Math.hypot(36, 24), 6);
    expect(projectorFor({ ...base, relativeAltitudeM: 50, sources: {} }, 4000, 3000)).toEqual({
      reason: expect.stringMatching(/no focal length/),
    });
  });

  it('when a 4:3 photo comes from a 3:2 sensor, then the sensor height sets the scale', () => {
    // Phantom 4 Pro: 13.2 × 8.8 mm, 8.8 mm lens; its 4:3 photos are 4864 × 3648, the sensor's full height.
    const i = intrinsicsFor({ model: 'FC6310', focalLengthMm: 8.8, sources: {} }, 4864, 3648) as { focalPx: number };
    expect(i.focalPx).toBeCloseTo((8.8 * 3648) / 8.8, 6);
    const wide = intrinsicsFor({ model: 'FC350', focalLengthMm: 3.61, sources: {} }, 4000, 2250) as { focalPx: number };
    expect(wide.focalPx).toBeCloseTo((3.61 * 4000) / 6.17, 6);
  });

  it('when the photo carries an EXIF orientation other than upright, then it is not placed, with the reason', () => {
    expect(poseFrom({ ...base, relativeAltitudeM: 50, orientation: 6 })).toEqual({
      reason: expect.stringMatching(/EXIF orientation 6/),
    });
  });
});

describe('camera roll', () => {
  it('when the camera rolls right by 10° looking obliquely ahead, then the right side of the image sees nearer ground', () => {
    const p = new GroundProjector(pose({ pitchDeg: -30, rollDeg: 10 }), intrinsics);
    const left = p.pixelToGround(0, 500)!;
    const right = p.pixelToGround(2000, 500)!;
    expect(right.distanceM).toBeLessThan(left.distanceM);
  });
});

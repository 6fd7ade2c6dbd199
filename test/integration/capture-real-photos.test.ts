/**
 * Capture metadata and ground footprints of real DJI photos from ../shared/fixtures/real (values
 * from its README). Skipped, with a message, where the fixtures are absent.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture, withPixelSize } from '../../pipeline/geo/capture.js';
import { projectorFor, ringAreaM2 } from '../../pipeline/geo/projection.js';
import { photoSize } from '../../pipeline/inference/decode.js';
import { ROOT } from '../factories.js';

const IMAGES = path.resolve(ROOT, '../shared/fixtures/real/images');
const present = existsSync(IMAGES);
if (!present) console.warn(`skipping real-photo capture tests: ${IMAGES} is absent`);

async function captureOf(file: string) {
  const bytes = await readFile(path.join(IMAGES, file));
  const size = await photoSize(bytes, 1e9);
  return withPixelSize(await readCapture(bytes), size.width, size.height);
}

describe.skipIf(!present)('capture metadata of real DJI photos', () => {
  it('when DJI_Zenmuse_X3.JPG is read, then it holds the README values and the height is RelativeAltitude, not the negative GPS altitude', async () => {
    const c = await captureOf('DJI_Zenmuse_X3.JPG');
    expect(c.latitude).toBeCloseTo(50.859049, 6);
    expect(c.longitude).toBeCloseTo(4.678717, 6);
    expect(c).toMatchObject({
      gpsAltitudeM: -116.63,
      relativeAltitudeM: 29.4,
      gimbalPitchDeg: -90,
      gimbalYawDeg: 46.6,
      flightYawDeg: 44.7,
      focalLengthMm: 3.61,
      focalLength35mm: 20,
      model: 'FC350',
      pixelWidth: 4000,
      pixelHeight: 2250,
    });
    expect(c.sources).toMatchObject({
      relativeAltitudeM: 'xmp',
      gpsAltitudeM: 'gps',
      gimbalYawDeg: 'xmp',
      pixelWidth: 'pixels',
    });
    const projector = projectorFor(c, c.pixelWidth!, c.pixelHeight!);
    if ('reason' in projector) throw new Error(projector.reason);
    expect(projector.pose.heightM).toBe(29.4);
    // DJI gives the X3 a 94° diagonal field of view over its native 4:3 frame (4000×3000 px);
    // the 16:9 photo is that frame's full width.
    const focalPx = 2500 / Math.tan(47 * (Math.PI / 180));
    const expected = ((4000 * 29.4) / focalPx) * ((2250 * 29.4) / focalPx);
    const area = ringAreaM2(projector.footprint()!);
    expect(Math.abs(area - expected) / expected).toBeLessThan(0.05);
  });

  it('when odm_1JI_0064.JPG (no XMP) is read, then angles come from its maker notes, the size from its pixels, and the missing height is a stated reason', async () => {
    const c = await captureOf('odm_1JI_0064.JPG');
    expect(c.latitude).toBeCloseTo(41.549408, 6);
    expect(c.longitude).toBeCloseTo(-83.69892, 6);
    expect(c).toMatchObject({
      gpsAltitudeM: 122.3,
      model: 'FC300X',
      exifWidth: 1800,
      exifHeight: 2400,
      pixelWidth: 2400,
      pixelHeight: 1800,
    });
    expect(c.relativeAltitudeM).toBeUndefined();
    expect(c.sources).toMatchObject({ gimbalPitchDeg: 'makernote', gimbalYawDeg: 'makernote' });
    expect(c.gimbalPitchDeg).toBeCloseTo(-89.9, 4);
    expect(projectorFor(c, 2400, 1800)).toEqual({
      reason: expect.stringMatching(/no height above take-off.*GPS altitude \(122\.3 m\)/),
    });
    const withTakeOff = projectorFor(c, 2400, 1800, { takeOffElevationM: 22.3 });
    if ('reason' in withTakeOff) throw new Error(withTakeOff.reason);
    expect(ringAreaM2(withTakeOff.footprint()!)).toBeGreaterThan(0);
  });
});

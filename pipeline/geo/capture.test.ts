import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exifDateTime, readCapture } from './capture.js';

const DEMO = path.resolve(import.meta.dirname, '../../samples/demo-flight');

describe('capture metadata', () => {
  it('when EXIF gives local time and an offset, then takenAt carries the offset', () => {
    expect(exifDateTime('2026:03:07 13:41:00', '+08:00')).toEqual({ iso: '2026-03-07T13:41:00+08:00', hasOffset: true });
    expect(new Date(exifDateTime('2026:03:07 13:41:00', '+08:00')!.iso).toISOString()).toBe('2026-03-07T05:41:00.000Z');
  });

  it('when EXIF gives no offset, then takenAt is local time and says so', () => {
    expect(exifDateTime('2017:03:14 10:00:01', undefined)).toEqual({ iso: '2017-03-14T10:00:01', hasOffset: false });
    expect(exifDateTime('not a date', '+08:00')).toBeUndefined();
  });

  it('when a generated DJI photo is read, then GPS, heights, gimbal and camera come back', async () => {
    const capture = await readCapture(await readFile(path.join(DEMO, 'DJI_0001.JPG')));
    expect(capture).toMatchObject({ make: 'DJI', model: 'M3E', relativeAltitudeM: 60, gimbalPitchDeg: -90, focalLengthMm: 12.29, focalLength35mm: 24, takenAtHasOffset: true });
    expect(capture.latitude).toBeGreaterThan(0);
    expect(capture.takenAt).toMatch(/\+08:00$/);
  });

  it('when the bytes are not an image, then the record says why instead of throwing', async () => {
    const capture = await readCapture(Buffer.from('plain text'));
    expect(capture.latitude).toBeUndefined();
  });
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedMetadata, type PhotoMetadata } from '../../samples/generator/metadata.js';
import { exifDateTime, parseDjiNumber, readCapture, readDjiMakerNote, withPixelSize } from './capture.js';

const DEMO = path.resolve(import.meta.dirname, '../../samples/demo-flight');

describe('capture metadata', () => {
  it('when EXIF gives local time and an offset, then takenAt carries the offset', () => {
    expect(exifDateTime('2026:03:07 13:41:00', '+08:00')).toEqual({
      iso: '2026-03-07T13:41:00+08:00',
      hasOffset: true,
    });
    expect(new Date(exifDateTime('2026:03:07 13:41:00', '+08:00')!.iso).toISOString()).toBe('2026-03-07T05:41:00.000Z');
  });

  it('when EXIF gives no offset, then takenAt is local time and says so', () => {
    expect(exifDateTime('2017:03:14 10:00:01', undefined)).toEqual({ iso: '2017-03-14T10:00:01', hasOffset: false });
    expect(exifDateTime('not a date', '+08:00')).toBeUndefined();
  });

  it('when the camera clock was never set or the date does not exist, then there is no time', () => {
    expect(exifDateTime('0000:00:00 00:00:00', '+08:00')).toBeUndefined();
    expect(exifDateTime('2026:02:30 10:00:00', undefined)).toBeUndefined();
    expect(exifDateTime('2026:03:07 25:00:00', undefined)).toBeUndefined();
  });

  it('when a generated DJI photo is read, then GPS, heights, gimbal and camera come back', async () => {
    const capture = await readCapture(await readFile(path.join(DEMO, 'DJI_0001.JPG')));
    expect(capture).toMatchObject({
      make: 'DJI',
      model: 'M3E',
      relativeAltitudeM: 60,
      gimbalPitchDeg: -90,
      focalLengthMm: 12.29,
      focalLength35mm: 24,
      takenAtHasOffset: true,
    });
    expect(capture.latitude).toBeGreaterThan(0);
    expect(capture.takenAt).toMatch(/\+08:00$/);
  });

  it('when the bytes are not an image, then the record says why instead of throwing', async () => {
    const capture = await readCapture(Buffer.from('plain text'));
    expect(capture.latitude).toBeUndefined();
  });

  it('when a DJI maker note holds float angles, then they are read, rounded off their float32 noise', () => {
    const entries: Array<[number, number]> = [
      [0x06, -3.6],
      [0x07, 3.1],
      [0x09, -89.9],
      [0x0a, 3.8],
      [0x0b, 0],
    ];
    const note = new Uint8Array(2 + (entries.length + 1) * 12);
    const view = new DataView(note.buffer);
    view.setUint16(0, entries.length + 1, true);
    // An ASCII entry first ("DJI"), which the reader must skip.
    view.setUint16(2, 0x01, true);
    view.setUint16(4, 2, true);
    view.setUint32(6, 4, true);
    entries.forEach(([tag, value], i) => {
      const at = 2 + (i + 1) * 12;
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, 11, true);
      view.setUint32(at + 4, 1, true);
      view.setFloat32(at + 8, value, true);
    });
    expect(readDjiMakerNote(note)).toEqual({
      pitch: -3.6,
      yaw: 3.1,
      cameraPitch: -89.9,
      cameraYaw: 3.8,
      cameraRoll: 0,
    });
    expect(readDjiMakerNote(new Uint8Array([5, 0, 1]))).toEqual({});
  });

  it('when the pixel size is added, then it is recorded as coming from the pixels beside the EXIF size', () => {
    const record = withPixelSize(
      { exifWidth: 1800, exifHeight: 2400, sources: { exifWidth: 'exif', exifHeight: 'exif' } },
      2400,
      1800,
    );
    expect(record).toMatchObject({
      exifWidth: 1800,
      pixelWidth: 2400,
      pixelHeight: 1800,
      sources: { exifWidth: 'exif', pixelWidth: 'pixels' },
    });
  });

  it('when DJI writes signed strings, unsigned decimals or blanks, then numbers come out only where there is one', () => {
    expect(parseDjiNumber('+29.40')).toBe(29.4);
    expect(parseDjiNumber('-90.00')).toBe(-90);
    expect(parseDjiNumber('34.400002')).toBeCloseTo(34.400002, 9);
    expect(parseDjiNumber(' 12 ')).toBe(12);
    expect(parseDjiNumber('')).toBeUndefined();
    expect(parseDjiNumber('n/a')).toBeUndefined();
    expect(parseDjiNumber(Number.NaN)).toBeUndefined();
  });

  it('when the GPS altitude is flagged below sea level, then it reads negative and the height still comes from RelativeAltitude', async () => {
    const plain = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#777' } })
      .jpeg()
      .toBuffer();
    const meta: PhotoMetadata = {
      make: 'DJI',
      model: 'FC350',
      software: 'test',
      dateTimeOriginal: '2017:03:14 14:15:40',
      offsetTime: '+01:00',
      focalLengthMm: 3.61,
      focalLength35mm: 20,
      fNumber: 2.8,
      exposureTimeS: 0.002,
      iso: 100,
      pixelWidth: 64,
      pixelHeight: 48,
      latitude: 50.859049,
      longitude: 4.678717,
      absoluteAltitudeM: -116.63,
      relativeAltitudeM: 29.4,
      gimbalRollDeg: 0,
      gimbalPitchDeg: -90,
      gimbalYawDeg: 46.6,
      flightRollDeg: 0,
      flightPitchDeg: 0,
      flightYawDeg: 44.7,
    };
    const capture = await readCapture(embedMetadata(plain, meta));
    expect(capture.gpsAltitudeM).toBeCloseTo(-116.63, 2);
    expect(capture.relativeAltitudeM).toBe(29.4);
    expect(capture.sources).toMatchObject({ gpsAltitudeM: 'gps', relativeAltitudeM: 'xmp' });
  });
});

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { HAZARD_CLASSES_V1 } from '../../pipeline/domain/taxonomy.js';
import { MAVIC_3E_WIDE, NadirView } from '../../pipeline/geo/camera.js';
import { LocalTangentPlane } from '../../pipeline/geo/wgs84.js';
import { type FlightGroundTruth, generateFlight } from './flight.js';

const DEMO_FLIGHT = path.resolve(import.meta.dirname, '../demo-flight');
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flightgen-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function digestTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = createHash('sha256')
      .update(await readFile(full))
      .digest('hex');
  }
  return out;
}

async function readTruth(dir: string): Promise<FlightGroundTruth> {
  return JSON.parse(await readFile(path.join(dir, 'flight.json'), 'utf8')) as FlightGroundTruth;
}

describe('flight generator', () => {
  it('when the same seed is generated twice, then every file is byte-identical; another seed differs', async () => {
    const options = { seed: 77, site: 'small' as const, imageWidth: 800, imageHeight: 600, maxPhotos: 3 };
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    await generateFlight({ ...options, outDir: a });
    await generateFlight({ ...options, outDir: b });
    await generateFlight({ ...options, seed: 78, outDir: c });
    const [da, db, dc] = [await digestTree(a), await digestTree(b), await digestTree(c)];
    expect(Object.keys(da).filter((f) => f.endsWith('.JPG'))).toHaveLength(3);
    expect(da).toEqual(db);
    expect(da['DJI_0001.JPG']).not.toEqual(dc['DJI_0001.JPG']);
  });

  it('when a photo is read back with exifr, then GPS, camera and DJI XMP tags hold what was written', async () => {
    const truth = await readTruth(DEMO_FLIGHT);
    for (const photo of truth.photos) {
      const file = path.join(DEMO_FLIGHT, photo.file);
      const tags = await exifr.parse(file, { xmp: true, gps: true, tiff: true, exif: true });
      expect(tags.Make).toBe('DJI');
      expect(tags.Model).toBe(MAVIC_3E_WIDE.model);
      expect(tags.FocalLength).toBeCloseTo(MAVIC_3E_WIDE.focalLengthMm, 2);
      expect(tags.FocalLengthIn35mmFormat).toBe(MAVIC_3E_WIDE.focalLength35mm);
      expect(tags.DateTimeOriginal).toBeInstanceOf(Date);
      expect(tags.latitude).toBeCloseTo(photo.position.lat, 8);
      expect(tags.longitude).toBeCloseTo(photo.position.lon, 8);
      expect(tags.GPSAltitude).toBeCloseTo(photo.absoluteAltitudeM, 2);
      expect(tags.RelativeAltitude).toBeCloseTo(photo.relativeAltitudeM, 2);
      expect(tags.AbsoluteAltitude).toBeCloseTo(photo.absoluteAltitudeM, 2);
      expect(tags.GimbalPitchDegree).toBe(-90);
      expect(tags.GimbalYawDegree).toBeCloseTo(photo.gimbalYawDeg, 2);
      expect(typeof tags.FlightYawDegree).toBe('number');
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height]).toEqual([truth.camera.imageWidth, truth.camera.imageHeight]);
    }
  });

  it('when the XMP is inspected as text, then it uses DJI spelling and signed strings', async () => {
    const bytes = await readFile(path.join(DEMO_FLIGHT, 'DJI_0001.JPG'));
    const xmp = bytes.subarray(0, 65536).toString('latin1');
    expect(xmp).toMatch(/drone-dji:RelativeAltitude="\+60\.00"/);
    expect(xmp).toMatch(/drone-dji:GimbalPitchDegree="-90\.00"/);
    expect(xmp).toMatch(/drone-dji:GimbalYawDegree="[+-]\d+\.\d{2}"/);
    expect(xmp).toMatch(/drone-dji:FlightYawDegree="[+-]\d+\.\d{2}"/);
  });

  it('when labels are read, then every box lies inside its image and names a taxonomy class', async () => {
    const truth = await readTruth(DEMO_FLIGHT);
    let boxes = 0;
    for (const photo of truth.photos) {
      const text = await readFile(path.join(DEMO_FLIGHT, 'labels', photo.file.replace('.JPG', '.txt')), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        const [cls, cx, cy, w, h] = line.split(' ').map(Number) as [number, number, number, number, number];
        expect(Number.isInteger(cls) && cls >= 0 && cls < HAZARD_CLASSES_V1.length).toBe(true);
        expect(w).toBeGreaterThan(0);
        expect(h).toBeGreaterThan(0);
        expect(cx - w / 2).toBeGreaterThanOrEqual(0);
        expect(cy - h / 2).toBeGreaterThanOrEqual(0);
        expect(cx + w / 2).toBeLessThanOrEqual(1);
        expect(cy + h / 2).toBeLessThanOrEqual(1);
        boxes++;
      }
    }
    expect(boxes).toBeGreaterThan(20);
  });

  it("when each label's centre is projected to the ground from the photo's own metadata, then it lands within 0.5 m of its hazard", async () => {
    const truth = await readTruth(DEMO_FLIGHT);
    const plane = new LocalTangentPlane(truth.site.origin);
    const { imageWidth, imageHeight } = truth.camera;
    let checked = 0;
    for (const photo of truth.photos) {
      const tags = await exifr.parse(path.join(DEMO_FLIGHT, photo.file), { xmp: true, gps: true });
      const centre = plane.toEastNorth({ lat: tags.latitude, lon: tags.longitude });
      const view = new NadirView(
        MAVIC_3E_WIDE,
        imageWidth,
        imageHeight,
        centre,
        tags.RelativeAltitude,
        tags.GimbalYawDegree,
      );
      const text = await readFile(path.join(DEMO_FLIGHT, 'labels', photo.file.replace('.JPG', '.txt')), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        const [cls, cx, cy] = line.split(' ').map(Number) as [number, number, number];
        const ground = view.pixelToGround(cx * imageWidth, cy * imageHeight);
        const candidates = truth.hazards.filter((h) => h.class === HAZARD_CLASSES_V1[cls]);
        const nearest = Math.min(
          ...candidates.map((h) => {
            const p = plane.toEastNorth(h.position);
            return Math.hypot(p.east - ground.east, p.north - ground.north);
          }),
        );
        expect(nearest).toBeLessThan(0.5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('when the demo flight is listed, then it has at most 12 photos, 25 MB, and every hazard class', async () => {
    const truth = await readTruth(DEMO_FLIGHT);
    expect(truth.photos.length).toBeLessThanOrEqual(12);
    let bytes = 0;
    for (const photo of truth.photos) bytes += (await readFile(path.join(DEMO_FLIGHT, photo.file))).length;
    expect(bytes).toBeLessThanOrEqual(25 * 1024 * 1024);
    for (const cls of HAZARD_CLASSES_V1) {
      expect(truth.hazards.some((h) => h.class === cls && h.views.filter((v) => !v.truncated).length >= 2)).toBe(true);
    }
  });
});

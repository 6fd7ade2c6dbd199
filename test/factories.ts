import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DEMO_FLIGHT = path.join(ROOT, 'samples/demo-flight');

export async function demoPhoto(name: string): Promise<Buffer> {
  return readFile(path.join(DEMO_FLIGHT, name));
}

/** A demo photo scaled down (metadata kept) so integration tests infer over a few tiles only. */
export async function smallPhoto(name: string, width = 1280): Promise<Buffer> {
  return sharp(await demoPhoto(name)).resize(width).keepMetadata().jpeg({ quality: 90 }).toBuffer();
}

/** A JPEG cut short: the header parses, the scan data ends early. */
export async function truncatedJpeg(): Promise<Buffer> {
  const full = await smallPhoto('DJI_0003.JPG');
  return full.subarray(0, Math.floor(full.length / 3));
}

export function textFile(): Buffer {
  return Buffer.from('This is a flight log, not a photo.\n');
}

/** A valid unified social credit code, distinct per `n` (the check character computed by the domain rule). */
export async function creditCode(n: number): Promise<string> {
  const { creditCodeCheckCharacter } = await import('../pipeline/domain/sites.js');
  const first17 = `91410100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** A square site outline (GeoJSON Polygon, [lon, lat]) of `sizeDeg` with its south-west corner at (lon, lat). */
export function squareSite(lon: number, lat: number, sizeDeg: number): { type: 'Polygon'; coordinates: Array<Array<[number, number]>> } {
  return { type: 'Polygon', coordinates: [[[lon, lat], [lon + sizeDeg, lat], [lon + sizeDeg, lat + sizeDeg], [lon, lat + sizeDeg], [lon, lat]]] };
}

/** The enterprise whose yard the demo flight covers: a site Feature whose outline contains the whole flight. */
export async function demoSiteFeature(n: number): Promise<{ feature: object; origin: { lat: number; lon: number } }> {
  const truth = JSON.parse(await readFile(path.join(DEMO_FLIGHT, 'flight.json'), 'utf8')) as { site: { origin: { lat: number; lon: number } } };
  const { lat, lon } = truth.site.origin;
  return {
    origin: truth.site.origin,
    feature: { type: 'Feature', properties: { name: 'Demo Chemicals Ltd', creditCode: await creditCode(n), industry: 'chemicals', regionCode: '410105' }, geometry: squareSite(lon - 0.002, lat - 0.002, 0.004) },
  };
}

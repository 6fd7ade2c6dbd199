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
  return sharp(await demoPhoto(name))
    .resize(width)
    .keepMetadata()
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A JPEG cut short: the header parses, the scan data ends early. */
export async function truncatedJpeg(): Promise<Buffer> {
  const full = await smallPhoto('DJI_0003.JPG');
  return full.subarray(0, Math.floor(full.length / 3));
}

export function textFile(): Buffer {
  return Buffer.from('This is a flight log, not a photo.\n');
}

export { squareSite } from '../cli/demo-site.js';

/** A valid unified social credit code, distinct per `n`. */
export async function creditCode(n: number): Promise<string> {
  return (await import('../cli/demo-site.js')).creditCode(n);
}

/** The enterprise whose yard the demo flight covers: a site Feature whose outline contains the whole flight. */
export async function demoSiteFeature(n: number): Promise<{ feature: object; origin: { lat: number; lon: number } }> {
  return (await import('../cli/demo-site.js')).demoSiteFeature(n);
}

/** A bureau's boundary around Shanghai: the demo flight's yard in Zhengzhou lies outside it. */
export const SHANGHAI_BOUNDARY = {
  type: 'Polygon',
  coordinates: [
    [
      [121.0, 30.9],
      [121.9, 30.9],
      [121.9, 31.5],
      [121.0, 31.5],
      [121.0, 30.9],
    ],
  ],
};

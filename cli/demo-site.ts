/**
 * The enterprise whose yard the committed demo flight covers, as a site Feature whose outline holds
 * the whole flight. Shared by the demo and the tests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { creditCodeCheckCharacter } from '../pipeline/domain/sites.js';

const DEMO_FLIGHT_DIR = path.resolve(import.meta.dirname, '../samples/demo-flight');

/** A valid unified social credit code, distinct per `n` (the check character computed by the domain rule). */
export function creditCode(n: number): string {
  const first17 = `91410100${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** A square site outline (GeoJSON Polygon, [lon, lat]) of `sizeDeg` with its south-west corner at (lon, lat). */
export function squareSite(
  lon: number,
  lat: number,
  sizeDeg: number,
): { type: 'Polygon'; coordinates: Array<Array<[number, number]>> } {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + sizeDeg, lat],
        [lon + sizeDeg, lat + sizeDeg],
        [lon, lat + sizeDeg],
        [lon, lat],
      ],
    ],
  };
}

export async function demoSiteFeature(
  n: number,
  name = 'Demo Chemicals Ltd',
): Promise<{
  feature: {
    type: 'Feature';
    properties: {
      name: string;
      creditCode: string;
      industry: string;
      regionCode: string;
      contact: { name: string; phone: string };
    };
    geometry: ReturnType<typeof squareSite>;
  };
  origin: { lat: number; lon: number };
}> {
  const truth = JSON.parse(await readFile(path.join(DEMO_FLIGHT_DIR, 'flight.json'), 'utf8')) as {
    site: { origin: { lat: number; lon: number } };
  };
  const { lat, lon } = truth.site.origin;
  return {
    origin: truth.site.origin,
    feature: {
      type: 'Feature',
      properties: {
        name,
        creditCode: creditCode(n),
        industry: 'chemicals',
        regionCode: '410105',
        contact: { name: 'Safety officer', phone: '0371-00000000' },
      },
      geometry: squareSite(lon - 0.002, lat - 0.002, 0.004),
    },
  };
}

/**
 * Flight generator speed: the one-off cost of painting a site, then per-photo rendering (resample,
 * camera effects, JPEG encode, metadata) at 4000×3000.
 *
 *   npm run bench:samples [-- --photos 8]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateFlight } from '../scripts/flightgen/flight.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '8' }, seed: { type: 'string', default: '4242' } } });
const photos = Number(values.photos);
const out = await mkdtemp(path.join(os.tmpdir(), 'bench-samples-'));
try {
  const t0 = performance.now();
  await generateFlight({ seed: Number(values.seed), outDir: out, site: 'small', altitudeM: 60, maxPhotos: 1 });
  const one = performance.now() - t0;
  const t1 = performance.now();
  await generateFlight({ seed: Number(values.seed), outDir: out, site: 'small', altitudeM: 60, maxPhotos: 1 + photos });
  const many = performance.now() - t1;
  const perPhoto = (many - one) / photos;
  console.log(`site paint + 1 photo: ${(one / 1000).toFixed(2)} s`);
  console.log(`per additional 4000x3000 photo: ${(perPhoto / 1000).toFixed(3)} s (over ${photos} photos)`);
} finally {
  await rm(out, { recursive: true, force: true });
}

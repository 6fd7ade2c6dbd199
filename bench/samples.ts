/**
 * Flight generator speed: the one-off cost of painting a site, then per-photo rendering (resample,
 * camera effects, JPEG encode, metadata, write) at 4000×3000.
 *
 *   npm run bench:samples [-- --photos 12 --seed 4242]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateFlight } from '../samples/generator/flight.js';

const { values } = parseArgs({
  options: { photos: { type: 'string', default: '12' }, seed: { type: 'string', default: '4242' } },
});
const out = await mkdtemp(path.join(os.tmpdir(), 'bench-samples-'));
const photoMs: number[] = [];
let siteMs = 0;
try {
  await generateFlight({
    seed: Number(values.seed),
    outDir: out,
    site: 'small',
    altitudeM: 60,
    maxPhotos: Number(values.photos),
    onTiming: (phase, ms) => (phase === 'site' ? (siteMs = ms) : photoMs.push(ms)),
  });
  photoMs.sort((a, b) => a - b);
  const q = (p: number) => photoMs[Math.min(photoMs.length - 1, Math.floor(photoMs.length * p))]!;
  console.log(`site painted once: ${(siteMs / 1000).toFixed(2)} s`);
  console.log(
    `4000x3000 photo (${photoMs.length} photos): median ${(q(0.5) / 1000).toFixed(3)} s, slowest ${(photoMs.at(-1)! / 1000).toFixed(3)} s`,
  );
} finally {
  await rm(out, { recursive: true, force: true });
}

import { parseArgs } from 'node:util';
import { generateFlight } from './flight.js';

const USAGE = `Usage: npm run samples -- --seed N --out DIR [--site small|standard|large] [--altitude M]
                          [--width PX --height PX] [--max-photos N] [--labels-only]`;

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      site: { type: 'string', default: 'standard' },
      altitude: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      'max-photos': { type: 'string' },
      'labels-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const problems: string[] = [];
  const int = (name: string, raw: string | undefined, min: number, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      problems.push(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  const seed = int('seed', values.seed, 0, 2 ** 32 - 1);
  if (seed === undefined) problems.push('--seed is required');
  if (!values.out) problems.push('--out is required');
  const site = values.site;
  if (site !== 'small' && site !== 'standard' && site !== 'large')
    problems.push(`--site must be small, standard or large (got "${site}")`);
  const altitudeM = int('altitude', values.altitude, 40, 100);
  const imageWidth = int('width', values.width, 320, 8000);
  const imageHeight = int('height', values.height, 240, 6000);
  const maxPhotos = int('max-photos', values['max-photos'], 1, 10_000);
  if (problems.length > 0) {
    console.error(problems.map((p) => `error: ${p}`).join('\n') + `\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  generateFlight({
    seed: seed!,
    outDir: values.out!,
    site: site as 'small' | 'standard' | 'large',
    ...(altitudeM !== undefined && { altitudeM }),
    ...(imageWidth !== undefined && { imageWidth }),
    ...(imageHeight !== undefined && { imageHeight }),
    ...(maxPhotos !== undefined && { maxPhotos }),
    labelsOnly: values['labels-only'],
  }).then(
    (truth) => {
      const seconds = (performance.now() - started) / 1000;
      const counts = truth.classes.map((c) => `${c} ${truth.hazards.filter((h) => h.class === c).length}`).join(', ');
      console.log(
        `${truth.photos.length} photos at ${truth.plan.relativeAltitudeM} m in ${values.out} (${seconds.toFixed(1)} s); hazards: ${counts}`,
      );
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

main();

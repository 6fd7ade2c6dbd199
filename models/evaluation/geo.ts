/**
 * Geo-referencing and finding merge against the samples generator's ground truth: generates survey
 * flights at a fixed height, runs the default model over every photo as the worker does, places
 * each detection on the ground from the photo's own EXIF/XMP, merges them into findings, and prints
 *   - RMS distance of true detections' ground points (whole views) from the true hazard positions,
 *   - the share of true hazards that map to exactly one finding,
 *   - the share of findings that duplicate another one's hazard.
 *
 *   npm run geo:evaluate [-- --flights 3 --seed 5001 --altitude 60 --site standard --model models/hazard-v1]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mergeIntoFindings, type PlacedDetection } from '../../pipeline/domain/findings.js';
import { STANDING_CLASSES } from '../../pipeline/domain/taxonomy.js';
import { type CaptureRecord, readCapture, withPixelSize } from '../../pipeline/geo/capture.js';
import { placeBox, projectorFor } from '../../pipeline/geo/projection.js';
import { LocalTangentPlane } from '../../pipeline/geo/wgs84.js';
import { tuneDecodingForThroughput } from '../../pipeline/inference/decode.js';
import { InferencePool } from '../../pipeline/inference/pool.js';
import { iou, intersectionOverSmaller } from '../../pipeline/inference/postprocess.js';
import { detectMany } from '../../pipeline/inference/run-many.js';
import { type FlightGroundTruth, generateFlight } from '../../samples/generator/flight.js';
import type { SiteSize } from '../../samples/generator/site.js';

const { values } = parseArgs({
  options: {
    flights: { type: 'string', default: '3' },
    seed: { type: 'string', default: '5001' },
    altitude: { type: 'string', default: '60' },
    site: { type: 'string', default: 'standard' },
    model: { type: 'string', default: 'models/hazard-v1' },
    /** Replace the generator's exact RTK positions by plain GNSS: a per-flight offset and per-photo jitter. */
    gnss: { type: 'boolean', default: false },
  },
});

tuneDecodingForThroughput();
const work = await mkdtemp(path.join(os.tmpdir(), 'geo-evaluate-'));
const pool = await InferencePool.start({
  modelDir: path.resolve(values.model),
  threads: os.availableParallelism(),
  intraOpThreads: 1,
});
const totals = {
  trueDetections: 0,
  squaredError: 0,
  hazards: 0,
  detectedHazards: 0,
  exactlyOne: 0,
  findings: 0,
  duplicates: 0,
  falseFindings: 0,
};
const started = performance.now();
try {
  for (let f = 0; f < Number(values.flights); f++) {
    const seed = Number(values.seed) + f;
    const dir = path.join(work, `flight-${seed}`);
    const truth: FlightGroundTruth = await generateFlight({
      seed,
      outDir: dir,
      altitudeM: Number(values.altitude),
      site: values.site as SiteSize,
    });
    const plane = new LocalTangentPlane(truth.site.origin);
    const hazards = truth.hazards.map((h) => ({ ...h, at: plane.toEastNorth(h.position) }));
    const placed: Array<PlacedDetection & { hazard?: string; whole: boolean }> = [];
    const sources = await Promise.all(
      truth.photos.map(async (p) => ({ name: p.file, bytes: await readFile(path.join(dir, p.file)) })),
    );
    const results = await detectMany(pool, sources, { inFlight: 2 });
    for (const [i, result] of results.entries()) {
      if (!result) continue;
      let capture = withPixelSize(await readCapture(sources[i]!.bytes), result.width, result.height);
      if (values.gnss) capture = degradeToGnss(capture, seed, i);
      const projector = projectorFor(capture, result.width, result.height);
      if ('reason' in projector) throw new Error(`${result.source}: ${projector.reason}`);
      const flagged = result.detections.filter((d) => d.score >= pool.spec.classes[d.classIndex]!.threshold);
      for (const [k, d] of flagged.entries()) {
        // Placed as the worker and the findings merge place them.
        const point = projector.boxToGeo(d, STANDING_CLASSES.has(d.className));
        if (!point) continue;
        const view = truth.hazards
          .flatMap((h) => h.views.filter((v) => v.photo === result.source).map((v) => ({ h, v })))
          .filter(({ h }) => h.class === d.className)
          .map(({ h, v }) => ({ h, v, overlap: v.truncated ? intersectionOverSmaller(d, v.box) : iou(d, v.box) }))
          .filter((m) => m.overlap >= (m.v.truncated ? 0.6 : 0.5))
          .sort((a, b) => b.overlap - a.overlap)[0];
        placed.push({
          id: `${result.source}#${k}`,
          className: d.className,
          score: d.score,
          imageId: result.source,
          ...placeBox(projector, d, point, plane),
          ...(view ? { hazard: view.h.id, whole: !view.v.truncated } : { whole: false }),
        });
      }
    }
    let trueDetections = 0;
    let squaredError = 0;
    for (const p of placed) {
      if (!p.hazard || !p.whole) continue;
      const h = hazards.find((x) => x.id === p.hazard)!;
      squaredError += (p.east - h.at.east) ** 2 + (p.north - h.at.north) ** 2;
      trueDetections++;
    }
    const findings = mergeIntoFindings(placed).map((finding) => {
      const votes = new Map<string, number>();
      for (const v of finding.views as typeof placed) if (v.hazard) votes.set(v.hazard, (votes.get(v.hazard) ?? 0) + 1);
      const hazard = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      return { ...finding, hazard };
    });
    const detected = new Set(placed.filter((p) => p.hazard).map((p) => p.hazard!));
    let exactlyOne = 0;
    for (const id of detected) {
      const containing = findings.filter((fi) => (fi.views as typeof placed).some((v) => v.hazard === id));
      if (containing.length === 1) exactlyOne++;
    }
    const perHazard = new Map<string, number>();
    for (const fi of findings) if (fi.hazard) perHazard.set(fi.hazard, (perHazard.get(fi.hazard) ?? 0) + 1);
    const duplicates = [...perHazard.values()].reduce((n, c) => n + c - 1, 0);
    const falseFindings = findings.filter((fi) => !fi.hazard).length;
    console.log(
      `flight seed ${seed}: ${truth.photos.length} photos, ${truth.hazards.length} hazards (${detected.size} detected), ${placed.length} flagged detections → ${findings.length} findings; ` +
        `RMS ${Math.sqrt(squaredError / Math.max(1, trueDetections)).toFixed(3)} m over ${trueDetections} whole true views; exactly one finding ${exactlyOne}/${detected.size}; duplicates ${duplicates}; false findings ${falseFindings}`,
    );
    Object.assign(totals, {
      trueDetections: totals.trueDetections + trueDetections,
      squaredError: totals.squaredError + squaredError,
      hazards: totals.hazards + truth.hazards.length,
      detectedHazards: totals.detectedHazards + detected.size,
      exactlyOne: totals.exactlyOne + exactlyOne,
      findings: totals.findings + findings.length,
      duplicates: totals.duplicates + duplicates,
      falseFindings: totals.falseFindings + falseFindings,
    });
  }
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  console.log('');
  console.log(
    `${values.flights} flights at ${values.altitude} m (${values.site} sites, ${values.gnss ? 'plain GNSS: 1.5 m offset per flight, 0.3 m jitter per photo' : 'RTK positions as generated'}), ${((performance.now() - started) / 1000).toFixed(0)} s:`,
  );
  console.log(
    `  ground points of true detections (whole views): RMS ${Math.sqrt(totals.squaredError / Math.max(1, totals.trueDetections)).toFixed(3)} m over ${totals.trueDetections}`,
  );
  console.log(
    `  true hazards mapping to exactly one finding: ${totals.exactlyOne}/${totals.detectedHazards} detected = ${pct(totals.exactlyOne, totals.detectedHazards)} (${totals.detectedHazards}/${totals.hazards} hazards detected at all)`,
  );
  console.log(
    `  findings duplicating another's hazard: ${totals.duplicates}/${totals.findings} = ${pct(totals.duplicates, totals.findings)}; findings matching no hazard: ${totals.falseFindings}`,
  );
} finally {
  await pool.close();
  await rm(work, { recursive: true, force: true });
}

/**
 * A plain GNSS fix instead of RTK: the whole flight shifted 1.5 m in one direction (the receiver's
 * slowly varying error), each photo jittered by 0.3 m, and no RTK flag, so errors are estimated
 * as the pipeline would for such a flight. Deterministic per flight seed and photo.
 */
function degradeToGnss(capture: CaptureRecord, seed: number, photo: number): CaptureRecord {
  if (capture.latitude === undefined || capture.longitude === undefined) return capture;
  const plane = new LocalTangentPlane({ lat: capture.latitude, lon: capture.longitude });
  const heading = (seed * 137.5 * Math.PI) / 180;
  const jitter = (k: number) => Math.sin(seed * 12.9898 + photo * 78.233 + k) * 0.3;
  const moved = plane.toLatLon({
    east: 1.5 * Math.sin(heading) + jitter(1),
    north: 1.5 * Math.cos(heading) + jitter(2),
  });
  const { rtkFlag: _, ...rest } = capture;
  return { ...rest, latitude: moved.lat, longitude: moved.lon, sources: capture.sources };
}

/**
 * Evaluates a hazard model on generated flights the way the pipeline runs it: full frames, tiled at
 * the model's input size. With --calibrate it first picks per-class default thresholds on the
 * validation flights and writes them to the manifest (the ONNX file, and so its hash, is unchanged).
 *
 * With the real photo sets prepared (models/training/get-data.sh), it also chooses thresholds for
 * the classes with real validation instances on those, scores the real test split (the part of the
 * model card that matters), and decides which classes are on by default: only those trained on
 * real photos and measurable on at least MIN_REAL_TEST_INSTANCES real test instances.
 *
 *   npm run model:evaluate -- --model models/hazard-v2 --data data/training [--real data/training/real] [--calibrate] [--dry-run]
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodePhoto } from '../../pipeline/inference/decode.js';
import { Detector } from '../../pipeline/inference/detector.js';
import type { FlightGroundTruth } from '../../samples/generator/flight.js';
import { atThreshold, chooseThreshold, evaluateClass, type GroundTruthBox, type ScoredBox } from './metrics.js';
import {
  calibrateOnReal,
  evaluateOnReal,
  MIN_REAL_TEST_INSTANCES,
  realTable,
  type RealReport,
} from './evaluate-real.js';

const SCORE_FLOOR = 0.05;
const REAL_DRONE_PHOTOS = ['DJI_Zenmuse_X3.JPG', 'odm_1JI_0064.JPG'];

async function flightsIn(dir: string): Promise<Array<{ dir: string; truth: FlightGroundTruth }>> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => n.startsWith('site-')).sort();
  return Promise.all(
    names.map(async (n) => ({
      dir: path.join(dir, n),
      truth: JSON.parse(await readFile(path.join(dir, n, 'flight.json'), 'utf8')) as FlightGroundTruth,
    })),
  );
}

async function runSplit(detector: Detector, dir: string, label: string) {
  const flights = await flightsIn(dir);
  const truths: GroundTruthBox[] = [];
  const detections: ScoredBox[] = [];
  const floor = detector.spec.classes.map(() => SCORE_FLOOR);
  let photos = 0;
  const started = performance.now();
  for (const { dir: flightDir, truth } of flights) {
    for (const photo of truth.photos) {
      const image = `${path.basename(flightDir)}/${photo.file}`;
      for (const h of truth.hazards) {
        for (const v of h.views) {
          if (v.photo !== photo.file) continue;
          truths.push({ image, classIndex: truth.classes.indexOf(h.class), difficult: v.truncated, ...v.box });
        }
      }
      const rgb = await decodePhoto(path.join(flightDir, photo.file), { full: true });
      for (const d of await detector.detect(rgb, { thresholds: floor }))
        detections.push({ image, classIndex: d.classIndex, score: d.score, x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 });
      photos++;
      if (photos % 10 === 0)
        process.stderr.write(
          `${label}: ${photos} photos, ${((performance.now() - started) / photos / 1000).toFixed(2)} s each\n`,
        );
    }
  }
  const perClass = detector.spec.classes.map((_, i) => evaluateClass(i, truths, detections));
  return { flights: flights.length, photos, perClass };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'models/hazard-v2' },
      data: { type: 'string', default: 'data/training' },
      fixtures: { type: 'string', default: '../shared/fixtures/real/images' },
      calibrate: { type: 'boolean', default: false },
      'min-recall': { type: 'string', default: '0.95' },
      'max-threshold': { type: 'string', default: '0.5' },
      real: { type: 'string', default: 'data/training/real' },
      'limit-per-source': { type: 'string', default: '400' },
      /** Print the figures without writing the manifest, metrics.json or the card (to compare another model). */
      'dry-run': { type: 'boolean', default: false },
      /** Skip the generated test flights (with --dry-run, for a quick look at real photos). */
      'only-real': { type: 'boolean', default: false },
    },
  });
  const realOptions = {
    dir: values.real,
    limitPerSource: Number(values['limit-per-source']),
    fixturesDir: values.fixtures,
    fixtureFiles: REAL_DRONE_PHOTOS,
  };
  const modelDir = values.model;
  let detector = await Detector.open(modelDir);
  if (values.calibrate) {
    const val = await runSplit(detector, path.join(values.data, 'val'), 'val');
    if (val.photos === 0) throw new Error(`no validation flights under ${values.data}/val`);
    const manifestPath = path.join(modelDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const onReal = await calibrateOnReal(detector, realOptions);
    manifest.classes.forEach((c: { name: string; threshold: number }, i: number) => {
      const real = onReal.get(i);
      c.threshold = real
        ? real.threshold
        : chooseThreshold(val.perClass[i]!, Number(values['min-recall']), 0.1, Number(values['max-threshold']));
    });
    for (const [i, r] of onReal) {
      const drone = r.aerial.megapixels
        ? `; ${r.aerial.alarms} alarms on ${r.aerial.megapixels} MP of hazard-free drone photos, ${r.aerial.allowed} allowed${r.aerial.withinBudget ? '' : ' (no threshold stays within: fewest alarms taken)'}`
        : '; no hazard-free drone validation photos';
      console.log(
        `${manifest.classes[i].name}: threshold ${r.threshold} chosen on ${r.instances} real validation instances (F1 ${r.f1.toFixed(3)} at IoU 0.3${drone})`,
      );
    }
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    console.log(
      `calibrated thresholds on ${val.photos} validation photos: ${manifest.classes.map((c: { name: string; threshold: number }) => `${c.name} ${c.threshold}`).join(', ')}`,
    );
    await detector.release();
    detector = await Detector.open(modelDir);
  }

  const test = values['only-real']
    ? { flights: 0, photos: 0, perClass: detector.spec.classes.map(() => ({ ap50: 0, groundTruth: 0, curve: [] })) }
    : await runSplit(detector, path.join(values.data, 'test'), 'test');
  if (test.photos === 0 && !values['only-real']) throw new Error(`no test flights under ${values.data}/test`);
  const classes = detector.spec.classes.map((c, i) => {
    const m = test.perClass[i]!;
    const at = atThreshold(m, c.threshold);
    const sweep = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((t) => ({
      threshold: t,
      ...mapValues(atThreshold(m, t), round),
    }));
    return {
      name: c.name,
      threshold: c.threshold,
      groundTruth: m.groundTruth,
      ap50: round(m.ap50),
      recall: round(at.recall),
      precision: round(at.precision),
      sweep,
    };
  });
  // Classes the generator never draws (helmet) have no generated ground truth to average over.
  const scored = classes.filter((c) => c.groundTruth > 0);
  const map50 = round(scored.reduce((s, c) => s + c.ap50, 0) / Math.max(1, scored.length));

  const real: Array<{ file: string; detections: Array<{ className: string; score: number }> }> = [];
  if (existsSync(values.fixtures)) {
    for (const file of REAL_DRONE_PHOTOS) {
      const p = path.join(values.fixtures, file);
      if (!existsSync(p)) continue;
      const dets = await detector.detect(await decodePhoto(p, { full: true }));
      real.push({ file, detections: dets.map((d) => ({ className: d.className, score: round(d.score) })) });
    }
  } else {
    console.warn(`skipping real-photo false positives: ${values.fixtures} is absent`);
  }
  const realReport = await evaluateOnReal(detector, realOptions);
  if (!realReport)
    console.warn(`skipping real photos: ${values.real}/index.json is absent (bash models/training/get-data.sh)`);
  const defaults = realReport
    ? await defaultsFromReal(values.real, realReport)
    : new Map<string, { enabled: boolean; reason?: string }>();
  const metrics = {
    model: { name: detector.spec.name, version: detector.spec.version, sha256: detector.spec.sha256 },
    test: { flights: test.flights, photos: test.photos, tiling: detector.spec.tiling, iouThreshold: 0.5 },
    map50,
    classes,
    realDronePhotos: real.length
      ? {
          photos: real.length,
          falsePositivesPerPhoto: round(real.reduce((s, r) => s + r.detections.length, 0) / real.length),
          detail: real,
        }
      : null,
    real: realReport,
  };
  if (values['dry-run']) {
    console.log(JSON.stringify({ ...metrics, classes: classes.map(({ sweep: _sweep, ...c }) => c) }, null, 1));
    if (realReport) console.log(realTable(realReport, defaults));
    await detector.release();
    return;
  }
  await writeFile(path.join(modelDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  const table = [
    `Test: ${test.photos} full frames from ${test.flights} held-out sites, ${detector.spec.tiling.tileWidth}×${detector.spec.tiling.tileHeight} px tiles, ${Math.round(detector.spec.tiling.overlap * 100)}% overlap, IoU 0.5.`,
    '',
    '| class | threshold | objects | AP50 | recall | precision |',
    '|---|---|---|---|---|---|',
    ...classes.map(
      (c) =>
        `| ${c.name} | ${c.threshold} | ${c.groundTruth} | ${c.ap50.toFixed(3)} | ${c.recall.toFixed(3)} | ${c.precision.toFixed(3)} |`,
    ),
    `| **all** | | ${classes.reduce((s, c) => s + c.groundTruth, 0)} | **${map50.toFixed(3)}** | | |`,
    '',
    metrics.realDronePhotos
      ? `Real drone photos (no hazards in them): ${metrics.realDronePhotos.falsePositivesPerPhoto} false positives per photo at the default thresholds (${real.map((r) => `${r.file}: ${r.detections.length ? r.detections.map((d) => `${d.className} ${d.score}`).join(', ') : 'none'}`).join('; ')}).`
      : 'Real drone photos: not measured (fixtures absent).',
  ].join('\n');
  console.log(table);
  const realSection = realReport ? realTable(realReport, defaults) : '';
  if (realSection) {
    console.log(realSection);
    await writeDefaults(path.join(modelDir, 'manifest.json'), defaults);
  }
  const cardPath = path.join(modelDir, 'README.md');
  if (existsSync(cardPath)) {
    let card = await readFile(cardPath, 'utf8');
    card = card.replace(
      /<!-- metrics:start -->[\s\S]*<!-- metrics:end -->/,
      `<!-- metrics:start -->\n${table}\n<!-- metrics:end -->`,
    );
    if (realSection)
      card = card.replace(
        /<!-- real:start -->[\s\S]*<!-- real:end -->/,
        `<!-- real:start -->\n${realSection}\n<!-- real:end -->`,
      );
    await writeFile(cardPath, card);
  }
  await detector.release();
}

/**
 * A hazard class is on by default only when real photos taught it (licensed real training
 * instances) and real photos can check it (enough real test instances); otherwise it ships off,
 * with the reason.
 */
async function defaultsFromReal(
  realDir: string,
  report: RealReport,
): Promise<Map<string, { enabled: boolean; reason?: string }>> {
  const counts = JSON.parse(await readFile(path.join(realDir, 'counts.json'), 'utf8')) as {
    counts: Record<string, Record<string, number>>;
  };
  const trained = counts.counts['all/train'] ?? {};
  const out = new Map<string, { enabled: boolean; reason?: string }>();
  for (const c of report.classes) {
    if (c.name === 'helmet') continue;
    const realTrain = trained[c.name] ?? 0;
    if (realTrain === 0)
      out.set(c.name, {
        enabled: false,
        reason: `trained on generated images only (no licensed real training photos); ${c.instances} real test instances${c.instances ? `, recall ${c.iou30.recall.toFixed(2)} / precision ${c.iou30.precision.toFixed(2)} at IoU 0.3` : ''}`,
      });
    else if (c.instances < MIN_REAL_TEST_INSTANCES)
      out.set(c.name, {
        enabled: false,
        reason: `only ${c.instances} real test instances (at least ${MIN_REAL_TEST_INSTANCES} needed to measure it)`,
      });
    else out.set(c.name, { enabled: true });
  }
  return out;
}

async function writeDefaults(
  manifestPath: string,
  defaults: ReadonlyMap<string, { enabled: boolean; reason?: string }>,
): Promise<void> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  for (const c of manifest.classes as Array<{
    name: string;
    enabled?: boolean;
    disabledReason?: string;
    hazardCode?: string;
  }>) {
    const d = defaults.get(c.name);
    if (!d || !c.hazardCode) continue;
    c.enabled = d.enabled;
    if (d.reason) c.disabledReason = d.reason;
    else delete c.disabledReason;
  }
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

function mapValues<T extends Record<string, number>>(o: T, f: (n: number) => number): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as T;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack || error.message || error.name : error);
  process.exitCode = 1;
});

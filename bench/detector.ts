/**
 * The detector engine against its limits, all in one run on this machine:
 *   (a) session.run alone on a prepared tensor, in the engine's thread layout (the limit);
 *   (b) the full engine on real drone photos, whole frame: decode, preprocess, infer, post-process;
 *   (c) tiled inference on a 4000×2250 drone photo, against session.run alone on prepared tiles
 *       with the same batch size and threads;
 *   the work-bound for (b): cores ÷ (CPU seconds of decoding + CPU seconds of session.run, each alone);
 *   and the Python OpenCV DNN reference (Ultralytics' OpenCV example) on the same photos, when
 *   Debian's python3-opencv is installed. Memory of a worker on 20 MP photos: `npm run bench:memory`.
 *
 * What is compared runs in alternating rounds ((a), (b), work-bound, then the reverse; (a) on tiles
 * and (c), then the reverse), each round a share of the work, so every round gives its own ratios;
 * their median is the answer, and a wide spread is flagged rather than reported as a figure.
 *
 *   npm run bench:detector [-- --model models/hazard-v1 --threads N --ort-threads N --passes 20 --rounds 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { loadConfig } from '../pipeline/config.js';
import { decodePhoto, tuneDecodingForThroughput } from '../pipeline/inference/decode.js';
import { loadModel } from '../pipeline/inference/load.js';
import { InferencePool } from '../pipeline/inference/pool.js';
import { detectMany } from '../pipeline/inference/run-many.js';
import { viewsFor } from '../pipeline/inference/detector.js';
import { writeViewTensor } from '../pipeline/inference/preprocess.js';
import { alternatingRounds, describeRatio, median, roundRatios, spreadWarning } from './rounds.js';

const root = path.resolve(import.meta.dirname, '..');
tuneDecodingForThroughput();
const defaults = loadConfig({});
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(root, 'models/hazard-v1') },
    threads: { type: 'string', default: String(defaults.INFERENCE_THREADS) },
    'ort-threads': { type: 'string', default: String(defaults.ORT_THREADS) },
    passes: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    fixtures: { type: 'string', default: path.resolve(root, '../shared/fixtures/real/images') },
    python: { type: 'string', default: '/usr/bin/python3' },
    'in-flight': { type: 'string' },
    batch: { type: 'string' },
  },
});
const modelDir = path.resolve(values.model);
const threads = Number(values.threads);
const ortThreads = Number(values['ort-threads']);
const passes = Number(values.passes);
const rounds = Number(values.rounds);
const inFlight = values['in-flight'] ? Number(values['in-flight']) : 2 * threads;
const batchOverride = values.batch ? { batch: Number(values.batch) } : {};
const cores = os.availableParallelism();

const fixtureDrone = ['DJI_Zenmuse_X3.JPG', 'odm_1JI_0064.JPG']
  .map((f) => path.join(values.fixtures, f))
  .filter((f) => existsSync(f));
const demoDir = path.join(root, 'samples/demo-flight');
const demoPhotos = (await readdir(demoDir))
  .filter((f) => /\.jpe?g$/i.test(f))
  .sort()
  .map((f) => path.join(demoDir, f));
const photos = fixtureDrone.length > 0 ? fixtureDrone : demoPhotos;
const tiledPhoto = fixtureDrone[0] ?? demoPhotos[0]!;
if (fixtureDrone.length === 0)
  console.warn(`${values.fixtures} is absent: using the generated demo flight instead of real drone photos`);

const ms = (v: number) => v.toFixed(1);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
};

/**
 * `threads` threads each with its own session, running session.run alone on batches prepared from
 * the same photos and views, as the pool lays them out. Kept between rounds; idle while the engine runs.
 */
async function sessionAloneThreads(
  batch: number,
  sources: string[],
  tiled: boolean,
): Promise<{ run(runsPerThread: number): Promise<{ perSecond: number; times: number[] }>; close(): Promise<void> }> {
  const bootstrap = new URL('../pipeline/inference/pool-bootstrap.mjs', import.meta.url);
  const entry = new URL('./session-worker.ts', import.meta.url).href;
  const workers = await Promise.all(
    Array.from({ length: threads }, async () => {
      const worker = new Worker(bootstrap, {
        workerData: { entry, modelDir, intraOpThreads: ortThreads, batch, photos: sources, tiled },
      });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      return worker;
    }),
  );
  return {
    async run(runsPerThread) {
      const started = performance.now();
      const results = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<{ times: number[]; items: number }>((resolve) => {
              worker.once('message', (m: { times: number[]; items: number }) => resolve(m));
              worker.postMessage({ runs: runsPerThread });
            }),
        ),
      );
      const elapsed = (performance.now() - started) / 1000;
      return { perSecond: results.reduce((n, r) => n + r.items, 0) / elapsed, times: results.flatMap((r) => r.times) };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** CPU seconds per item of `work`, run alone and sequentially (all threads of this process count). */
async function cpuSecondsEach(items: number, work: (i: number) => Promise<unknown>): Promise<number> {
  await work(0);
  const before = process.cpuUsage();
  for (let i = 0; i < items; i++) await work(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6 / items;
}

console.log(`bench:detector — ${os.cpus()[0]?.model ?? 'cpu'}, ${cores} cores, Node ${process.version}`);
console.log(`model ${modelDir}; pool: ${threads} threads × ${ortThreads} ONNX Runtime threads`);
console.log(
  `photos for (b): ${photos.map((p) => path.basename(p)).join(', ')}; tiled photo for (c): ${path.basename(tiledPhoto)}`,
);

// Everything compared is set up first and kept, so each round only measures.
const runner = await loadModel(modelDir, { intraOpThreads: ortThreads, ...batchOverride });
const { spec } = runner;
const framePlan = { full: false, frameFor: spec.input };
const photoBytes = await Promise.all(photos.map((p) => readFile(p)));
// session.run for the work-bound on the same photos' whole frames, prepared beforehand.
const prepared = await Promise.all(
  photoBytes.map(async (bytes) => {
    const photo = await decodePhoto(bytes, { full: true });
    const [view] = viewsFor(spec, photo, { tiled: false });
    const data = new Float32Array(3 * spec.input.width * spec.input.height);
    writeViewTensor(photo.full!, view!.region, view!.place, spec.input, data, 0);
    return data;
  }),
);
const tileBatch = runner.batchSize;
const tiledSize = await sharp(tiledPhoto).metadata();
const tilesPerPhoto = viewsFor(
  spec,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- defensive read of image metadata, kept as written
  { width: tiledSize.autoOrient?.width ?? tiledSize.width, height: tiledSize.autoOrient?.height ?? tiledSize.height },
  {},
).length;
const wholeAlone = await sessionAloneThreads(1, photos, false);
const tilesAlone = await sessionAloneThreads(tileBatch, [tiledPhoto], true);
const pool = await InferencePool.start({ modelDir, threads, intraOpThreads: ortThreads, ...batchOverride });
// In memory, as the pipeline has photos from object storage, and as decoding was measured alone.
const inMemory = photos.map((p, i) => ({ name: path.basename(p), bytes: photoBytes[i]! }));
// Warm every thread before timing: a session's first runs are slow.
await detectMany(
  pool,
  Array.from({ length: threads * 4 }, (_, i) => photos[i % photos.length]!),
  { inFlight, tiled: false },
);
await detectMany(pool, [tiledPhoto], { inFlight: 1 });

// Each round does its share of the work a single pass used to do, with floors so a round still
// measures long enough to mean something.
const wholePerRound = Math.max(32, Math.ceil(Math.max(160, photos.length * passes) / rounds));
const wholeSources = Array.from({ length: wholePerRound }, (_, i) => inMemory[i % photos.length]!);
const cpuSamplesPerRound = Math.max(16, Math.ceil(Math.max(80, photos.length * passes) / rounds));
const tiledPerRound = Math.max(2, Math.ceil(Math.max(8, passes) / rounds));
const tiledSources = Array.from({ length: tiledPerRound }, () => tiledPhoto);

const aWholeTimes: number[] = [];
const decodeCpu: number[] = [];
const runCpu: number[] = [];
const whole = await alternatingRounds(rounds, {
  a: async () => {
    const r = await wholeAlone.run(Math.max(8, Math.ceil(wholePerRound / threads)));
    aWholeTimes.push(...r.times);
    return r.perSecond;
  },
  b: async () => {
    const started = performance.now();
    await detectMany(pool, wholeSources, { inFlight, tiled: false });
    return wholeSources.length / ((performance.now() - started) / 1000);
  },
  workBound: async () => {
    const decode = await cpuSecondsEach(cpuSamplesPerRound, (i) =>
      decodePhoto(photoBytes[i % photos.length]!, framePlan),
    );
    const run = await cpuSecondsEach(cpuSamplesPerRound, (i) => runner.runPrepared(prepared[i % prepared.length]!, 1));
    decodeCpu.push(decode);
    runCpu.push(run);
    return cores / (decode + run);
  },
});
const aTilesTimes: number[] = [];
const cLatencies: number[] = [];
const tiles = await alternatingRounds(rounds, {
  aTiles: async () => {
    const r = await tilesAlone.run(Math.max(2, Math.ceil((tilesPerPhoto * tiledPerRound) / tileBatch / threads)));
    aTilesTimes.push(...r.times);
    return r.perSecond;
  },
  // Several copies of the same photo, so decoding of the next overlaps the current one's tiles.
  c: async () => {
    const started = performance.now();
    const results = await detectMany(pool, tiledSources, { inFlight: 2 });
    const elapsed = (performance.now() - started) / 1000;
    cLatencies.push(...results.map((r) => r!.latencyMs));
    return (tilesPerPhoto * tiledSources.length) / elapsed;
  },
});
// Latency without queueing: one photo at a time, decode to detections (no ratio rests on it).
const bSolo = stats(
  (
    await detectMany(
      pool,
      Array.from({ length: Math.max(10, photos.length * 5) }, (_, i) => inMemory[i % photos.length]!),
      { inFlight: 1, tiled: false },
    )
  ).map((r) => r!.latencyMs),
);
await pool.close();
await wholeAlone.close();
await tilesAlone.close();
await runner.release();

const aWhole = { perSecond: median(whole.a), ...stats(aWholeTimes) };
const bPerSecond = median(whole.b);
const bound = median(whole.workBound);
const aTiles = { perSecond: median(tiles.aTiles), ...stats(aTilesTimes) };
const cTilesPerSecond = median(tiles.c);
const cStats = stats(cLatencies);

console.log('');
console.log(`medians of ${rounds} alternating rounds`);
const size = `${spec.input.width}×${spec.input.height}`;
const row = (label: string, perSecond: number, unit: string, latency: { p50: number; p95: number }, note = '') =>
  console.log(
    `${label.padEnd(51)}${perSecond.toFixed(2).padStart(8)} ${unit.padEnd(4)} ${ms(latency.p50).padStart(6)}   ${ms(latency.p95).padStart(6)}${note && `  (${note})`}`,
  );
console.log(`${''.padEnd(49)}per second      p50 ms   p95 ms`);
row(`(a) session.run alone, ${size}, batch 1`, aWhole.perSecond, 'img', aWhole);
row(
  `(b) engine, whole frame, ${wholeSources.length} photos a round`,
  bPerSecond,
  'img',
  bSolo,
  'latency one photo at a time',
);
row(`(a) session.run alone, batch ${tileBatch} tiles`, aTiles.perSecond, 'tile', aTiles, 'per batch');
row(
  `(c) engine, tiled, ${tilesPerPhoto} tiles × ${tiledSources.length} photos a round`,
  cTilesPerSecond,
  'tile',
  cStats,
  'per photo',
);
console.log('');
console.log(
  `CPU seconds alone: decode ${median(decodeCpu).toFixed(4)} s/photo (shrink-on-load to ${spec.input.width} px), session.run ${median(runCpu).toFixed(4)} s/run`,
);
console.log(`work-bound = ${cores} cores ÷ (decode + session.run CPU seconds) = ${bound.toFixed(2)} img/s`);
// Quiet runs agree within a few percent; rounds further apart than this saw the load change.
const MAX_SPREAD = 0.15;
const comparisons: Array<[string, ReturnType<typeof roundRatios>]> = [
  ['(b)/(a)', roundRatios(whole.b, whole.a)],
  ['(b)/work-bound', roundRatios(whole.b, whole.workBound)],
  ['(c)/(a tiles)', roundRatios(tiles.c, tiles.aTiles)],
];
for (const [label, ratios] of comparisons) console.log(describeRatio(label, ratios, 3));
for (const [label, ratios] of comparisons) {
  const warning = spreadWarning(label, ratios, MAX_SPREAD);
  if (warning) console.log(warning);
}

// Python OpenCV DNN reference, same model and photos.
const reference = path.join(root, 'bench/opencv_reference.py');
const probe = spawnSync(values.python, ['-c', 'import cv2'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`OpenCV reference skipped: ${values.python} cannot import cv2 (apt-get install python3-opencv)`);
} else {
  const size = String(spec.input.width);
  const out = spawnSync(
    values.python,
    [reference, '--model', path.join(modelDir, spec.file), '--size', size, '--repeat', String(passes), ...photos],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const parsed = JSON.parse(out.stdout.trim().split('\n').at(-1) || '{}') as {
    error?: string;
    opencv?: string;
    threads?: number;
    imagesPerSecond?: number;
    p50Ms?: number;
    p95Ms?: number;
  };
  if (parsed.error || !parsed.imagesPerSecond)
    console.log(`OpenCV reference failed: ${parsed.error ?? out.stderr.slice(-500)}`);
  else {
    console.log(
      `OpenCV ${parsed.opencv} DNN reference (${parsed.threads} threads): ${parsed.imagesPerSecond.toFixed(2)} img/s, p50 ${ms(parsed.p50Ms!)} ms, p95 ${ms(parsed.p95Ms!)} ms; engine (b) median ÷ reference = ${(bPerSecond / parsed.imagesPerSecond).toFixed(2)}× (one run after the rounds, not interleaved)`,
    );
  }
}

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
 *   npm run bench:detector [-- --model models/hazard-v1 --threads N --ort-threads N --passes 20]
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

const root = path.resolve(import.meta.dirname, '..');
tuneDecodingForThroughput();
const defaults = loadConfig({});
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(root, 'models/hazard-v1') },
    threads: { type: 'string', default: String(defaults.INFERENCE_THREADS) },
    'ort-threads': { type: 'string', default: String(defaults.ORT_THREADS) },
    passes: { type: 'string', default: '20' },
    fixtures: { type: 'string', default: path.resolve(root, '../shared/fixtures/real/images') },
    python: { type: 'string', default: '/usr/bin/python3' },
    'in-flight': { type: 'string' },
    batch: { type: 'string' },
  },
});
const modelDir = path.resolve(values.model!);
const threads = Number(values.threads);
const ortThreads = Number(values['ort-threads']);
const passes = Number(values.passes);
const inFlight = values['in-flight'] ? Number(values['in-flight']) : 2 * threads;
const batchOverride = values.batch ? { batch: Number(values.batch) } : {};
const cores = os.availableParallelism();

const fixtureDrone = ['DJI_Zenmuse_X3.JPG', 'odm_1JI_0064.JPG'].map((f) => path.join(values.fixtures!, f)).filter((f) => existsSync(f));
const demoDir = path.join(root, 'samples/demo-flight');
const demoPhotos = (await readdir(demoDir)).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => path.join(demoDir, f));
const photos = fixtureDrone.length > 0 ? fixtureDrone : demoPhotos;
const tiledPhoto = fixtureDrone[0] ?? demoPhotos[0]!;
if (fixtureDrone.length === 0) console.warn(`${values.fixtures} is absent: using the generated demo flight instead of real drone photos`);

const ms = (v: number) => v.toFixed(1);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
};

/** session.run alone on batches prepared from the same photos and views, in `threads` threads at once, as the pool lays them out. */
async function sessionAlone(batch: number, runsPerThread: number, sources: string[], tiled: boolean): Promise<{ perSecond: number; p50: number; p95: number }> {
  const bootstrap = new URL('../pipeline/inference/pool-bootstrap.mjs', import.meta.url);
  const entry = new URL('./session-worker.ts', import.meta.url).href;
  const workers = await Promise.all(
    Array.from({ length: threads }, async () => {
      const worker = new Worker(bootstrap, { workerData: { entry, modelDir, intraOpThreads: ortThreads, batch, photos: sources, tiled } });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      return worker;
    }),
  );
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
  await Promise.all(workers.map((w) => w.terminate()));
  return { perSecond: results.reduce((n, r) => n + r.items, 0) / elapsed, ...stats(results.flatMap((r) => r.times)) };
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
console.log(`photos for (b): ${photos.map((p) => path.basename(p)).join(', ')}; tiled photo for (c): ${path.basename(tiledPhoto)}`);

// The work-bound: decoding and session.run, each alone, in CPU seconds.
const runner = await loadModel(modelDir, { intraOpThreads: ortThreads, ...batchOverride });
const { spec } = runner;
const framePlan = { full: false, frameFor: spec.input };
const photoBytes = await Promise.all(photos.map((p) => readFile(p)));
const cpuSamples = Math.max(80, photos.length * passes);
const decodeCpu = await cpuSecondsEach(cpuSamples, (i) => decodePhoto(photoBytes[i % photos.length]!, framePlan));
// session.run on the same photos' whole frames, prepared beforehand.
const prepared = await Promise.all(
  photoBytes.map(async (bytes) => {
    const photo = await decodePhoto(bytes, { full: true });
    const [view] = viewsFor(spec, photo, { tiled: false });
    const data = new Float32Array(3 * spec.input.width * spec.input.height);
    writeViewTensor(photo.full!, view!.region, view!.place, spec.input, data, 0);
    return data;
  }),
);
const runCpu = await cpuSecondsEach(cpuSamples, (i) => runner.runPrepared(prepared[i % prepared.length]!, 1));
const tileBatch = runner.batchSize;
await runner.release();
const bound = cores / (decodeCpu + runCpu);

const runsPerThread = Math.max(8, Math.ceil((photos.length * passes) / threads));
const aWhole = await sessionAlone(1, runsPerThread, photos, false);

const pool = await InferencePool.start({ modelDir, threads, intraOpThreads: ortThreads, ...batchOverride });
// In memory, as the pipeline has photos from object storage, and as decoding was measured alone.
const inMemory = photos.map((p, i) => ({ name: path.basename(p), bytes: photoBytes[i]! }));
const wholeSources = Array.from({ length: Math.max(160, photos.length * passes) }, (_, i) => inMemory[i % photos.length]!);
// Warm every thread before timing: a session's first runs are slow.
await detectMany(pool, Array.from({ length: threads * 4 }, (_, i) => photos[i % photos.length]!), { inFlight, tiled: false });
let started = performance.now();
const bWhole = await detectMany(pool, wholeSources, { inFlight, tiled: false });
const bElapsed = (performance.now() - started) / 1000;
const bPerSecond = wholeSources.length / bElapsed;
// Latency without queueing: one photo at a time, decode to detections.
const bSolo = stats((await detectMany(pool, Array.from({ length: Math.max(10, photos.length * 5) }, (_, i) => inMemory[i % photos.length]!), { inFlight: 1, tiled: false })).map((r) => r!.latencyMs));

// (c) tiles: the same photo several times, so decoding of the next overlaps the current's tiles.
const tiledSize = await sharp(tiledPhoto).metadata();
const tilesPerPhoto = viewsFor(spec, { width: tiledSize.autoOrient?.width ?? tiledSize.width!, height: tiledSize.autoOrient?.height ?? tiledSize.height! }, {}).length;
const tiledPasses = Math.max(8, passes);
const tiledSources = Array.from({ length: tiledPasses }, () => tiledPhoto);
await detectMany(pool, [tiledPhoto], { inFlight: 1 });
started = performance.now();
const cTiled = await detectMany(pool, tiledSources, { inFlight: 2 });
const cElapsed = (performance.now() - started) / 1000;
const cTilesPerSecond = (tilesPerPhoto * tiledSources.length) / cElapsed;
const cStats = stats(cTiled.map((r) => r!.latencyMs));
await pool.close();
const aTiles = await sessionAlone(tileBatch, Math.max(4, Math.ceil((tilesPerPhoto * tiledPasses) / tileBatch / threads)), [tiledPhoto], true);

console.log('');
const size = `${spec.input.width}×${spec.input.height}`;
console.log('                                                   per second   p50 ms   p95 ms');
console.log(`(a) session.run alone, ${size}, batch 1             ${aWhole.perSecond.toFixed(2).padStart(8)} img   ${ms(aWhole.p50).padStart(6)}   ${ms(aWhole.p95).padStart(6)}`);
console.log(`(b) engine, whole frame, ${String(wholeSources.length).padStart(2)} photos               ${bPerSecond.toFixed(2).padStart(8)} img   ${ms(bSolo.p50).padStart(6)}   ${ms(bSolo.p95).padStart(6)}  (latency one photo at a time)`);
console.log(`(a) session.run alone, batch ${tileBatch} tiles                ${aTiles.perSecond.toFixed(2).padStart(8)} tile  ${ms(aTiles.p50).padStart(6)}   ${ms(aTiles.p95).padStart(6)}  (per batch)`);
console.log(`(c) engine, tiled, ${tilesPerPhoto} tiles × ${tiledSources.length} photos          ${cTilesPerSecond.toFixed(2).padStart(8)} tile  ${ms(cStats.p50).padStart(6)}   ${ms(cStats.p95).padStart(6)}  (per photo)`);
console.log('');
console.log(`CPU seconds alone: decode ${decodeCpu.toFixed(4)} s/photo (shrink-on-load to ${spec.input.width} px), session.run ${runCpu.toFixed(4)} s/run`);
console.log(`work-bound = ${cores} cores ÷ (${decodeCpu.toFixed(4)} + ${runCpu.toFixed(4)}) = ${bound.toFixed(2)} img/s`);
console.log(`(b)/(a) = ${(bPerSecond / aWhole.perSecond).toFixed(3)}   (b)/work-bound = ${(bPerSecond / bound).toFixed(3)}   (c)/(a tiles) = ${(cTilesPerSecond / aTiles.perSecond).toFixed(3)}`);

// Python OpenCV DNN reference, same model and photos.
const reference = path.join(root, 'bench/opencv_reference.py');
const probe = spawnSync(values.python!, ['-c', 'import cv2'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`OpenCV reference skipped: ${values.python} cannot import cv2 (apt-get install python3-opencv)`);
} else {
  const size = String(spec.input.width);
  const out = spawnSync(values.python!, [reference, '--model', path.join(modelDir, spec.file), '--size', size, '--repeat', String(passes), ...photos], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const parsed = JSON.parse(out.stdout.trim().split('\n').at(-1) || '{}') as { error?: string; opencv?: string; threads?: number; imagesPerSecond?: number; p50Ms?: number; p95Ms?: number };
  if (parsed.error || !parsed.imagesPerSecond) console.log(`OpenCV reference failed: ${parsed.error ?? out.stderr.slice(-500)}`);
  else {
    console.log(
      `OpenCV ${parsed.opencv} DNN reference (${parsed.threads} threads): ${parsed.imagesPerSecond.toFixed(2)} img/s, p50 ${ms(parsed.p50Ms!)} ms, p95 ${ms(parsed.p95Ms!)} ms; engine (b) ÷ reference = ${(bPerSecond / parsed.imagesPerSecond).toFixed(2)}×`,
    );
  }
}

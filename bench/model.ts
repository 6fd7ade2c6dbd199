/**
 * One 640×640 session.run of the default hazard model against the YOLOv8n COCO int8 reference from
 * ../shared/fixtures/real, same machine, same run, same thread settings; then a whole 20 MP photo
 * through the tiled engine, the default model against `--baseline` (hazard-v1) in alternating
 * rounds, with the ratio per round (hazard-v2 must stay within 1.5× of hazard-v1).
 *
 *   npm run bench:model [-- --runs 30 --threads 2 --rounds 4]
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Detector } from '../pipeline/inference/detector.js';
import { alternatingRounds, describeRatio, median, roundRatios, spreadWarning } from './rounds.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    model: { type: 'string', default: 'models/hazard-v2/model.onnx' },
    baseline: { type: 'string', default: 'models/hazard-v1' },
    rounds: { type: 'string', default: '4' },
    reference: { type: 'string', default: '../shared/fixtures/real/models/yolov8n_coco_640_int8.onnx' },
  },
});
const runs = Number(values.runs);
const threads = Number(values.threads);

async function measure(file: string): Promise<{ p50: number; p95: number; mean: number; sizeMb: number }> {
  const bytes = await readFile(file);
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const input = session.inputNames[0]!;
  const data = new Float32Array(3 * 640 * 640);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 255) / 255;
  const tensor = new ort.Tensor('float32', data, [1, 3, 640, 640]);
  for (let i = 0; i < 3; i++) await session.run({ [input]: tensor });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run({ [input]: tensor });
    times.push(performance.now() - t);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(times.length * 0.5)]!,
    p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!,
    mean: times.reduce((s, t) => s + t, 0) / times.length,
    sizeMb: bytes.length / 1e6,
  };
}

const rows: Array<[string, Awaited<ReturnType<typeof measure>>]> = [];
// Alternate order so neither model always runs on a warmer machine.
const ours = await measure(values.model);
rows.push([path.basename(path.dirname(values.model)), ours]);
if (existsSync(values.reference)) {
  rows.push([path.basename(values.reference), await measure(values.reference)]);
  rows.push([`${path.basename(path.dirname(values.model))} (again)`, await measure(values.model)]);
} else {
  console.warn(`reference model ${values.reference} is absent: only our model is measured`);
}
console.log(
  `640x640 session.run, batch 1, ${threads} intra-op threads, ${runs} runs each, onnxruntime-node ${ort.env.versions.common}`,
);
console.log('model                                   size MB   p50 ms   p95 ms  mean ms');
for (const [name, r] of rows) {
  console.log(
    `${name.padEnd(38)} ${r.sizeMb.toFixed(1).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.mean.toFixed(1).padStart(8)}`,
  );
}
if (rows.length === 3) {
  const ourP50 = Math.max(rows[0]![1].p50, rows[2]![1].p50);
  console.log(`ours / reference (p50, worse of our two passes): ${(ourP50 / rows[1]![1].p50).toFixed(2)}`);
}

// A 20 MP survey photo (5472×3648, a DJI Phantom 4 RTK frame's size) made from a sample photo.
const photo = await sharp('samples/demo-flight/DJI_0001.JPG').resize(5472, 3648).jpeg({ quality: 90 }).toBuffer();
const candidate = await Detector.open(path.dirname(values.model), { intraOpThreads: threads });
const baseline = await Detector.open(values.baseline, { intraOpThreads: threads });
await candidate.detectEncoded(photo);
await baseline.detectEncoded(photo);
const timed = async (detector: Detector) => {
  const started = performance.now();
  await detector.detectEncoded(photo);
  return performance.now() - started;
};
const timesOf = await alternatingRounds(Number(values.rounds), {
  candidate: () => timed(candidate),
  baseline: () => timed(baseline),
});
const ratios = roundRatios(timesOf.candidate, timesOf.baseline);
console.log(
  `\nwhole 5472×3648 photo, tiled (${candidate.spec.tiling.tileWidth} px tiles, ${Math.round(candidate.spec.tiling.overlap * 100)}% overlap), decode + inference + merge, ${threads} intra-op threads, ${ratios.perRound.length} alternating rounds`,
);
console.log(`${candidate.spec.name.padEnd(12)} median ${(median(timesOf.candidate) / 1000).toFixed(2)} s per photo`);
console.log(`${baseline.spec.name.padEnd(12)} median ${(median(timesOf.baseline) / 1000).toFixed(2)} s per photo`);
const label = `${candidate.spec.name} / ${baseline.spec.name}`;
console.log(describeRatio(label, ratios));
// 25% of the median: about the 0.3 this bench allowed before, on the ratio of about 1.2 it shows.
const warning = spreadWarning(label, ratios, 0.25);
if (warning) console.log(warning);
await candidate.release();
await baseline.release();

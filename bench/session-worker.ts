/**
 * Bench helper in a worker thread: one session of the model and `session.run` alone, cycling over
 * batches prepared beforehand from the same photos and views the engine will see. What the engine
 * would cost with no decoding, pre- or post-processing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodePhoto } from '../pipeline/inference/decode.js';
import { viewsFor } from '../pipeline/inference/detector.js';
import { loadModel } from '../pipeline/inference/load.js';
import { writeViewTensor } from '../pipeline/inference/preprocess.js';

const { modelDir, intraOpThreads, batch, photos, tiled } = workerData as {
  modelDir: string;
  intraOpThreads: number;
  batch: number;
  photos: string[];
  tiled: boolean;
};
const runner = await loadModel(modelDir, { intraOpThreads, batch });
const { input } = runner.spec;
const plane = 3 * input.width * input.height;
const prepared: Float32Array[] = [];
for (const file of photos) {
  const photo = await decodePhoto(file, { full: true });
  const views = viewsFor(runner.spec, photo, { tiled });
  for (let i = 0; i < views.length; i += batch) {
    const group = views.slice(i, i + batch);
    const data = new Float32Array(group.length * plane);
    group.forEach((view, slot) => writeViewTensor(photo.full!, view.region, view.place, input, data, slot));
    prepared.push(data);
  }
}
await runner.runPrepared(prepared[0]!, batch);
parentPort!.postMessage({ type: 'ready', batches: prepared.length });
// eslint-disable-next-line @typescript-eslint/no-misused-promises -- a failed run is meant to crash the worker, which the parent reports
parentPort!.on('message', async (m: { runs: number }) => {
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < m.runs; i++) {
    const data = prepared[i % prepared.length]!;
    const t = performance.now();
    await runner.runPrepared(data, data.length / plane);
    items += data.length / plane;
    times.push(performance.now() - t);
  }
  parentPort!.postMessage({ type: 'done', times, items });
});

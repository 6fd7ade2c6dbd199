import { readFileSync } from 'node:fs';
import { decodePhoto, tuneDecodingForThroughput } from './pipeline/inference/decode.js';
import { InferencePool } from './pipeline/inference/pool.js';
tuneDecodingForThroughput();
const files = ['../shared/fixtures/real/images/DJI_Zenmuse_X3.JPG', '../shared/fixtures/real/images/odm_1JI_0064.JPG'];
const bytes = files.map((f) => readFileSync(f));
const pool = await InferencePool.start({ modelDir: 'models/hazard-v1', threads: Number(process.env.T ?? 1), intraOpThreads: 1 });
const plan = { full: false, frameFor: pool.spec.input };
const n = 80;
for (let k = 0; k < 2; k++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  // One decode lane feeding the pool; at most 2 decoded photos waiting.
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const photo = await decodePhoto(bytes[i % 2]!, plan);
    pending.push(pool.detect(photo, { tiled: false }));
    if (pending.length > 2) await pending.shift();
  }
  await Promise.all(pending);
  const c = process.cpuUsage(c0); const wall = (performance.now() - t0) / 1000;
  console.log('T', process.env.T ?? 1, 'img/s', (n / wall).toFixed(2), 'util', ((c.user + c.system) / 1e6 / wall).toFixed(2), 'cpu ms/img', ((c.user + c.system) / 1e3 / n).toFixed(1));
}
await pool.close();

import { readFileSync } from 'node:fs';
import { tuneDecodingForThroughput } from './pipeline/inference/decode.js';
import { InferencePool } from './pipeline/inference/pool.js';
tuneDecodingForThroughput();
const files = ['../shared/fixtures/real/images/DJI_Zenmuse_X3.JPG', '../shared/fixtures/real/images/odm_1JI_0064.JPG'];
const bytes = files.map((f) => readFileSync(f));
const pool = await InferencePool.start({ modelDir: 'models/hazard-v1', threads: Number(process.env.T ?? 2), intraOpThreads: 1 });
const run = async (label: string, n: number, par: number) => {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: par }, async () => { while (next < n) { const i = next++; await pool.detectEncoded(bytes[i % 2]!, { tiled: false }); } }));
  const c = process.cpuUsage(c0); const wall = (performance.now() - t0) / 1000;
  console.log(label.padEnd(14), 'img/s', (n / wall).toFixed(2), 'util', ((c.user + c.system) / 1e6 / wall).toFixed(2), 'cpu ms/img', ((c.user + c.system) / 1e3 / n).toFixed(1));
};
await run('warm', 16, 4);
for (const par of [2, 3, 4, 6]) await run(`inFlight ${par}`, 80, par);
await pool.close();

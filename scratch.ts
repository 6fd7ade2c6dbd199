import { readFileSync } from 'node:fs';
import { tuneDecodingForThroughput } from './pipeline/inference/decode.js';
import { InferencePool } from './pipeline/inference/pool.js';
import { detectMany } from './pipeline/inference/run-many.js';
tuneDecodingForThroughput();
const files = ['../shared/fixtures/real/images/DJI_Zenmuse_X3.JPG', '../shared/fixtures/real/images/odm_1JI_0064.JPG'];
const mem = files.map((f) => ({ name: f, bytes: readFileSync(f) }));
const pool = await InferencePool.start({ modelDir: 'models/hazard-v1', threads: Number(process.env.T ?? 2), intraOpThreads: 1 });
await detectMany(pool, Array.from({ length: 8 }, (_, i) => mem[i % 2]!), { inFlight: 4, tiled: false });
for (let k = 0; k < 3; k++) {
  const n = 120;
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await detectMany(pool, Array.from({ length: n }, (_, i) => mem[i % 2]!), { inFlight: Number(process.env.F ?? 4), tiled: false });
  const c = process.cpuUsage(c0); const wall = (performance.now() - t0) / 1000;
  console.log('T', process.env.T ?? 2, 'L', process.env.L ?? 1, 'F', process.env.F ?? 4, 'img/s', (n / wall).toFixed(2), 'util', ((c.user + c.system) / 1e6 / wall).toFixed(2), 'cpu ms/img', ((c.user + c.system) / 1e3 / n).toFixed(1));
}
await pool.close();

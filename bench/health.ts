/**
 * /health latency while a flight is being processed, in the demo's one-process setup (API, worker
 * threads for inference, PGlite and the embedded S3 server all in this process): the worst case for
 * the event loop.
 *
 *   npm run bench:health [-- --interval 20]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startApi } from '../api/server.js';
import { loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/logger.js';

const { values } = parseArgs({
  options: {
    interval: { type: 'string', default: '20' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-health-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: '0',
  LOG_LEVEL: 'silent',
  REDIS_URL: values.redis,
  QUEUE_PREFIX: `bench-${Date.now()}`,
  MODEL_DIR: path.join(root, 'models/hazard-v1'),
});
const api = await startApi(config, createLogger('silent'), { withWorker: true });
try {
  const token = (await api.container.services.tokens.create({ name: 'bench', role: 'operator' }, 'bench')).token;
  const call = async (method: string, p: string, body?: BodyInit, type?: string) => {
    const res = await fetch(`${api.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
      body,
    });
    return res.json() as Promise<Record<string, any>>;
  };
  const flight = await call('POST', '/flights', JSON.stringify({ name: 'bench' }), 'application/json');
  const dir = path.join(root, 'samples/demo-flight');
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.JPG')))
    await call(
      'PUT',
      `/flights/${flight.id}/images/${f}`,
      new Uint8Array(await readFile(path.join(dir, f))),
      'image/jpeg',
    );
  await call('POST', `/flights/${flight.id}/complete`);

  const latencies: number[] = [];
  const started = performance.now();
  let done = false;
  const poller = (async () => {
    while (!done) {
      done = (await call('GET', `/flights/${flight.id}`)).done as boolean;
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- `done` is set by the poller above
  while (!done) {
    const t = performance.now();
    const res = await fetch(`${api.url}/health`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, Number(values.interval)));
  }
  await poller;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  console.log(
    `/health during processing of ${(await readdir(dir)).filter((n) => n.endsWith('.JPG')).length} photos (${((performance.now() - started) / 1000).toFixed(1)} s, ${latencies.length} requests, one every ${values.interval} ms)`,
  );
  console.log(
    `p50 ${q(0.5).toFixed(1)} ms   p95 ${q(0.95).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
} finally {
  await api.close();
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * Peak memory of a real worker process (pipeline/worker.ts with its default inference pool and
 * concurrency) while it processes a flight of 20 MP photos: the API and embedded S3 server run in
 * this process, PostgreSQL and Redis are the local services, and the worker's own VmHWM (peak RSS,
 * from /proc) is what is printed.
 *
 *   npm run bench:memory [-- --photos 8 --width 5472 --height 3648]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import sharp from 'sharp';
import { startApi } from '../api/server.js';
import { loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/logger.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '8' },
    width: { type: 'string', default: '5472' },
    height: { type: 'string', default: '3648' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const id = randomBytes(4).toString('hex');
const schema = `bench_memory_${id}`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-memory-'));
const env = {
  DATA_DIR: dataDir,
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATABASE_URL: values.database,
  DATABASE_SCHEMA: schema,
  REDIS_URL: values.redis,
  QUEUE_PREFIX: `bench-memory-${id}`,
  MODEL_DIR: path.join(root, 'models/hazard-v1'),
};
const api = await startApi(loadConfig(env), createLogger('silent'), { withWorker: false });
const defaults = loadConfig({});
let worker: ChildProcess | undefined;

const kib = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

try {
  const storage = api.container.storage.settings;
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'pipeline/worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      S3_ENDPOINT: `http://${storage.endPoint}:${storage.port}`,
      S3_ACCESS_KEY: storage.accessKey,
      S3_SECRET_KEY: storage.secretKey,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const token = (await api.container.services.tokens.create({ name: 'bench', role: 'operator' }, 'bench')).token;
  const call = async (method: string, p: string, body?: BodyInit, type?: string) => {
    const res = await fetch(`${api.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
      body,
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, any>>;
  };
  const width = Number(values.width);
  const height = Number(values.height);
  const demo = path.join(root, 'samples/demo-flight');
  const sources = (await readdir(demo)).filter((n) => n.endsWith('.JPG')).sort();
  const flight = await call('POST', '/flights', JSON.stringify({ name: 'bench-memory' }), 'application/json');
  // The worker starts on each photo as it arrives, so the clock runs from the first upload.
  const started = performance.now();
  const count = Number(values.photos);
  for (let i = 0; i < count; i++) {
    // The demo photos scaled to 20 MP, EXIF and XMP kept, each a distinct file.
    const photo = await sharp(await readFile(path.join(demo, sources[i % sources.length]!)))
      .resize(width, height, { fit: 'fill' })
      .modulate({ brightness: 1 + i / 1000 })
      .keepMetadata()
      .jpeg({ quality: 92 })
      .toBuffer();
    await call(
      'PUT',
      `/flights/${flight.id}/images/P${String(i).padStart(4, '0')}.JPG`,
      new Uint8Array(photo),
      'image/jpeg',
    );
  }
  await call('POST', `/flights/${flight.id}/complete`);
  let status: Record<string, any> = {};
  let sampledPeak = 0;
  while (!status.done) {
    sampledPeak = Math.max(sampledPeak, kib(worker.pid!, 'VmRSS'));
    status = await call('GET', `/flights/${flight.id}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - started) / 1000;
  const peak = kib(worker.pid!, 'VmHWM');
  console.log(
    `worker memory — ${count} photos of ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP), defaults: ${defaults.INFERENCE_THREADS} inference threads × ${defaults.ORT_THREADS} ONNX Runtime thread, ${defaults.WORKER_CONCURRENCY} photos at a time`,
  );
  console.log(
    `images ${JSON.stringify(status.images)} after ${seconds.toFixed(1)} s of making, uploading and processing`,
  );
  console.log(
    `worker peak RSS (VmHWM) ${(peak / 1024).toFixed(0)} MiB; highest sampled RSS ${(sampledPeak / 1024).toFixed(0)} MiB; limit 1536 MiB`,
  );
} finally {
  worker?.kill('SIGTERM');
  await new Promise((r) => (worker && worker.exitCode === null ? worker.once('exit', r) : r(undefined)));
  await api.close();
  const client = new pg.Client({ connectionString: values.database });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  await rm(dataDir, { recursive: true, force: true });
}

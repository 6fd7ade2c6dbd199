/**
 * Probe latency while a flight uploads and is processed, in the demo's one-process setup (API,
 * worker threads for inference, PGlite and the embedded S3 server all in this process): the worst
 * case for the event loop. /health/live and /health/ready are each asked every --interval ms from
 * the first upload until the last photo is done; the event loop's own delay is sampled alongside.
 *
 *   npm run bench:health [-- --photos 100 --interval 20]
 *
 * The photos are the demo flight's, repeated until there are --photos of them; each copy gets a few
 * bytes after the JPEG's end marker, so its sha256 differs and it is processed as its own photo.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startApi } from '../api/server.js';
import { loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/logger.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100' },
    interval: { type: 'string', default: '20' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const photoCount = Number(values.photos);
const interval = Number(values.interval);
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
  const dir = path.join(root, 'samples/demo-flight');
  const originals = await Promise.all(
    (await readdir(dir))
      .filter((n) => n.endsWith('.JPG'))
      .sort()
      .map((n) => readFile(path.join(dir, n))),
  );
  const photos = Array.from({ length: photoCount }, (_, i) =>
    Buffer.concat([originals[i % originals.length]!, Buffer.from(`bench copy ${i}`)]),
  );

  let phase: 'upload' | 'processing' | 'done' = 'upload';
  const samples: Record<string, Array<{ ms: number; phase: string }>> = { '/health/live': [], '/health/ready': [] };
  /** Answers other than 200, by what readiness said failed. */
  const notOk: Record<string, Record<string, number>> = { '/health/live': {}, '/health/ready': {} };
  const probe = async (p: string) => {
    while (phase !== 'done') {
      const at = phase;
      const t = performance.now();
      const res = await fetch(`${api.url}${p}`);
      const text = await res.text();
      samples[p]!.push({ ms: performance.now() - t, phase: at });
      if (res.status !== 200) {
        const failed = (JSON.parse(text) as { context?: { checks?: Record<string, string> } }).context?.checks ?? {};
        const what =
          Object.entries(failed)
            .filter(([, v]) => v !== 'ok')
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || String(res.status);
        notOk[p]![what] = (notOk[p]![what] ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const probes = Promise.all(Object.keys(samples).map(probe));

  const started = performance.now();
  const flight = await call('POST', '/flights', JSON.stringify({ name: 'bench' }), 'application/json');
  for (const [i, photo] of photos.entries())
    await call(
      'PUT',
      `/flights/${flight.id}/images/DJI_${String(i).padStart(4, '0')}.JPG`,
      new Uint8Array(photo),
      'image/jpeg',
    );
  await call('POST', `/flights/${flight.id}/complete`);
  const uploaded = performance.now();
  phase = 'processing';
  let status: Record<string, any>;
  do {
    await new Promise((r) => setTimeout(r, 500));
    status = await call('GET', `/flights/${flight.id}`);
  } while (!status.done);
  phase = 'done';
  await probes;
  loop.disable();

  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  console.log(
    `${photoCount} photos: uploaded in ${seconds(uploaded - started)} s, processed ${status.images.processed} (failed ${status.images.failed}) in ${seconds(performance.now() - uploaded)} s more; a probe of each kind every ${interval} ms`,
  );
  const q = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  const line = (label: string, ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return `  ${label.padEnd(28)} n=${String(sorted.length).padEnd(6)} p50 ${q(sorted, 0.5).toFixed(1)} ms   p95 ${q(sorted, 0.95).toFixed(1)} ms   p99 ${q(sorted, 0.99).toFixed(1)} ms   max ${sorted.at(-1)!.toFixed(1)} ms`;
  };
  for (const [p, list] of Object.entries(samples)) {
    console.log(
      line(
        `${p} (all)`,
        list.map((s) => s.ms),
      ),
    );
    for (const ph of ['upload', 'processing'])
      console.log(
        line(
          `${p} during ${ph}`,
          list.filter((s) => s.phase === ph).map((s) => s.ms),
        ),
      );
    for (const [what, n] of Object.entries(notOk[p]!)) console.log(`  ${p}: ${n} answers not 200 (${what})`);
  }
  const ns = (v: number) => (v / 1e6).toFixed(1);
  console.log(
    `  event loop delay             p50 ${ns(loop.percentile(50))} ms   p99 ${ns(loop.percentile(99))} ms   max ${ns(loop.max)} ms`,
  );
} finally {
  await api.close();
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * Probe latency while a flight uploads and is processed. /health/live and /health/ready are each
 * asked every --interval ms from the first upload until the last photo is done.
 *
 *   npm run bench:health [-- --photos 100 --interval 20 --layout one-process|split]
 *
 * --layout one-process (default): the demo's setup — API, inference threads, PGlite and the embedded
 * S3 server all in one process, the worst case for the event loop; the event loop's own delay is
 * sampled alongside. --layout split: the deployed setup (docker-compose) — the API, one worker
 * process, PostgreSQL, Redis and an S3 server each in a process of their own, on this host (private
 * instances from the fault suite, never the shared ones).
 *
 * The uploads and the probes come from another process (bench/health/client.ts), as they do in
 * production. The photos are the demo flight's, repeated until there are --photos of them.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startApi } from '../api/server.js';
import { loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/logger.js';
import { Cluster, Stage } from '../scripts/faults/cluster.js';
import type { ClientRequest, ClientResult } from './health/client.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100' },
    interval: { type: 'string', default: '20' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    layout: { type: 'string', default: 'one-process' },
  },
});
const photoCount = Number(values.photos);
const interval = Number(values.interval);
const layout = values.layout;
if (layout !== 'one-process' && layout !== 'split') {
  console.error(`--layout must be one-process or split, not ${layout}`);
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');

function runClient(url: string, token: string): Promise<ClientResult> {
  const client = fork(path.join(import.meta.dirname, 'health/client.ts'), { execArgv: ['--import', 'tsx'] });
  return new Promise<ClientResult>((resolve, reject) => {
    client.once('message', (m) => resolve(m as ClientResult));
    client.once('exit', (code) => reject(new Error(`the bench client exited with ${code}`)));
    client.send({
      url,
      token,
      photoDir: path.join(root, 'samples/demo-flight'),
      photoCount,
      intervalMs: interval,
    } satisfies ClientRequest);
  });
}

function report(result: ClientResult): void {
  console.log(
    `${layout}, ${photoCount} photos: uploaded in ${result.uploadSeconds.toFixed(1)} s, processed ${result.processed} (failed ${result.failed}) in ${result.processSeconds.toFixed(1)} s more; a probe of each kind every ${interval} ms from another process`,
  );
  const q = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  const line = (label: string, ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return `  ${label.padEnd(32)} n=${String(sorted.length).padEnd(6)} p50 ${q(sorted, 0.5).toFixed(1)} ms   p95 ${q(sorted, 0.95).toFixed(1)} ms   p99 ${q(sorted, 0.99).toFixed(1)} ms   max ${sorted.at(-1)!.toFixed(1)} ms`;
  };
  for (const p of ['/health/live', '/health/ready']) {
    const list = result.samples.filter((s) => s.path === p);
    console.log(
      line(
        `${p} (all)`,
        list.map((s) => s.ms),
      ),
    );
    for (const phase of ['upload', 'processing'])
      console.log(
        line(
          `${p} during ${phase}`,
          list.filter((s) => s.phase === phase).map((s) => s.ms),
        ),
      );
    const notOk = new Map<string, number>();
    for (const s of list) if (s.failed) notOk.set(s.failed, (notOk.get(s.failed) ?? 0) + 1);
    for (const [what, n] of notOk) console.log(`  ${p}: ${n} answers not 200 (${what})`);
  }
}

if (layout === 'split') {
  const cluster = await Cluster.start();
  try {
    const stage = await Stage.start(cluster, 'bench health');
    try {
      report(await runClient(stage.apiUrl, stage.token));
    } finally {
      await stage.stop();
    }
  } finally {
    await cluster.close();
    await rm(cluster.baseDir, { recursive: true, force: true });
  }
} else {
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
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const result = await runClient(api.url, token);
    loop.disable();
    report(result);
    const ms = (v: number) => (v / 1e6).toFixed(1);
    console.log(
      `  event loop delay                 p50 ${ms(loop.percentile(50))} ms   p99 ${ms(loop.percentile(99))} ms   max ${ms(loop.max)} ms`,
    );
  } finally {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto } from '../factories.js';
import { POSTGRES_URL, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

/**
 * `docker compose up --scale worker=3` without Docker: three worker processes (pipeline/worker.ts,
 * as the worker service runs it) on one Redis queue, one PostgreSQL schema and one S3 endpoint.
 */
const DEMO = Array.from({ length: 12 }, (_, i) => `DJI_${String(i + 1).padStart(4, '0')}.JPG`);
/** 16 distinct photos: the 12 demo photos, and four of them again at another size (other bytes). */
const PHOTOS = [
  ...DEMO.map((name) => ({ name, source: name, width: 960 })),
  ...DEMO.slice(0, 4).map((source, i) => ({ name: `DJI_${1001 + i}.JPG`, source, width: 800 })),
];
const WORKERS = 3;

interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Parsed JSON log lines. */
  lines: Array<Record<string, unknown>>;
}

describe('three worker processes on one queue', () => {
  let t: TestApi;
  const workers: WorkerProcess[] = [];

  function startWorker(): WorkerProcess {
    const storage = t.api.container.storage.settings;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'pipeline/worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...t.env,
        LOG_LEVEL: 'info',
        DATABASE_URL: POSTGRES_URL,
        S3_ENDPOINT: `http://${storage.endPoint}:${storage.port}`,
        S3_ACCESS_KEY: storage.accessKey,
        S3_SECRET_KEY: storage.secretKey,
        // One photo at a time each, so a worker that is up first cannot take the whole flight at once.
        WORKER_CONCURRENCY: '1',
        INFERENCE_THREADS: '1',
      },
    });
    const worker: WorkerProcess = { child, lines: [] };
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop()!;
      for (const line of complete) {
        try {
          worker.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a log line (a warning printed by a library): nothing to count.
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null) {
              resolve();
              return;
            }
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
          }),
      ),
    );
    await t?.close();
  });

  it('when a flight is uploaded to three running workers, then they share it and each photo is processed exactly once', async () => {
    for (let i = 0; i < WORKERS; i++) startWorker();
    await waitFor(
      'all workers started',
      async () => (workers.every((w) => w.lines.some((l) => l.msg === 'worker started')) ? true : undefined),
      120_000,
    );
    const pids = new Set(workers.map((w) => w.child.pid));
    expect(pids.size).toBe(WORKERS);

    const flightId = (
      await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'three workers' } })
    ).body.id as string;
    for (const photo of PHOTOS) {
      const res = await t.request('PUT', `/api/v1/flights/${flightId}/images/${photo.name}`, {
        token: t.tokens.operator,
        raw: await smallPhoto(photo.source, photo.width),
      });
      expect(res.status, photo.name).toBe(201);
    }
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    const final = await waitFor(
      'the flight processed',
      async () => {
        const s = (await t.request('GET', `/api/v1/flights/${flightId}`)).body;
        return s.done ? s : undefined;
      },
      180_000,
    );
    expect(final.images.processed).toBe(PHOTOS.length);
    expect(final.images.failed).toBe(0);

    // Who processed what, from each process's own log (a line can arrive just after the flight is done).
    const processedLines = () => workers.flatMap((w) => w.lines.filter((l) => l.msg === 'image processed'));
    await waitFor('every processed photo logged', async () =>
      processedLines().length >= PHOTOS.length ? true : undefined,
    );
    const processedBy = new Map<string, number[]>();
    const loggedDetections = new Map<string, number>();
    workers.forEach((w, index) => {
      for (const line of w.lines.filter((l) => l.msg === 'image processed')) {
        const imageId = String(line.imageId);
        processedBy.set(imageId, [...(processedBy.get(imageId) ?? []), index]);
        loggedDetections.set(imageId, Number(line.detections));
      }
    });
    expect(processedBy.size).toBe(PHOTOS.length);
    expect([...processedBy.values()].filter((by) => by.length !== 1)).toEqual([]);
    const perWorker = workers.map((_, i) => [...processedBy.values()].filter((by) => by[0] === i).length);
    console.log(`photos per worker: ${perWorker.join(' / ')}`);
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

    // The database agrees: one processed entry per photo, and exactly the detections that were logged.
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`SET search_path TO ${t.schema}`);
    const audited = await db.query<{ subject_id: string; n: number }>(
      `SELECT subject_id, count(*)::int AS n FROM audit_log WHERE action = 'image.processed' GROUP BY subject_id`,
    );
    expect(audited.rows).toHaveLength(PHOTOS.length);
    expect(audited.rows.filter((r) => r.n !== 1)).toEqual([]);
    const stored = await db.query<{ image_id: string; n: number }>(
      'SELECT i.id AS image_id, count(d.id)::int AS n FROM images i LEFT JOIN detections d ON d.image_id = i.id WHERE i.flight_id = $1 GROUP BY i.id',
      [flightId],
    );
    await db.end();
    expect(stored.rows).toHaveLength(PHOTOS.length);
    for (const row of stored.rows) expect(row.n, row.image_id).toBe(loggedDetections.get(row.image_id));
    expect(stored.rows.reduce((sum, r) => sum + r.n, 0)).toBeGreaterThan(0);
  });
});

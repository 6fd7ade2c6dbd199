import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPhoto } from '../factories.js';
import { POSTGRES_URL, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

const PHOTOS = [
  'DJI_0001.JPG',
  'DJI_0002.JPG',
  'DJI_0003.JPG',
  'DJI_0004.JPG',
  'DJI_0005.JPG',
  'DJI_0006.JPG',
  'DJI_0007.JPG',
  'DJI_0008.JPG',
];

describe('worker crash', () => {
  let t: TestApi;
  const children: ChildProcess[] = [];

  function startWorker(): ChildProcess {
    const storage = t.api.container.storage.settings;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'pipeline/worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...t.env,
        DATABASE_URL: POSTGRES_URL,
        S3_ENDPOINT: `http://${storage.endPoint}:${storage.port}`,
        S3_ACCESS_KEY: storage.accessKey,
        S3_SECRET_KEY: storage.secretKey,
        // A short lock so jobs held by the killed worker are taken over within seconds.
        JOB_LOCK_MS: '4000',
        WORKER_CONCURRENCY: '2',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await t?.close();
  });

  it('when the worker is SIGKILLed halfway through a flight and restarted, then every image ends processed exactly once', async () => {
    const flightId = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'crash' } }))
      .body.id;
    for (const name of PHOTOS)
      await t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, {
        token: t.tokens.operator,
        raw: await demoPhoto(name),
      });
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    const status = async () => (await t.request('GET', `/api/v1/flights/${flightId}`)).body;

    const first = startWorker();
    await waitFor(
      'some images processed',
      async () => ((await status()).images.processed >= 2 ? true : undefined),
      180_000,
      100,
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const midway = await status();
    expect(midway.images.processed).toBeLessThan(PHOTOS.length);

    startWorker();
    const final = await waitFor(
      'all processed',
      async () => {
        const s = await status();
        return s.done ? s : undefined;
      },
      240_000,
    );
    expect(final.images.processed).toBe(PHOTOS.length);
    expect(final.images.failed).toBe(0);

    const db = t.api.container.database.db;
    const result = await db.execute(
      `SELECT subject_id, count(*)::int AS n FROM audit_log WHERE action = 'image.processed' GROUP BY subject_id`,
    );
    const rows = ((result as { rows?: Array<{ n: number }> }).rows ?? []) as Array<{ n: number }>;
    expect(rows).toHaveLength(PHOTOS.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { POSTGRES_URL, REDIS_URL, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

/**
 * The recovery sweeper against real Redis, PostgreSQL, S3 and model. Outages are staged the way
 * they leave their marks: a job that failed for good while the database could not record it, a
 * job completed with no results stored, jobs gone with Redis's data, a merge lost.
 */
const PHOTOS = ['DJI_0001.JPG', 'DJI_0002.JPG', 'DJI_0003.JPG', 'DJI_0004.JPG'];

const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

async function start(env: Record<string, string> = {}): Promise<TestApi> {
  const t = await startTestApi({
    withWorker: false,
    env: {
      RECOVERY_SWEEP_SECONDS: '0',
      RECOVERY_GRACE_SECONDS: '0',
      RECOVERY_BACKOFF_SECONDS: '0',
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '10',
      ...env,
    },
  });
  opened.push(t);
  return t;
}

async function uploadFlight(t: TestApi, complete = true): Promise<string> {
  const flightId = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'outage' } }))
    .body.id as string;
  for (const name of PHOTOS) {
    const res = await t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, {
      token: t.tokens.operator,
      raw: await readFile(path.join(ROOT, 'samples/demo-flight', name)),
    });
    expect(res.status).toBe(201);
  }
  if (complete) await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
  return flightId;
}

/** A stand-in worker that does to every detect job what an outage would. */
async function runFakeWorker(t: TestApi, process: () => Promise<void>, until: (q: Queue) => Promise<boolean>) {
  const connection = { url: REDIS_URL };
  const queue = new Queue('detection', { connection, prefix: t.prefix });
  const worker = new Worker('detection', process, {
    connection: { ...connection, maxRetriesPerRequest: null },
    prefix: t.prefix,
  });
  await waitFor('the stand-in worker to finish', async () => ((await until(queue)) ? true : undefined), 60_000, 100);
  await worker.close();
  await queue.close();
}

async function imageRows(t: TestApi, flightId: string) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{
      status: string;
      failure_kind: string | null;
      recovery_attempts: number;
      detections: number;
      failure_reason: string | null;
    }>(
      `SELECT i.status, i.failure_kind, i.recovery_attempts, i.failure_reason,
              (SELECT count(*)::int FROM "${t.schema}".detections d WHERE d.image_id = i.id) AS detections
       FROM "${t.schema}".images i WHERE i.flight_id = $1`,
      [flightId],
    );
    return rows;
  } finally {
    await client.end();
  }
}

async function flightDone(t: TestApi, flightId: string) {
  return waitFor(
    'the flight to finish',
    async () => {
      const body = (await t.request('GET', `/api/v1/flights/${flightId}`)).body;
      return body.done ? body : undefined;
    },
    180_000,
    200,
  );
}

describe('recovery sweeper', () => {
  it('when every job used up its attempts while the database was down, then a sweep retries them and each photo ends processed once', async () => {
    const t = await start();
    const flightId = await uploadFlight(t);
    await runFakeWorker(
      t,
      async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
      async (q) => (await q.getJobCounts('failed')).failed === PHOTOS.length,
    );
    // Nobody recorded the failures: the database view still says queued.
    expect((await imageRows(t, flightId)).map((r) => r.status)).toEqual(PHOTOS.map(() => 'queued'));

    await t.api.container.startWorker();
    const report = await t.api.container.services.recovery.sweep();
    expect(report.retried).toBe(PHOTOS.length);

    const flight = await flightDone(t, flightId);
    expect(flight.images.processed).toBe(PHOTOS.length);
    const rows = await imageRows(t, flightId);
    expect(rows.every((r) => r.status === 'processed' && r.recovery_attempts === 1)).toBe(true);
    // Exactly one set of detections per photo, however often its job ran.
    const again = await t.api.container.services.recovery.sweep();
    expect(again).toMatchObject({ added: 0, retried: 0, failuresRecorded: 0 });
    expect((await imageRows(t, flightId)).map((r) => r.detections)).toEqual(rows.map((r) => r.detections));
  }, 240_000);

  it('when jobs completed without storing results, then a sweep runs them again', async () => {
    const t = await start();
    const flightId = await uploadFlight(t);
    await runFakeWorker(
      t,
      async () => undefined,
      async (q) => (await q.getJobCounts('completed')).completed === PHOTOS.length,
    );
    await t.api.container.startWorker();
    expect((await t.api.container.services.recovery.sweep()).retried).toBe(PHOTOS.length);
    expect((await flightDone(t, flightId)).images.processed).toBe(PHOTOS.length);
  }, 240_000);

  it('when a job was stopped as unrecoverable and the failure could not be written, then a sweep records it and the flight completes', async () => {
    const t = await start();
    const flightId = await uploadFlight(t);
    await runFakeWorker(
      t,
      async () => {
        throw new UnrecoverableError('not a decodable image: truncated');
      },
      async (q) => (await q.getJobCounts('failed')).failed === PHOTOS.length,
    );
    expect((await t.api.container.services.recovery.sweep()).failuresRecorded).toBe(PHOTOS.length);
    const rows = await imageRows(t, flightId);
    expect(rows.every((r) => r.status === 'failed' && r.failure_kind === 'permanent')).toBe(true);
    expect(rows[0]!.failure_reason).toContain('not a decodable image');
    expect((await flightDone(t, flightId)).images.failed).toBe(PHOTOS.length);
    // A permanent failure is left for a person: the next sweep does nothing.
    expect(await t.api.container.services.recovery.sweep()).toMatchObject({ retried: 0, failuresRecorded: 0 });
  }, 240_000);

  it('when Redis loses every job of a flight, then the periodic sweeper re-adds them with no one asking', async () => {
    const t = await start({ RECOVERY_SWEEP_SECONDS: '1' });
    const flightId = await uploadFlight(t);
    const queue = new Queue('detection', { connection: { url: REDIS_URL }, prefix: t.prefix });
    await queue.obliterate({ force: true });
    expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 0 });
    await queue.close();
    await t.api.container.startWorker();
    expect((await flightDone(t, flightId)).images.processed).toBe(PHOTOS.length);
    expect((await imageRows(t, flightId)).every((r) => r.detections >= 0 && r.status === 'processed')).toBe(true);
  }, 240_000);

  it('when the merge into findings was lost, then a sweep merges the flight', async () => {
    const t = await start();
    const findingsQueue = new Queue('findings', { connection: { url: REDIS_URL }, prefix: t.prefix });
    opened.push(findingsQueue);
    await findingsQueue.pause();
    const flightId = await uploadFlight(t);
    await t.api.container.startWorker();
    await flightDone(t, flightId);
    await findingsQueue.obliterate({ force: true });
    await findingsQueue.resume();
    const findings = async () =>
      (await t.request('GET', `/api/v1/flights/${flightId}/findings`)).body.items as unknown[];
    expect(await findings()).toHaveLength(0);

    expect((await t.api.container.services.recovery.sweep()).mergesRerun).toBe(1);
    const merged = await waitFor('findings', async () =>
      (await findings()).length > 0 ? await findings() : undefined,
    );
    expect(merged.length).toBeGreaterThan(0);
    // The merge ran: nothing is left to merge, so the next sweep does not queue it again.
    await waitFor('the merge to settle', async () =>
      (await t.api.container.services.recovery.sweep()).mergesRerun === 0 ? true : undefined,
    );
  }, 240_000);
});

import { randomUUID } from 'node:crypto';
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentJobError } from '../../pipeline/domain/errors.js';
import { type JobPayload, QUEUE_NAMES, type QueueName } from '../../pipeline/domain/jobs.js';
import type { FinalFailureHandlers, JobHandlers } from '../../pipeline/jobs/registry.js';
import { startWorkers } from '../../pipeline/jobs/worker.js';
import { createLogger } from '../../pipeline/logger.js';
import { JobQueue } from '../../pipeline/repositories/queue.js';
import { deletePrefixedKeys } from '../../scripts/redis-prefix.js';
import { REDIS_URL, waitFor } from './harness.js';

/**
 * The job processor against real Redis and BullMQ: services say "do not retry" with a domain error,
 * and only the processor turns it into BullMQ's UnrecoverableError.
 */
describe('job processor', () => {
  const prefix = `hst-jobs-${randomUUID().slice(0, 8)}`;
  const connection = { url: REDIS_URL };
  const attempts = 3;
  const queue = new JobQueue(connection, { prefix, attempts, backoffMs: 20 });
  const calls = { detect: 0, mergeFindings: 0 };
  const finalFailures: Array<{ name: string; reason: string }> = [];
  // Read-only handles for looking at jobs' states; the JobQueue under test only adds.
  const inspect = new Map(Object.values(QUEUE_NAMES).map((name) => [name, new Queue(name, { connection, prefix })]));
  let workers: { close(): Promise<void> } | undefined;

  beforeAll(() => {
    const handlers: JobHandlers = {
      detect: async () => {
        calls.detect++;
        throw new PermanentJobError('the image no longer exists');
      },
      mergeFindings: async () => {
        calls.mergeFindings++;
        if (calls.mergeFindings === 1) throw new Error('the database went away for a moment');
      },
    };
    const onFinalFailure: FinalFailureHandlers = {
      detect: async (_payload, reason) => {
        finalFailures.push({ name: 'detect', reason });
      },
      mergeFindings: async (_payload, reason) => {
        finalFailures.push({ name: 'mergeFindings', reason });
      },
    };
    workers = startWorkers(
      handlers,
      onFinalFailure,
      { connection, prefix, concurrency: 1, lockDurationMs: 5000 },
      createLogger('silent'),
    );
  });
  afterAll(async () => {
    await workers?.close();
    await queue.close();
    await Promise.all([...inspect.values()].map((q) => q.close()));
    await deletePrefixedKeys(REDIS_URL, prefix);
  });

  async function settledJob(queueName: QueueName, jobId: string): Promise<Job> {
    return waitFor(
      `job ${jobId} settled`,
      async () => {
        const handle = inspect.get(queueName)!;
        // State first, then the job: read the other way round, a job read while active looks unfinished.
        const state = await handle.getJobState(jobId);
        return state === 'failed' || state === 'completed' ? handle.getJob(jobId) : undefined;
      },
      20_000,
      50,
    );
  }

  it('when a handler throws PermanentJobError, then the job fails after one attempt of three and its final failure is recorded with the reason', async () => {
    const payload: JobPayload<'detect'> = {
      imageId: randomUUID(),
      flightId: randomUUID(),
      sha256: 'a'.repeat(64),
      modelSha256: 'b'.repeat(64),
    };
    const { jobId } = await queue.add('detect', payload);
    const job = await settledJob(QUEUE_NAMES.detection, jobId);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(calls.detect).toBe(1);
    await waitFor(
      'final failure recorded',
      async () => (finalFailures.some((f) => f.name === 'detect') ? true : undefined),
      5000,
      20,
    );
    expect(finalFailures).toEqual([{ name: 'detect', reason: 'the image no longer exists' }]);
  });

  it('when a handler throws any other error, then the job is retried and completes', async () => {
    const { jobId } = await queue.add('mergeFindings', { flightId: randomUUID(), settled: 1 });
    const job = await settledJob(QUEUE_NAMES.findings, jobId);
    expect(await job.getState()).toBe('completed');
    expect(calls.mergeFindings).toBe(2);
    expect(finalFailures.filter((f) => f.name === 'mergeFindings')).toEqual([]);
  });
});

import { type Job, Queue, type RedisOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_DEFINITIONS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from '../domain/jobs.js';
import type { JobForRecovery } from '../domain/recovery.js';

const KNOWN_STATES = new Set<string>([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
]);

interface QueueSettings {
  prefix: string;
  attempts: number;
  backoffMs: number;
}

/** The producer side of BullMQ: adds registry jobs with their deterministic ids and retry policy. */
export class JobQueue {
  private readonly queues: Map<QueueName, Queue>;

  constructor(
    connection: RedisOptions,
    private readonly settings: QueueSettings,
  ) {
    // Producers answer HTTP requests: fail fast when Redis is away instead of queueing commands.
    this.queues = new Map(
      Object.values(QUEUE_NAMES).map((name) => [
        name,
        new Queue(name, { connection: { ...connection, enableOfflineQueue: false }, prefix: settings.prefix }),
      ]),
    );
  }

  async add<N extends JobName>(name: N, payload: JobPayload<N>): Promise<{ jobId: string }> {
    const definition = JOB_DEFINITIONS[name];
    const data = definition.payload.parse(payload);
    const jobId = (definition.jobId as (p: JobPayload<N>) => string)(data as JobPayload<N>);
    await this.queue(definition.queue).add(name, data, {
      jobId,
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: this.settings.backoffMs },
      // Bounded retention: enough to inspect recent work, never an ever-growing Redis.
      removeOnComplete: { age: 24 * 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    });
    return { jobId };
  }

  /** The queue's view of a registry job, or undefined when Redis has no such job. */
  async inspect<N extends JobName>(name: N, payload: JobPayload<N>): Promise<JobForRecovery | undefined> {
    const job = await this.find(name, payload);
    if (!job) return undefined;
    const state = await job.getState();
    return {
      state: KNOWN_STATES.has(state) ? state : 'unknown',
      failedReason: job.failedReason || undefined,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      finishedOn: job.finishedOn === undefined ? undefined : new Date(job.finishedOn),
    };
  }

  /**
   * Runs a registry job again whatever became of it: a failed one is retried with its attempts
   * reset, a finished one is replaced, a missing one added, a live one left alone.
   */
  async rerun<N extends JobName>(name: N, payload: JobPayload<N>): Promise<'retried' | 'replaced' | 'added' | 'live'> {
    const job = await this.find(name, payload);
    if (!job) {
      await this.add(name, payload);
      return 'added';
    }
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return 'retried';
    }
    if (state === 'completed') {
      await job.remove();
      await this.add(name, payload);
      return 'replaced';
    }
    return 'live';
  }

  /**
   * A lease only one process holds at a time (SET NX PX), so N processes sweeping on the same
   * interval do the work once. Not a lock for correctness: what the holder does is idempotent.
   */
  async tryLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    // BullMQ types its client narrowly; underneath it is the ioredis connection it was given.
    const client = (await this.queue(QUEUE_NAMES.detection).getBackend().client) as unknown as Redis;
    const answer = await client.set(`${this.settings.prefix}:lease:${name}`, holder, 'PX', ttlMs, 'NX');
    return answer === 'OK';
  }

  private async find<N extends JobName>(name: N, payload: JobPayload<N>): Promise<Job | undefined> {
    const definition = JOB_DEFINITIONS[name];
    const jobId = (definition.jobId as (p: JobPayload<N>) => string)(payload);
    return (await this.queue(definition.queue).getJob(jobId)) ?? undefined;
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, queue] of this.queues)
      out[name] = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return out;
  }

  private queue(name: QueueName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`unknown queue ${name}`);
    return q;
  }

  /** Resolves once Redis answers (readiness). */
  async ping(): Promise<void> {
    await this.queue(QUEUE_NAMES.detection).getJobCounts('waiting');
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

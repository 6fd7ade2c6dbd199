import { Queue, type RedisOptions } from 'bullmq';
import { JOB_DEFINITIONS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from '../domain/jobs.js';

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

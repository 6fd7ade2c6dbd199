import { type Job, type RedisOptions, UnrecoverableError, Worker } from 'bullmq';
import { PermanentJobError } from '../domain/errors.js';
import { JOB_DEFINITIONS, type JobName, QUEUE_NAMES } from '../domain/jobs.js';
import { type FailureKind, failureKindOfJob, stalledTooOften } from '../domain/recovery.js';
import type { Logger } from '../logger.js';
import { checkHandlers, type FinalFailureHandlers, type JobHandlers } from './registry.js';

interface WorkerSettings {
  connection: RedisOptions;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
}

/** Told how each job ended (metrics); failures that end a job for good carry the reason. */
interface JobObserver {
  finished(job: JobName, seconds: number, outcome: 'completed' | 'failed'): void;
  failedForGood(job: JobName, reason: string): void;
}

/**
 * One BullMQ worker per queue, dispatching by job name to exactly one handler. Payloads are parsed
 * with the registry's schema; a payload that does not parse can never succeed, so it is not retried,
 * and neither is a handler's PermanentJobError.
 */
export function startWorkers(
  handlers: JobHandlers,
  onFinalFailure: FinalFailureHandlers,
  settings: WorkerSettings,
  logger: Logger,
  observer?: JobObserver,
): { close(): Promise<void>; workers: Worker[] } {
  checkHandlers(handlers);
  const workers = Object.values(QUEUE_NAMES).map((queue) => {
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const name = job.name as JobName;
        const definition = JOB_DEFINITIONS[name];
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job names come from Redis: an unknown one is possible at run time
        if (!definition) throw new UnrecoverableError(`no job named ${job.name} in the registry`);
        const parsed = definition.payload.safeParse(job.data);
        if (!parsed.success)
          throw new UnrecoverableError(
            `invalid ${name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        const attempt = job.attemptsMade + 1;
        const handler = handlers[name] as (
          p: unknown,
          c: { jobId: string; attempt: number; final: boolean },
        ) => Promise<void>;
        const started = performance.now();
        try {
          await handler(parsed.data, { jobId: job.id!, attempt, final: attempt >= (job.opts.attempts ?? 1) });
          observer?.finished(name, (performance.now() - started) / 1000, 'completed');
        } catch (error) {
          observer?.finished(name, (performance.now() - started) / 1000, 'failed');
          // Services know nothing of BullMQ; this is the one place their "do not retry" becomes its.
          if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      {
        connection: { ...settings.connection, maxRetriesPerRequest: null },
        prefix: settings.prefix,
        concurrency: settings.concurrency,
        lockDuration: settings.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(settings.lockDurationMs / 2)),
        maxStalledCount: 3,
      },
    );
    worker.on('failed', (job, error) => {
      logger.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: error.message }, 'job failed');
      if (!job) return;
      const unrecoverable = error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
      const final = unrecoverable || job.attemptsMade >= (job.opts.attempts ?? 1);
      const name = job.name as JobName;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job names come from Redis: an unknown one is possible at run time
      const parsed = JOB_DEFINITIONS[name]?.payload.safeParse(job.data);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as above: no definition, no parse
      if (final && parsed?.success) {
        observer?.failedForGood(name, error.message);
        const record = onFinalFailure[name] as (p: unknown, reason: string, kind: FailureKind) => Promise<void>;
        const kind =
          unrecoverable && !stalledTooOften(error.message)
            ? 'permanent'
            : failureKindOfJob({
                failedReason: error.message,
                attemptsMade: job.attemptsMade,
                attempts: job.opts.attempts ?? 1,
              });
        record(parsed.data, error.message, kind).catch((e: unknown) =>
          logger.error({ jobId: job.id, err: String(e) }, 'could not record a final job failure'),
        );
      }
    });
    worker.on('error', (error) => logger.error({ err: error.message }, 'worker error'));
    return worker;
  });
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

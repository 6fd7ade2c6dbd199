import type { FAILURE_KINDS, ImageStatus } from './images.js';

/**
 * What the recovery sweeper does with one photo, decided from the database's view of it and the
 * queue's view of its job. The two disagree after an outage: a job lost with Redis, a failure that
 * could not be written because PostgreSQL was away, results never stored. Every answer here is
 * safe to repeat, so any number of processes may sweep.
 */
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface ImageForRecovery {
  status: ImageStatus;
  failureKind: FailureKind | null;
  recoveryAttempts: number;
  createdAt: Date;
  /** When the photo last failed (processedAt of a failed photo), or null. */
  failedAt: Date | null;
  lastRecoveryAt: Date | null;
}

export type JobState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'waiting-children' | 'completed' | 'failed';

export interface JobForRecovery {
  state: JobState | 'unknown';
  failedReason: string | undefined;
  attemptsMade: number;
  attempts: number;
  finishedOn: Date | undefined;
}

export interface RecoveryPolicy {
  /** A photo this young may be between its insert and its enqueue: leave it alone. */
  graceMs: number;
  /** Automatic retries of a photo that failed for a passing reason, before a person must decide. */
  maxAttempts: number;
  /** Wait before the first automatic retry; doubles with each one. */
  backoffMs: number;
}

export type RecoveryAction =
  | { kind: 'none' }
  /** No job: add it (its id is deterministic, so a racing add is harmless). */
  | { kind: 'add'; reason: string }
  /** Put the photo back in the queue: retry the failed job, or replace a finished one. */
  | { kind: 'retry'; reason: string }
  /** The job failed for good and the photo does not say so yet. */
  | { kind: 'record-failure'; failureKind: FailureKind; reason: string };

const LIVE_JOB_STATES = new Set<JobState | 'unknown'>([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'unknown',
]);
const UNFINISHED = new Set<ImageStatus>(['registered', 'queued', 'processing']);

/**
 * How a job that failed for good failed. A job stopped before its attempts ran out was stopped on
 * purpose (a photo that can never be read); one that used them all, or kept stalling because its
 * worker died, met something that may pass (an outage, a restart).
 */
export function failureKindOfJob(job: Pick<JobForRecovery, 'failedReason' | 'attemptsMade' | 'attempts'>): FailureKind {
  if (stalledTooOften(job.failedReason)) return 'transient';
  return job.attemptsMade < job.attempts ? 'permanent' : 'transient';
}

/**
 * BullMQ's reason for failing a job whose worker died under it too often. It fails it as an
 * UnrecoverableError, yet a restart says nothing about the photo: the failure may pass.
 */
export function stalledTooOften(failedReason: string | undefined): boolean {
  return /stalled more than allowable limit/i.test(failedReason ?? '');
}

/** The wait before automatic retry number `attempt` (0-based): backoff, doubling. */
function retryDelayMs(policy: RecoveryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** Math.max(0, attempt);
}

export function planRecovery(
  image: ImageForRecovery,
  job: JobForRecovery | undefined,
  now: Date,
  policy: RecoveryPolicy,
): RecoveryAction {
  const none = { kind: 'none' } as const;
  const budgetLeft = image.recoveryAttempts < policy.maxAttempts;
  const waited = (since: Date | null | undefined) =>
    since === null ||
    since === undefined ||
    now.getTime() - since.getTime() >= retryDelayMs(policy, image.recoveryAttempts);

  if (UNFINISHED.has(image.status)) {
    if (job && LIVE_JOB_STATES.has(job.state)) return none;
    if (!job) {
      const since = image.lastRecoveryAt ?? image.createdAt;
      if (now.getTime() - since.getTime() < policy.graceMs) return none;
      return { kind: 'add', reason: `the photo is ${image.status} but its job is not in the queue` };
    }
    if (job.state === 'completed')
      return { kind: 'retry', reason: 'its job completed but the results were never stored' };
    // Failed for good while the database could not hear of it: decide now what it would have.
    const kind = failureKindOfJob(job);
    const reason = job.failedReason ?? 'unknown reason';
    if (kind === 'transient' && budgetLeft) {
      if (!waited(job.finishedOn)) return none;
      return { kind: 'retry', reason: `its job failed for a passing reason: ${reason}` };
    }
    return {
      kind: 'record-failure',
      failureKind: kind,
      reason: kind === 'permanent' ? reason : `${reason} (gave up after ${image.recoveryAttempts} automatic retries)`,
    };
  }

  if (image.status === 'failed' && image.failureKind === 'transient' && budgetLeft) {
    if (job && LIVE_JOB_STATES.has(job.state)) return none;
    if (!waited(image.failedAt)) return none;
    return { kind: 'retry', reason: 'it failed for a passing reason and has automatic retries left' };
  }
  return none;
}

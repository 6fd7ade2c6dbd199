import { JOB_DEFINITIONS, type JobName, type JobPayload } from '../domain/jobs.js';
import type { FailureKind } from '../domain/recovery.js';

/**
 * The processor's side of the job registry (pipeline/domain/jobs.ts): the handler table it
 * dispatches to. Handlers are registered in handlers.ts; start-up fails if a job has none or two.
 */
interface JobContext {
  jobId: string;
  attempt: number;
  /** No retry follows this attempt: record the failure reason now. */
  final: boolean;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, context: JobContext) => Promise<void>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/**
 * Called once a job has failed for good (retries used up, unrecoverable, or stalled too often), so
 * the record it works on can say why instead of waiting forever. Best effort: when it cannot write
 * (the database is down), the recovery sweeper reads the failure from the job later.
 */
export type FinalFailureHandlers = {
  [N in JobName]: (payload: JobPayload<N>, reason: string, kind: FailureKind) => Promise<void>;
};

/** Checks the handler table against the registry; throws naming every missing or unknown job. */
export function checkHandlers(handlers: Partial<Record<string, unknown>>): void {
  const known = Object.keys(JOB_DEFINITIONS);
  const missing = known.filter((n) => typeof handlers[n] !== 'function');
  const unknown = Object.keys(handlers).filter((n) => !known.includes(n));
  if (missing.length || unknown.length) {
    throw new Error(
      `job handlers do not match the registry: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`,
    );
  }
}

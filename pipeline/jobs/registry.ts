import { z } from 'zod';

/**
 * Every queue and job the system runs: its payload schema and its deterministic id. Handlers are
 * registered against this (see handlers.ts); start-up fails if a job has none or two.
 */
export const QUEUE_NAMES = { detection: 'detection', findings: 'findings' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const JOB_DEFINITIONS = {
  detect: {
    queue: QUEUE_NAMES.detection,
    payload: z.object({ imageId: z.uuid(), flightId: z.uuid(), sha256, modelSha256: sha256 }).strict(),
    /** One job per flight, image content and model: re-registering the same bytes adds nothing. */
    jobId: (p: { flightId: string; sha256: string; modelSha256: string }) => `detect_${p.flightId}_${p.sha256}_${p.modelSha256.slice(0, 16)}`,
  },
  mergeFindings: {
    queue: QUEUE_NAMES.findings,
    payload: z.object({ flightId: z.uuid(), settled: z.number().int().min(0) }).strict(),
    /**
     * One merge per flight and number of settled photos: photos finishing together queue it once,
     * and a photo settling later (a late upload) queues a new one rather than hitting a kept id.
     */
    jobId: (p: { flightId: string; settled: number }) => `findings_${p.flightId}_${p.settled}`,
  },
} as const;

export type JobName = keyof typeof JOB_DEFINITIONS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_DEFINITIONS)[N]['payload']>;

export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return JOB_DEFINITIONS[name].payload.parse(data) as JobPayload<N>;
}

export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(JOB_DEFINITIONS) as JobName[]).filter((n) => JOB_DEFINITIONS[n].queue === queue);
}

export interface JobContext {
  jobId: string;
  attempt: number;
  /** No retry follows this attempt: record the failure reason now. */
  final: boolean;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, context: JobContext) => Promise<void>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/**
 * Called once a job has failed for good (retries used up, unrecoverable, or stalled too often), so
 * the record it works on can say why instead of waiting forever.
 */
export type FinalFailureHandlers = { [N in JobName]: (payload: JobPayload<N>, reason: string) => Promise<void> };

/** Checks the handler table against the registry; throws naming every missing or unknown job. */
export function checkHandlers(handlers: Partial<Record<string, unknown>>): void {
  const known = Object.keys(JOB_DEFINITIONS);
  const missing = known.filter((n) => typeof handlers[n] !== 'function');
  const unknown = Object.keys(handlers).filter((n) => !known.includes(n));
  if (missing.length || unknown.length) {
    throw new Error(`job handlers do not match the registry: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
  }
}

import { z } from 'zod';

/**
 * Every queue and job the system runs: its payload schema and its deterministic id. Here, below
 * both sides, because producers (the queue repository, services) and the job processor must agree
 * on them; what runs a job with BullMQ lives in pipeline/jobs/.
 */
export const QUEUE_NAMES = { detection: 'detection', findings: 'findings' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const JOB_DEFINITIONS = {
  detect: {
    queue: QUEUE_NAMES.detection,
    payload: z.object({ imageId: z.uuid(), flightId: z.uuid(), sha256, modelSha256: sha256 }).strict(),
    /** One job per flight, image content and model: re-registering the same bytes adds nothing. */
    jobId: (p: { flightId: string; sha256: string; modelSha256: string }) =>
      `detect_${p.flightId}_${p.sha256}_${p.modelSha256.slice(0, 16)}`,
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

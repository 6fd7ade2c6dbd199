import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The environment, parsed once at start-up. Defaults are the embedded mode (PGlite and an embedded
 * S3 server under DATA_DIR, Redis on localhost). Nothing else reads process.env.
 */
const booleanString = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .pipe(z.url().optional());

const cores = os.availableParallelism();

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Base URL people and S3 notifications reach the API at; defaults to http://HOST:PORT. */
  PUBLIC_URL: optionalUrl,
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl,
  /** PostgreSQL schema for all tables; tests give each run its own. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .default('public'),
  /**
   * PostgreSQL: how long to wait for a connection, and for a statement's answer, before the request
   * fails with 503 and Retry-After instead of hanging while the database is away.
   */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** S3: how long one request to object storage may take before it counts as an outage. */
  S3_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, dash and underscore only')
    .default('hazardscope'),
  S3_ENDPOINT: optionalUrl,
  /** Endpoint put into presigned URLs when clients reach S3 under another name than the API does. */
  S3_PUBLIC_ENDPOINT: optionalUrl,
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET_ORIGINALS: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')
    .default('hazardscope-originals'),
  S3_BUCKET_DERIVED: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')
    .default('hazardscope-derived'),
  /** Signed audit checkpoints (docs/audit.md): give it object lock on MinIO or S3. */
  S3_BUCKET_AUDIT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')
    .default('hazardscope-audit'),
  /** Port of the embedded S3 server when S3_ENDPOINT is unset; 0 picks a free one. */
  EMBEDDED_S3_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  PRESIGN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(900),
  MODEL_DIR: z.string().min(1).default('models/hazard-v1'),
  /**
   * Inference worker threads, each with one ONNX session; any thread takes any tile, so one per
   * core keeps every core busy with single-threaded sessions (measured faster per tile than fewer
   * sessions with more intra-op threads: `npm run bench:detector -- --threads 1 --ort-threads 2`).
   */
  INFERENCE_THREADS: z.coerce.number().int().min(1).max(64).default(cores),
  /** ONNX Runtime intra-op threads per session. */
  ORT_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  /** Images a worker process handles at once (decode of the next overlaps inference of the current). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** A finding at a site is marked recurring when the same hazard was found there within this many days. */
  FINDING_RECURRENCE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** How long a reviewer holds the finding they have open; the workstation renews it while it stays open. */
  REVIEW_LEASE_SECONDS: z.coerce.number().int().min(15).max(3600).default(120),
  /** Months in case summaries are counted in this IANA time zone. */
  REPORT_TIME_ZONE: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'an IANA time zone name')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone this Node.js knows')
    .default('Asia/Shanghai'),
  /**
   * PEM file of the Ed25519 key evidence bundles are signed with. Without it a key is made once
   * and kept in the database, which anyone with database access could also sign with.
   */
  EVIDENCE_SIGNING_KEY_FILE: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
  /**
   * How often the API signs the audit chain's head into S3 when it has moved (docs/audit.md); 0
   * turns it off. Entries newer than the last checkpoint can be removed unnoticed.
   */
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  JOB_BACKOFF_MS: z.coerce.number().int().min(10).default(2000),
  /** How long a job lock lives without renewal before BullMQ treats the job as stalled. */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /**
   * The recovery sweeper (every API and worker process runs it; a Redis lease keeps one at work):
   * how often it looks for photos the queue lost or that failed in an outage; 0 turns it off.
   */
  RECOVERY_SWEEP_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /** A photo younger than this may be between its insert and its enqueue: the sweeper waits. */
  RECOVERY_GRACE_SECONDS: z.coerce.number().min(0).default(60),
  /** Automatic retries of a photo that failed for a passing reason before it waits for a person. */
  RECOVERY_MAX_ATTEMPTS: z.coerce.number().int().min(0).max(50).default(5),
  /** Wait before the first automatic retry, doubling each time (30 s, 1, 2, 4, 8 min by default). */
  RECOVERY_BACKOFF_SECONDS: z.coerce.number().min(0).default(30),
  MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).default(200_000_000),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(80 * 1024 * 1024),
  /** Shared secret MinIO sends (Authorization: Bearer …) to the bucket-notification route only. */
  INGEST_WEBHOOK_TOKEN: z.string().min(24, 'at least 24 characters').optional(),
  /** Bearer token for GET /metrics; unset, metrics answer only to this machine (loopback). */
  METRICS_TOKEN: z.string().min(24, 'at least 24 characters').optional(),
  /** A worker run on its own serves GET /metrics on this port (0: not at all). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Run the BullMQ workers inside the API process (the demo and single-box installs). */
  RUN_WORKER_IN_API: booleanString.default(false),
});

/** Rules across variables, checked on the raw input so they are reported with the field errors. */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.S3_ENDPOINT?.trim() && (!env.S3_ACCESS_KEY || !env.S3_SECRET_KEY)) {
    problems.push('S3_ACCESS_KEY: S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT');
  }
  return problems;
}

export type Config = Readonly<z.infer<typeof ConfigSchema> & { dataDir: string }>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env at the entry points); throws listing every invalid variable. */
export function loadConfig(env: Record<string, string | undefined>, overrides: Record<string, string> = {}): Config {
  const input = { ...env, ...overrides };
  const parsed = ConfigSchema.safeParse(input);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`)),
    ...crossFieldProblems(input),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) });
}

/**
 * What `hazardscope upload` needs as a client of a running server: its address and the caller's
 * token. Parsed apart from the server's variables, so a client is not refused for a server setting.
 */
const ClientConfigSchema = z.object({
  HAZARDSCOPE_URL: optionalUrl,
  /** Better here than as --token, where other users of the machine can read it in the process list. */
  HAZARDSCOPE_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined)),
});

export type ClientConfig = Readonly<z.infer<typeof ClientConfigSchema>>;

export function loadClientConfig(env: Record<string, string | undefined>): ClientConfig {
  const parsed = ClientConfigSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  return Object.freeze(parsed.data);
}

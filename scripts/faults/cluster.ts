import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../../pipeline/config.js';
import { createAdminContainer } from '../../pipeline/container.js';
import { freePort, PrivatePostgres, privateRedis, Service } from './processes.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Short timings so a fault heals in seconds rather than minutes, except the job's own retry budget:
 * 5 attempts, 0.5 s doubling, is used up within seconds of PostgreSQL going away, so a 90 s outage
 * really exhausts it (the case that used to strand photos).
 */
export const TIMINGS = {
  JOB_ATTEMPTS: '5',
  JOB_BACKOFF_MS: '500',
  JOB_LOCK_MS: '4000',
  RECOVERY_SWEEP_SECONDS: '2',
  RECOVERY_GRACE_SECONDS: '5',
  RECOVERY_BACKOFF_SECONDS: '5',
  RECOVERY_MAX_ATTEMPTS: '5',
  INFERENCE_THREADS: '1',
  WORKER_CONCURRENCY: '2',
} as const;

/** PostgreSQL, Redis and S3 of the suite's own, in one temporary directory, on free ports. */
export class Cluster {
  private constructor(
    readonly baseDir: string,
    readonly logDir: string,
    readonly postgres: PrivatePostgres,
    readonly redis: Service,
    readonly redisUrl: string,
    readonly s3: Service,
    readonly s3Endpoint: string,
  ) {}

  static async start(): Promise<Cluster> {
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-faults-'));
    // PostgreSQL runs as its own user and must reach its directory inside this one.
    await chmod(baseDir, 0o711);
    const logDir = path.join(baseDir, 'logs');
    await mkdir(logDir);
    const started: Array<() => Promise<void>> = [];
    try {
      const postgres = new PrivatePostgres(path.join(baseDir, 'postgres'), await freePort());
      await postgres.init();
      await postgres.start();
      started.push(() => postgres.stop('immediate'));
      const redisPort = await freePort();
      await mkdir(path.join(baseDir, 'redis'));
      const redis = privateRedis(path.join(baseDir, 'redis'), redisPort, path.join(logDir, 'redis.log'));
      await redis.start();
      started.push(() => redis.stop());
      const s3Port = await freePort();
      const s3 = new Service({
        name: 's3',
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          path.join(ROOT, 'scripts/faults/s3-server.ts'),
          path.join(baseDir, 's3'),
          String(s3Port),
        ],
        cwd: ROOT,
        logFile: path.join(logDir, 's3.log'),
        ready: async (output) => output().includes('s3 ready'),
      });
      await s3.start();
      return new Cluster(
        baseDir,
        logDir,
        postgres,
        redis,
        `redis://127.0.0.1:${redisPort}`,
        s3,
        `http://127.0.0.1:${s3Port}`,
      );
    } catch (error) {
      for (const stop of started.reverse()) await stop().catch(() => undefined);
      await rm(baseDir, { recursive: true, force: true });
      throw error;
    }
  }

  async flushRedis(): Promise<void> {
    const redis = new Redis(this.redisUrl);
    try {
      await redis.flushall();
    } finally {
      await redis.quit();
    }
  }

  /** One query on a connection of its own: the suite's view must survive PostgreSQL restarts. */
  async query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.postgres.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {
    await this.s3.stop().catch(() => undefined);
    await this.redis.stop().catch(() => undefined);
    await this.postgres.stop('immediate').catch(() => undefined);
  }
}

/** The API and one worker process for one scenario, on a schema and queue prefix of their own. */
export class Stage {
  private constructor(
    readonly schema: string,
    readonly apiUrl: string,
    readonly api: Service,
    readonly worker: Service,
    readonly token: string,
  ) {}

  static async start(cluster: Cluster, name: string): Promise<Stage> {
    const id = name.replace(/[^a-z0-9]/g, '_');
    const schema = `faults_${id}`;
    const port = await freePort();
    const dataDir = path.join(cluster.baseDir, 'stages', id);
    await mkdir(dataDir, { recursive: true });
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: cluster.postgres.url,
      DATABASE_SCHEMA: schema,
      REDIS_URL: cluster.redisUrl,
      QUEUE_PREFIX: `faults-${id}`,
      S3_ENDPOINT: cluster.s3Endpoint,
      // s3rver's built-in account.
      S3_ACCESS_KEY: 'S3RVER',
      S3_SECRET_KEY: 'S3RVER',
      MODEL_DIR: path.join(ROOT, 'models/hazard-v1'),
      ...TIMINGS,
    };
    const apiUrl = `http://127.0.0.1:${port}`;
    const node = (entry: string) => ({ command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, entry)] });
    const api = new Service({
      name: 'api',
      ...node('api/server.ts'),
      env,
      cwd: ROOT,
      logFile: path.join(cluster.logDir, `${id}-api.log`),
      ready: async () => (await fetch(`${apiUrl}/health/live`, { signal: AbortSignal.timeout(2000) })).ok,
      restartOnCrash: true,
    });
    const worker = new Service({
      name: 'worker',
      ...node('pipeline/worker.ts'),
      env,
      cwd: ROOT,
      logFile: path.join(cluster.logDir, `${id}-worker.log`),
      ready: async (output) => output().includes('"msg":"worker started"'),
      restartOnCrash: true,
    });
    // The API migrates the schema; the token is made after.
    await api.start();
    const admin = await createAdminContainer(
      loadConfig({ DATABASE_URL: cluster.postgres.url, DATABASE_SCHEMA: schema }),
    );
    let token: string;
    try {
      const organisation = await admin.tokens.createOrganisation(`Fault suite ${id}`, '', 'faults');
      token = (await admin.tokens.create({ organisation: organisation.id, name: 'pilot', role: 'operator' }, 'faults'))
        .token;
    } finally {
      await admin.close();
    }
    await worker.start();
    return new Stage(schema, apiUrl, api, worker, token);
  }

  /** Unexpected exits of the API and the worker (each was restarted, as a process manager would). */
  crashes(): string[] {
    return [...this.api.crashes.map((c) => `api ${c}`), ...this.worker.crashes.map((c) => `worker ${c}`)];
  }

  async stop(): Promise<void> {
    await Promise.all([this.worker.stop(), this.api.stop()]);
  }
}

import type { Cluster, Stage } from './cluster.js';
import { sleep, until } from './processes.js';

export interface FaultContext {
  cluster: Cluster;
  stage: Stage;
  photos: number;
  /** Photos of the flight processed so far (from the database). */
  processed(): Promise<number>;
  /** Resolves once the client has uploaded `count` photos. */
  uploaded(count: number): Promise<void>;
  /** What was done, for the report. */
  note(text: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  /** Strikes while the flight uploads and processes; resolves when the fault is over. */
  strike(ctx: FaultContext): Promise<void>;
}

/** Long enough for a slow, shared machine to get a flight this far; only a hang hits it. */
const STAGE_TIMEOUT_MS = 15 * 60_000;

/** Waits until `count` photos are processed (at most all but one, so the fault lands mid-flight). */
async function processedAtLeast(ctx: FaultContext, count: number): Promise<number> {
  const target = Math.max(1, Math.min(count, ctx.photos - 1));
  let seen = 0;
  await until(
    `${target} photos processed`,
    async () => {
      seen = await ctx.processed();
      return seen >= target;
    },
    STAGE_TIMEOUT_MS,
    250,
  );
  return seen;
}

const step = (photos: number, parts: number) => Math.max(1, Math.floor(photos / parts));

const POSTGRES_OUTAGE_MS = 90_000;
const S3_OUTAGE_MS = 20_000;
const REDIS_DOWN_MS = 5_000;

export const SCENARIOS: Scenario[] = [
  {
    name: 'worker-kill',
    title: 'worker SIGKILL ×5, restarted each time',
    async strike(ctx) {
      const every = step(ctx.photos, 7);
      for (let k = 1; k <= 5; k++) {
        const seen = await processedAtLeast(ctx, k * every);
        await ctx.stage.worker.kill('SIGKILL');
        ctx.note(`worker killed at ${seen} processed`);
        await sleep(1000);
        await ctx.stage.worker.start();
      }
    },
  },
  {
    name: 'postgres-down',
    title: `PostgreSQL down ${POSTGRES_OUTAGE_MS / 1000} s (longer than the jobs' retry budget)`,
    async strike(ctx) {
      const seen = await processedAtLeast(ctx, step(ctx.photos, 6));
      await ctx.cluster.postgres.stop('immediate');
      ctx.note(`PostgreSQL stopped (immediate) at ${seen} processed`);
      await sleep(POSTGRES_OUTAGE_MS);
      await ctx.cluster.postgres.start();
      ctx.note('PostgreSQL started again');
    },
  },
  {
    name: 'redis-flush',
    title: 'Redis FLUSHALL mid-flight',
    async strike(ctx) {
      const seen = await processedAtLeast(ctx, step(ctx.photos, 6));
      await ctx.cluster.flushRedis();
      ctx.note(`FLUSHALL at ${seen} processed`);
    },
  },
  {
    name: 'redis-restart',
    title: `Redis SIGKILL, down ${REDIS_DOWN_MS / 1000} s, restarted on its AOF`,
    async strike(ctx) {
      const seen = await processedAtLeast(ctx, step(ctx.photos, 6));
      await ctx.cluster.redis.kill('SIGKILL');
      ctx.note(`Redis killed at ${seen} processed`);
      await sleep(REDIS_DOWN_MS);
      await ctx.cluster.redis.start();
    },
  },
  {
    name: 'api-kill',
    title: 'API SIGKILL ×2 during upload, client retrying, API restarted',
    async strike(ctx) {
      for (const at of [step(ctx.photos, 4), step(ctx.photos, 2)]) {
        await ctx.uploaded(at);
        // A moment into the next upload, so the request in flight is cut off.
        await sleep(50);
        await ctx.stage.api.kill('SIGKILL');
        ctx.note(`API killed after ${at} uploads`);
        await sleep(2000);
        await ctx.stage.api.start();
      }
    },
  },
  {
    name: 's3-outage',
    title: `S3 killed for ${S3_OUTAGE_MS / 1000} s during upload and processing`,
    async strike(ctx) {
      await ctx.uploaded(step(ctx.photos, 2));
      const seen = await ctx.processed();
      await ctx.cluster.s3.kill('SIGKILL');
      ctx.note(`S3 killed after ${step(ctx.photos, 2)} uploads, ${seen} processed`);
      await sleep(S3_OUTAGE_MS);
      await ctx.cluster.s3.start();
    },
  },
];

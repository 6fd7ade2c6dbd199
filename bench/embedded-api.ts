/**
 * The API a bench measures against, started in this process: port 0, no worker (the jobs wait in
 * Redis), a temporary directory for its data (PGlite and embedded S3 unless `database` is given),
 * and a queue prefix and PostgreSQL schema of the bench's own. `close` removes all of them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type RunningApi, startApi } from '../api/server.js';
import { loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/logger.js';
import { deletePrefixedKeys } from '../scripts/redis-prefix.js';

interface BenchApi {
  api: RunningApi;
  /** A temporary directory of the bench's own (the API's data is in `data/` under it), removed by close. */
  work: string;
  /** Names this run: unique enough for files and markers of the bench's own. */
  id: string;
  close(): Promise<void>;
}

export async function startBenchApi(
  name: string,
  options: { redis: string; database?: string | undefined; env?: Record<string, string> },
): Promise<BenchApi> {
  const root = path.resolve(import.meta.dirname, '..');
  const id = randomBytes(4).toString('hex');
  const work = await mkdtemp(path.join(os.tmpdir(), `bench-${name}-`));
  const prefix = `bench-${name}-${id}`;
  const schema = `bench_${name.replaceAll('-', '_')}_${id}`;
  const config = loadConfig({
    DATA_DIR: path.join(work, 'data'),
    PORT: '0',
    LOG_LEVEL: 'silent',
    REDIS_URL: options.redis,
    QUEUE_PREFIX: prefix,
    MODEL_DIR: path.join(root, 'models/hazard-v1'),
    ...options.env,
    ...(options.database ? { DATABASE_URL: options.database, DATABASE_SCHEMA: schema } : {}),
  });
  const cleanUp = async () => {
    await deletePrefixedKeys(options.redis, prefix);
    if (options.database) {
      const client = new pg.Client({ connectionString: options.database });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
    await rm(work, { recursive: true, force: true });
  };
  let api: RunningApi;
  try {
    api = await startApi(config, createLogger('silent'), { withWorker: false });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    api,
    work,
    id,
    close: async () => {
      await api.close();
      await cleanUp();
    },
  };
}

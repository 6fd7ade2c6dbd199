import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { markOutage } from '../domain/outages.js';
import { claimDataDir } from './data-dir-lock.js';
import { schema } from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Runs plain SQL (no parameters); used by migrations and readiness checks. */
  exec(sql: string): Promise<void>;
  /**
   * Embedded PGlite only: records where this process serves the API in the lock that keeps other
   * processes out, so a refused `hazardscope` command can point the administrator there.
   */
  announce(url: string): void;
  close(): Promise<void>;
}

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');

interface DatabaseOptions {
  url: string | undefined;
  schema: string;
  /** Where PGlite keeps its files when no URL is given; undefined keeps it in memory. */
  pgliteDir: string | undefined;
  /**
   * PostgreSQL only. How long to wait for a connection (a new one, or a free one from the pool),
   * and for a statement's answer, before failing with ServiceUnavailableError instead of hanging.
   */
  connectTimeoutMs?: number | undefined;
  queryTimeoutMs?: number | undefined;
}

/** Migrations may rewrite big tables: they get far longer than a request's statement. */
const MIGRATION_TIMEOUT_MS = 3_600_000;

/** PostgreSQL through `pg` when a URL is given, embedded PGlite otherwise; migrated on open. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const searchPath = `"${options.schema}"`;
  let handle: DatabaseHandle;
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 10,
      options: `-c search_path=${options.schema}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      // A server that vanished without closing the socket is noticed, not waited on forever.
      keepAlive: true,
    });
    pool.on('error', () => {
      // Idle-client errors (server restart) surface on the next query; do not crash the process.
    });
    reportOutages(pool);
    handle = {
      db: drizzlePg(pool, { schema }),
      kind: 'postgres',
      exec: async (sql) => {
        await pool.query(sql);
      },
      announce: () => undefined,
      close: () => pool.end(),
    };
    // Advisory locks belong to a session: migrate over one dedicated connection.
    try {
      const connection = await pool.connect();
      try {
        await migrate(async (sql) => {
          // node-postgres reads a per-query query_timeout; its types do not declare it.
          const query: pg.QueryConfig & { query_timeout: number } = { text: sql, query_timeout: MIGRATION_TIMEOUT_MS };
          return (await connection.query<Record<string, unknown>>(query)).rows;
        }, options.schema);
      } finally {
        connection.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  } else {
    if (options.pgliteDir) await mkdir(options.pgliteDir, { recursive: true });
    // Before PGlite touches the files: a second process must not even open them.
    const lock = options.pgliteDir ? claimDataDir(`${path.resolve(options.pgliteDir)}.lock`) : undefined;
    const client = options.pgliteDir ? new PGlite(options.pgliteDir) : new PGlite();
    handle = {
      db: drizzlePglite(client, { schema }),
      kind: 'pglite',
      exec: async (sql) => {
        await client.exec(sql);
      },
      announce: (url) => lock?.announce(url),
      close: async () => {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
    try {
      await client.exec(`CREATE SCHEMA IF NOT EXISTS ${searchPath}; SET search_path TO ${searchPath};`);
      await migrate(async (sql) => {
        const results = await client.exec(sql);
        return results.at(-1)?.rows ?? [];
      }, options.schema);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }
  return handle;
}

/**
 * Connection-level failures of the pool (refused, timed out, dropped) are marked as the database's,
 * so the API answers 503 with Retry-After rather than 500.
 * Only the promise forms are wrapped: pg-pool calls its own callback forms internally. A connection
 * that drops inside a transaction fails on the client, not the pool; outageOf() knows its message.
 */
function reportOutages(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const tagged = (result: unknown) =>
    result instanceof Promise
      ? result.catch((error: unknown) => {
          throw markOutage('database', error);
        })
      : result;
  Object.assign(pool, {
    connect: (...args: unknown[]) => (args.length > 0 ? connect(...args) : tagged(connect())),
    query: (...args: unknown[]) => (typeof args.at(-1) === 'function' ? query(...args) : tagged(query(...args))),
  });
}

/**
 * Applies migrations/*.sql in name order, each once, in one transaction per file. An advisory lock
 * keeps an API and several workers starting together from racing.
 */
type RunSql = (sql: string) => Promise<Record<string, unknown>[]>;

async function migrate(run: RunSql, schemaName: string): Promise<void> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const quoted = `"${schemaName}"`;
  const lockKey = hash32(`hazardscope-migrate-${schemaName}`);
  await run(`SELECT pg_advisory_lock(${lockKey})`);
  try {
    await run(
      `CREATE SCHEMA IF NOT EXISTS ${quoted}; CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await run(`SELECT id FROM ${quoted}.schema_migrations`)).map((r) => String(r.id)));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await run(
        `BEGIN; SET LOCAL search_path TO ${quoted}; ${sql}; INSERT INTO ${quoted}.schema_migrations (id) VALUES ('${file.replace(/'/g, "''")}'); COMMIT;`,
      );
    }
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await run(`SELECT pg_advisory_unlock(${lockKey})`);
  }
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

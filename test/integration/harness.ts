import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deletePrefixedKeys } from '../../scripts/redis-prefix.js';
import pg from 'pg';
import { startApi, type RunningApi } from '../../api/server.js';
import { loadConfig } from '../../pipeline/config.js';
import type { Role } from '../../pipeline/domain/roles.js';
import { createLogger } from '../../pipeline/logger.js';

export const POSTGRES_URL = process.env.HAZARDSCOPE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.HAZARDSCOPE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface TestApi {
  api: RunningApi;
  url: string;
  tokens: Record<Role, string>;
  /** The organisation the role tokens belong to. */
  organisationId: string;
  /** A token for another person, organisation or region. */
  token(input: { name: string; role: Role; organisation?: string; regionCode?: string }): Promise<string>;
  schema: string;
  prefix: string;
  dataDir: string;
  env: Record<string, string>;
  request(
    method: string,
    pathname: string,
    options?: { token?: string | null; body?: unknown; raw?: Buffer; contentType?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A real API on port 0 with its own PostgreSQL schema (or PGlite), queue prefix, S3 directory and
 * tokens for every role, so tests never see each other's data.
 */
export async function startTestApi(
  options: { database?: 'postgres' | 'pglite'; withWorker?: boolean; env?: Record<string, string> } = {},
): Promise<TestApi> {
  const id = randomBytes(5).toString('hex');
  const schema = `t_${id}`;
  const prefix = `hst-${id}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `hazardscope-${id}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.HAZARDSCOPE_TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_SCHEMA: schema,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MODEL_DIR: path.join(ROOT, 'models/hazard-v1'),
    JOB_BACKOFF_MS: '200',
    INFERENCE_THREADS: '1',
    ...(options.database === 'pglite' ? {} : { DATABASE_URL: POSTGRES_URL }),
    ...options.env,
  };
  const config = loadConfig(env);
  let api: RunningApi;
  try {
    api = await startApi(config, createLogger(config.LOG_LEVEL), { withWorker: options.withWorker ?? true });
  } catch (error) {
    // A test that expects start-up to fail leaves nothing behind either.
    await dropTestState(schema, prefix, options.database !== 'pglite');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const tokenService = api.container.services.tokens;
  const organisation = await tokenService.createOrganisation(`Test organisation ${id}`, '', 'test');
  const token: TestApi['token'] = async (input) =>
    (await tokenService.create({ organisation: organisation.id, ...input }, 'test')).token;
  const tokens = {} as Record<Role, string>;
  // One person per role, so separation of duties never stands between them.
  for (const role of ['operator', 'reviewer', 'regulator', 'admin'] as const)
    tokens[role] = await token({ name: `test-${role}`, role });
  const request: TestApi['request'] = async (method, pathname, opts = {}) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? tokens.admin : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (opts.raw) {
      body = new Uint8Array(opts.raw);
      headers['content-type'] = opts.contentType ?? 'image/jpeg';
    } else if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const res = await fetch(`${api.url}${pathname}`, { method, headers, body });
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    api,
    url: api.url,
    tokens,
    organisationId: organisation.id,
    token,
    schema,
    prefix,
    dataDir,
    env,
    request,
    async close() {
      await api.close();
      await dropTestState(schema, prefix, options.database !== 'pglite');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function dropTestState(schema: string, prefix: string, postgres: boolean): Promise<void> {
  if (postgres) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
  await deletePrefixedKeys(REDIS_URL, prefix);
}

/** Polls until `check` returns a value, or fails with the last state after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the last probe result, printed as it is
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Flies photos of the committed demo flight as the operator (or `token`): creates the flight,
 * uploads them, completes it and waits until its findings are merged. Returns the flight id and
 * its findings.
 */
export async function flyDemoPhotos(
  t: TestApi,
  name: string,
  photos: readonly string[],
  options: { token?: string; regionCode?: string } = {},
): Promise<{ flightId: string; findings: any[] }> {
  const { readFile } = await import('node:fs/promises');
  const token = options.token ?? t.tokens.operator;
  const flight = await t.request('POST', '/api/v1/flights', {
    token,
    body: { name, ...(options.regionCode ? { regionCode: options.regionCode } : {}) },
  });
  if (flight.status !== 201)
    throw new Error(`creating flight ${name} answered ${flight.status}: ${JSON.stringify(flight.body)}`);
  for (const photo of photos) {
    const res = await t.request('PUT', `/api/v1/flights/${flight.body.id}/images/${photo}`, {
      token,
      raw: await readFile(path.join(ROOT, 'samples/demo-flight', photo)),
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`uploading ${photo} answered ${res.status}`);
  }
  await t.request('POST', `/api/v1/flights/${flight.body.id}/complete`, { token });
  await waitFor(`flight ${name} processed`, async () =>
    (await t.request('GET', `/api/v1/flights/${flight.body.id}`, { token })).body.done ? true : undefined,
  );
  const findings = await waitFor(`findings of ${name}`, async () => {
    const res = await t.request('GET', `/api/v1/flights/${flight.body.id}/findings`, { token });
    return res.body.items?.length > 0 ? res.body.items : undefined;
  });
  return { flightId: flight.body.id, findings };
}

/** Who did which of `actions` to one subject, in order: read from the audit log in PostgreSQL. */
export async function auditOf(
  t: TestApi,
  subjectId: string,
  actions: readonly string[],
): Promise<Array<{ action: string; actor: string }>> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (
      await client.query<{ action: string; actor: string }>(
        `SELECT action, actor FROM "${t.schema}".audit_log WHERE subject_id = $1 AND action = ANY($2) ORDER BY id`,
        [subjectId, [...actions]],
      )
    ).rows;
  } finally {
    await client.end();
  }
}

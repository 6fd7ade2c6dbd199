/**
 * docker-compose.yml as far as a machine without Docker can prove it: parsed, and checked against
 * the code it runs (config keys, API routes, object keys) and the rules a production install needs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema } from '../../pipeline/config.js';
import { parseObjectKey } from '../../pipeline/domain/images.js';
import { apiDocument } from '../../scripts/gen-api-types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: unknown[];
  container_name?: string;
  hostname?: string;
  restart?: string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** An exact release: a digest, a MinIO release stamp, PostgreSQL's major.minor, or major.minor.patch. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const slash = image.lastIndexOf('/');
  const colon = image.indexOf(':', slash + 1);
  if (colon < 0) return false;
  const name = image.slice(0, colon);
  const tag = image.slice(colon + 1);
  if (/^RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/.test(tag)) return true;
  if (name === 'postgres') return /^\d+\.\d+(-[a-z0-9.]+)?$/.test(tag);
  return /^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/.test(tag);
}

/** Services that run once and exit: nothing waits for them to be healthy, only to have finished. */
const oneShot = (name: string) => services[name]!.restart === 'no';

function dependencies(service: Service): Record<string, { condition?: string }> {
  if (Array.isArray(service.depends_on)) return Object.fromEntries(service.depends_on.map((d) => [d, {}]));
  return service.depends_on ?? {};
}

const commandText = (service: Service) =>
  Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');

describe('docker-compose.yml', () => {
  it.each([
    { image: 'redis:7.2-alpine', ok: false },
    { image: 'redis', ok: false },
    { image: 'minio/minio:latest', ok: false },
    { image: 'postgres:16-alpine', ok: false },
    { image: 'node:20-bookworm-slim', ok: false },
    { image: 'redis:7.2.7-alpine', ok: true },
    { image: 'postgres:16.8-alpine', ok: true },
    { image: 'minio/mc:RELEASE.2025-04-16T18-13-26Z', ok: true },
    { image: `redis@sha256:${'a'.repeat(64)}`, ok: true },
  ])('when the pin rule sees $image, then it says $ok', ({ image, ok }) => {
    expect(pinned(image)).toBe(ok);
  });

  it('when a service pulls an image, then it is pinned to an exact release; built images start from pinned bases', () => {
    const floating = Object.entries(services)
      .filter(([, s]) => s.build === undefined)
      .filter(([, s]) => !s.image || !pinned(s.image))
      .map(([name, s]) => `${name}: ${s.image ?? '(no image)'}`);
    expect(floating).toEqual([]);
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(bases.length).toBeGreaterThan(0);
    expect(bases.filter((b) => !pinned(b))).toEqual([]);
  });

  it('when a service keeps running, then it has a healthcheck that runs a command', () => {
    const missing = Object.entries(services)
      .filter(([name]) => !oneShot(name))
      .filter(([, s]) => !s.healthcheck?.test || s.healthcheck.disable || s.healthcheck.test.length < 2)
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('when a service needs another, then it waits until that one is healthy (or, for a one-shot setup, finished)', () => {
    const wrong: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(dependencies(service))) {
        const expected = oneShot(dep) ? 'service_completed_successfully' : 'service_healthy';
        if (condition !== expected) wrong.push(`${name} -> ${dep}: ${condition ?? '(started)'}, not ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    for (const app of ['api', 'worker'])
      expect(Object.keys(dependencies(services[app]!)).sort(), app).toEqual(['minio-init', 'postgres', 'redis']);
  });

  it('when Redis holds the queue, then it never evicts keys and keeps an append-only file', () => {
    const command = commandText(services.redis!);
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
  });

  it('when MinIO receives an original, then it notifies the API’s webhook route with the shared token', () => {
    const minio = services.minio!.environment!;
    const ids = Object.keys(minio)
      .map((k) => /^MINIO_NOTIFY_WEBHOOK_ENABLE_(\w+)$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(ids).toHaveLength(1);
    const id = ids[0]!;
    expect(minio[`MINIO_NOTIFY_WEBHOOK_ENABLE_${id}`]).toBe('on');
    expect(minio[`MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_${id}`]).toMatch(/^\/data\//);

    const endpoint = new URL(String(minio[`MINIO_NOTIFY_WEBHOOK_ENDPOINT_${id}`]));
    expect(endpoint.hostname).toBe('api');
    const apiPorts = (services.api!.ports ?? []).map((p) => String(p).split(':').at(-1));
    expect(apiPorts).toContain(endpoint.port);
    const paths = apiDocument().paths as Record<string, Record<string, unknown>>;
    expect(paths[endpoint.pathname]?.post, `POST ${endpoint.pathname} is an API route`).toBeDefined();

    expect(minio[`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${id}`]).toBe('Bearer ${INGEST_WEBHOOK_TOKEN}');
    expect(String(services.api!.environment!.INGEST_WEBHOOK_TOKEN)).toMatch(/^\$\{INGEST_WEBHOOK_TOKEN[:?}]/);

    // The setup step wires the bucket the API stores originals in, for the keys the API parses.
    const setup = commandText(services['minio-init']!);
    const originals = String(services.api!.environment!.S3_BUCKET_ORIGINALS);
    const event = new RegExp(
      `mc event add\\b.* local/${originals} arn:minio:sqs::${id}:webhook --event put --prefix (\\S+)`,
    ).exec(setup);
    expect(event, 'mc event add for the originals bucket').not.toBeNull();
    const prefix = event![1]!;
    expect(parseObjectKey(`${prefix}6f1c1b1e-7d7b-4c38-9a57-3b8f0c7f2e11/DJI_0001.JPG`)).toBeDefined();
  });

  it('when the apps name a bucket, then the setup step makes it, the audit bucket with object lock and a default retention', () => {
    const setup = commandText(services['minio-init']!);
    const env = services.api!.environment!;
    for (const key of ['S3_BUCKET_ORIGINALS', 'S3_BUCKET_DERIVED', 'S3_BUCKET_AUDIT'])
      expect(setup, key).toMatch(new RegExp(`mc mb\\b.* local/${String(env[key])}\\b`));
    expect(setup).toMatch(new RegExp(`mc mb\\b.*--with-lock local/${String(env.S3_BUCKET_AUDIT)}\\b`));
    expect(setup).toMatch(new RegExp(`mc retention set --default .* local/${String(env.S3_BUCKET_AUDIT)}\\b`));
  });

  it('when the apps are configured, then every variable is one the config knows', () => {
    const known = new Set(Object.keys(ConfigSchema.shape));
    for (const app of ['api', 'worker']) {
      const unknown = Object.keys(services[app]!.environment!).filter((k) => !known.has(k));
      expect(unknown, app).toEqual([]);
    }
  });

  it('when the API and workers are checked for health, then they ask routes the processes serve', () => {
    const api = String(services.api!.healthcheck!.test).match(/http:\/\/127\.0\.0\.1:(\d+)(\/[\w/]+)/);
    expect(api).not.toBeNull();
    const paths = apiDocument().paths as Record<string, unknown>;
    expect(Object.keys(paths)).toContain(`/api/v1${api![2]}`);
    const worker = String(services.worker!.healthcheck!.test).match(/http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
    expect(worker, 'the worker healthcheck asks its /metrics').not.toBeNull();
    expect(String(services.worker!.environment!.WORKER_METRICS_PORT)).toBe(worker![1]);
  });

  it('when workers are scaled (--scale worker=3), then no two copies claim a host port or a name', () => {
    const worker = services.worker!;
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.container_name).toBeUndefined();
    expect(worker.hostname).toBeUndefined();
    expect(commandText(worker)).toMatch(/pipeline\/worker\.ts/);
    // Host ports that are published are published once.
    const published = Object.values(services).flatMap((s) =>
      (s.ports ?? []).map((p) => String(p).split(':').slice(0, -1).join(':')),
    );
    expect(new Set(published).size).toBe(published.length);
  });
});

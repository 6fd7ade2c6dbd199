/**
 * npm run demo [-- --once]
 *
 * The whole loop on embedded defaults: PGlite and an embedded S3 server under ./data, Redis from
 * REDIS_URL (or a redis-server started here). Uploads the committed sample flight through the public
 * API as an operator would, waits for every photo to be processed, prints a summary with tokens and
 * the links that sign the reviewer and the regulator into the web app, and keeps serving (or exits with --once).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startApi } from '../api/server.js';
import { ConfigError, loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/logger.js';
import { binaryBody, createApiClient, expectOk } from './api-client.js';
import { demoSiteFeature } from './demo-site.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEMO_ORGANISATION = 'Zhengzhou Emergency Management Bureau (demo)';
const DEMO_FLIGHT_NAME = 'Demo survey: sample industrial site';
const DEMO_ROLES = [
  ['operator', 'Operator Wang'],
  ['reviewer', 'Reviewer Li'],
  ['regulator', 'Inspector Zhang'],
  ['admin', 'Admin Chen'],
] as const;
const DEMO_PEOPLE = new Set<string>(DEMO_ROLES.map(([, name]) => name));
const SAMPLE_FLIGHT = path.join(ROOT, 'samples/demo-flight');

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

async function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Redis from REDIS_URL, or one started here when redis-server is installed, or a clear way out. */
async function ensureRedis(url: string): Promise<{ url: string; child?: ChildProcess }> {
  if (await redisAnswers(url)) return { url };
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error(
      `Redis is not reachable at ${url}, and redis-server is not installed.\n` +
        'Install it, then run the demo again:\n' +
        '  Debian/Ubuntu:  sudo apt-get install -y redis-server\n' +
        '  macOS:          brew install redis\n' +
        'or point REDIS_URL at a Redis you have.',
    );
    process.exit(3);
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(started)) {
      console.log(`Started redis-server on port ${port} (no Redis at ${url}).`);
      return { url: started, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  console.error('redis-server did not start');
  process.exit(3);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { once: { type: 'boolean', default: false } } });
  const started = performance.now();
  let env = { LOG_LEVEL: 'warn', RUN_WORKER_IN_API: 'true', ...process.env } as Record<string, string | undefined>;
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const redis = await ensureRedis(config.REDIS_URL);
  const port = (await portFree(config.PORT, config.HOST)) ? config.PORT : 0;
  // Unless one is given, the queue prefix follows the data directory, so two demos (or a demo and
  // a server) sharing one Redis never take each other's jobs.
  const prefix =
    env.QUEUE_PREFIX ?? `hazardscope-demo-${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 10)}`;
  env = { ...env, REDIS_URL: redis.url, PORT: String(port), QUEUE_PREFIX: prefix };
  config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  console.log(
    `Starting HazardScope (data in ${config.dataDir}, ${config.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, ${config.S3_ENDPOINT ? config.S3_ENDPOINT : 'embedded S3'})…`,
  );
  const api = await startApi(config, logger, { withWorker: true });
  const stopAll = async () => {
    await api.close();
    redis.child?.kill();
  };
  try {
    // One bureau with the jurisdiction of Zhengzhou (4101), one person per role: the operator who
    // flies cannot review the flight, and regulators do not review.
    const tokenService = api.container.services.tokens;
    const organisation =
      (await tokenService.listOrganisations()).find((o) => o.name === DEMO_ORGANISATION) ??
      (await tokenService.createOrganisation(DEMO_ORGANISATION, '4101', 'demo'));
    // A second run replaces the first run's tokens rather than adding a set: revoked, they answer
    // "revoked" to anyone still holding one.
    for (const old of await tokenService.list())
      if (old.organisation === DEMO_ORGANISATION && !old.revokedAt && DEMO_PEOPLE.has(old.name))
        await tokenService.revoke(old.id, 'demo');
    const tokens: Record<string, string> = {};
    for (const [role, name] of DEMO_ROLES) {
      tokens[role] = (await tokenService.create({ name, role, organisation: organisation.id }, 'demo')).token;
    }
    // The demo calls its own server as any API client would: through the typed client the CLI uses.
    const as = (role: string) => createApiClient({ baseUrl: api.url, token: tokens[role] });
    const operator = as('operator');
    const reviewer = as('reviewer');

    // The enterprise the flight surveys, so its findings are attributed and cases name it.
    const site = await as('admin').POST('/api/v1/sites', {
      body: (await demoSiteFeature(1, '郑州示范化工有限公司')).feature,
    });
    if (site.response.status !== 201 && site.response.status !== 409)
      throw new Error(`registering the demo site answered ${site.response.status}: ${JSON.stringify(site.error)}`);

    const truth = JSON.parse(await readFile(path.join(SAMPLE_FLIGHT, 'flight.json'), 'utf8')) as {
      hazards: Array<{ class: string }>;
      site: { origin: { lat: number; lon: number } };
    };
    const photos = (await readdir(SAMPLE_FLIGHT)).filter((f) => /\.jpe?g$/i.test(f)).sort();
    // One demo flight per data directory: a second run picks it up (finishing an interrupted
    // upload) instead of sending the same photos to review again.
    const existing = (
      await expectOk(operator.GET('/api/v1/flights', { params: { query: { limit: 200 } } }), 'listing flights')
    ).items.find((f) => f.name === DEMO_FLIGHT_NAME);
    const flight =
      existing ??
      (await expectOk(
        operator.POST('/api/v1/flights', { body: { name: DEMO_FLIGHT_NAME, siteName: 'Sample industrial site' } }),
        'creating the demo flight',
      ));
    const uploading = flight.status !== 'completed';
    console.log(
      uploading
        ? `Flight ${flight.id}: ${existing ? 'resuming, ' : ''}uploading ${photos.length} photos as the operator…`
        : `Flight ${flight.id} was flown by an earlier run: showing it again (delete ${config.dataDir} to start afresh).`,
    );
    for (const [i, photo] of (uploading ? photos : []).entries()) {
      const bytes = await readFile(path.join(SAMPLE_FLIGHT, photo));
      await expectOk(
        operator.PUT('/api/v1/flights/{flightId}/images/{filename}', {
          params: { path: { flightId: flight.id, filename: photo } },
          ...binaryBody(new Uint8Array(bytes), 'image/jpeg'),
        }),
        `uploading ${photo}`,
      );
      if (process.stdout.isTTY) process.stdout.write(`\r  uploaded ${i + 1}/${photos.length}`);
    }
    if (uploading) {
      await expectOk(
        operator.POST('/api/v1/flights/{flightId}/complete', { params: { path: { flightId: flight.id } } }),
        'completing the flight',
      );
      process.stdout.write(process.stdout.isTTY ? '\n' : `  uploaded ${photos.length}/${photos.length}\n`);
    }

    let status;
    let lastLine = '';
    for (;;) {
      status = await expectOk(
        operator.GET('/api/v1/flights/{flightId}', { params: { path: { flightId: flight.id } } }),
        'reading the flight status',
      );
      const s = status.images;
      const line = `  processing: ${s.processed} done, ${s.failed} failed, ${s.processing} in progress, ${s.queued + s.registered} waiting`;
      // Redraw in place on a terminal; print only changes when piped (CI logs).
      if (process.stdout.isTTY) process.stdout.write(`\r${line}   `);
      else if (line !== lastLine) process.stdout.write(`${line}\n`);
      lastLine = line;
      if (status.done) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (process.stdout.isTTY) process.stdout.write('\n');
    // Detections merge into findings (one per hazard) right after the last photo.
    let findings: Array<{ className: string; viewCount: number; siteId: string | null }> = [];
    for (let i = 0; i < 60 && findings.length === 0; i++) {
      findings = (
        await expectOk(
          reviewer.GET('/api/v1/flights/{flightId}/findings', { params: { path: { flightId: flight.id } } }),
          'listing the findings',
        )
      ).items;
      if (findings.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    const flagged = new Map<string, number>();
    const notReviewed = new Set<string>();
    for (const d of status.detections as Array<{ className: string; state: string; count: number; live: boolean }>) {
      if (d.state === 'flagged') flagged.set(d.className, (flagged.get(d.className) ?? 0) + d.count);
      if (!d.live) notReviewed.add(d.className);
    }
    const presentClasses = [...new Set(truth.hazards.map((h) => h.class))].sort();
    const missing = presentClasses.filter((c) => !flagged.get(c));
    const line = '─'.repeat(64);
    console.log(`\n${line}\nHazardScope demo summary\n${line}`);
    console.log(
      `Photos processed   ${status.images.processed} of ${status.images.total}${status.images.failed ? `  (${status.images.failed} failed)` : ''}`,
    );
    console.log(`Time taken         ${seconds.toFixed(1)} s (start-up, upload, detection)`);
    const model = await expectOk(reviewer.GET('/api/v1/model'), 'reading the model card');
    console.log(`Model              ${model.name} ${model.version} (its card: models/${model.name}/README.md)`);
    console.log('Flagged for review (per hazard class; ground truth has these classes present):');
    for (const c of [...new Set([...presentClasses, ...flagged.keys()])].sort()) {
      const notes = [
        presentClasses.includes(c) ? '' : 'not in ground truth',
        notReviewed.has(c) ? 'off by default: stored, not queued for review' : '',
      ].filter(Boolean);
      console.log(
        `  ${c.padEnd(20)} ${String(flagged.get(c) ?? 0).padStart(4)} ${notes.length ? ` (${notes.join('; ')})` : ''}`,
      );
    }
    for (const f of status.failures as Array<{ filename: string; reason: string }>)
      console.log(`  failed: ${f.filename}: ${f.reason}`);
    const views = findings.reduce((n, f) => n + f.viewCount, 0);
    console.log(
      `Findings           ${findings.length} for review, merged from ${views} flagged detections across overlapping photos (${truth.hazards.length} hazards in ground truth)`,
    );
    console.log(`\nTokens (shown once; each run replaces the last run's):`);
    for (const [role, token] of Object.entries(tokens)) console.log(`  ${role.padEnd(10)} ${token}`);
    console.log(`\nReviewer workstation  ${api.url}/#token=${tokens.reviewer}`);
    console.log(`Regulator pages       ${api.url}/#token=${tokens.regulator}`);
    console.log(`API document          ${api.url}/api/v1/openapi.json`);
    console.log('Press ? on any page for its keyboard shortcuts; Alt+L switches 中文 / English.');
    console.log(line);
    const ok = status.images.processed === photos.length && missing.length === 0;
    if (!ok)
      console.log(
        missing.length ? `Not flagged although present: ${missing.join(', ')}` : 'Some photos were not processed.',
      );
    if (values.once) {
      await stopAll();
      return ok ? 0 : 1;
    }
    console.log('Serving. Press Ctrl+C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stopAll();
    return 0;
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

/**
 * npm run test:faults: the fault suite (docs/faults.md). Starts a private PostgreSQL, Redis and S3,
 * then per scenario an API and a worker process, flies a flight of distinct photos through the
 * API as a patient client, strikes one fault mid-flight and measures what became of every photo.
 * Exits 1 when a photo is lost, duplicated or failed, or a scenario does not recover in time.
 *
 *   npm run test:faults [-- --only worker-kill,redis-flush] [--photos 40] [--deadline 300] [--keep]
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster, ROOT, Stage, TIMINGS } from './faults/cluster.js';
import { flyFlight, makePhotos, RetryingClient } from './faults/flight.js';
import { flightOutcome, type FlightOutcome } from './faults/measure.js';
import { sleep } from './faults/processes.js';
import { type FaultContext, type Scenario, SCENARIOS } from './faults/scenarios.js';

interface Result {
  scenario: Scenario;
  outcome: FlightOutcome | undefined;
  recoverSeconds: number | undefined;
  /** From the fault's end to the first photo processed after it. */
  resumeSeconds: number | undefined;
  crashes: string[];
  notes: string[];
  clientRetries: number;
  error: string | undefined;
  passed: boolean;
}

/** The scenario's API and worker, stopped too when the suite is interrupted. */
let running: Stage | undefined;

const USAGE = `usage: npm run test:faults -- [--only NAME[,NAME…]] [--photos N] [--deadline SECONDS] [--keep]
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      photos: { type: 'string', default: '40' },
      deadline: { type: 'string', default: '300' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const photos = Number(values.photos);
  const deadlineMs = Number(values.deadline) * 1000;
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (!Number.isInteger(photos) || photos < 2 || !(deadlineMs > 0) || unknown.length > 0) {
    console.error(unknown.length ? `unknown scenario ${unknown.join(', ')}\n${USAGE}` : USAGE);
    return 2;
  }
  const chosen = SCENARIOS.filter((s) => !only || only.includes(s.name));

  const started = Date.now();
  const cluster = await Cluster.start();
  console.log(`fault suite: ${chosen.length} scenario(s), ${photos} photos each; logs in ${cluster.logDir}`);
  console.log(
    `timings: ${Object.entries(TIMINGS)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  let stopping = false;
  const interrupted = () => {
    if (stopping) return;
    stopping = true;
    console.error('interrupted: stopping the private services');
    void Promise.resolve(running?.stop())
      .catch(() => undefined)
      .then(() => cluster.close())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const results: Result[] = [];
  try {
    for (const scenario of chosen) {
      const result = await runScenario(cluster, scenario, photos, deadlineMs);
      results.push(result);
      console.log(`  ${row(result)}`);
      for (const line of [...result.notes, ...(result.outcome?.detail ?? []).slice(0, 20)])
        console.log(`      ${line}`);
      if (result.error) console.log(`      error: ${result.error}`);
    }
  } finally {
    await cluster.close();
  }
  const passed = results.every((r) => r.passed);
  console.log(`\n${table(results)}\n`);
  console.log(
    `${passed ? 'PASS' : 'FAIL'}: ${results.filter((r) => r.passed).length}/${results.length} scenarios recovered with every photo processed once, in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  if (passed && !values.keep) await rm(cluster.baseDir, { recursive: true, force: true });
  else console.log(`logs kept in ${cluster.logDir}`);
  return passed ? 0 : 1;
}

async function runScenario(cluster: Cluster, scenario: Scenario, count: number, deadlineMs: number): Promise<Result> {
  const notes: string[] = [];
  const result: Result = {
    scenario,
    outcome: undefined,
    recoverSeconds: undefined,
    resumeSeconds: undefined,
    crashes: [],
    notes,
    clientRetries: 0,
    error: undefined,
    passed: false,
  };
  console.log(`\n[${scenario.name}] ${scenario.title}`);
  const tag = `${scenario.name}-${Date.now().toString(36)}`;
  const photos = await makePhotos(path.join(ROOT, 'samples/demo-flight'), count, tag);
  let stage: Stage | undefined;
  let flightId: string | undefined;
  try {
    stage = await Stage.start(cluster, scenario.name);
    running = stage;
    const client = new RetryingClient(stage.apiUrl, stage.token, 10 * 60_000);
    const flight = await client.call('POST', '/api/v1/flights', { json: { name: tag } });
    flightId = (flight.body as { id: string }).id;
    let uploaded = 0;
    const uploadWaiters: Array<{ count: number; resolve: () => void }> = [];
    const ctx: FaultContext = {
      cluster,
      stage,
      photos: count,
      processed: async () =>
        (
          await cluster.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${stage!.schema}".images WHERE flight_id = $1 AND status = 'processed'`,
            [flightId],
          )
        )[0]?.n ?? 0,
      uploaded: (n) =>
        new Promise<void>((resolve) => {
          if (uploaded >= n) resolve();
          else uploadWaiters.push({ count: n, resolve });
        }),
      note: (text) => notes.push(`${new Date().toISOString().slice(11, 19)} ${text}`),
    };
    const flying = flyFlight(client, flightId, photos, async (n) => {
      uploaded = n;
      for (const w of uploadWaiters.filter((w) => w.count <= n)) w.resolve();
    });
    let faultEnd = Date.now();
    const striking = scenario.strike(ctx).then(() => {
      faultEnd = Date.now();
    });
    // Either may fail; both must end before the outcome means anything.
    const [flown, struck] = await Promise.allSettled([flying, striking]);
    result.clientRetries = client.retries;
    if (struck.status === 'rejected') throw new Error(`staging the fault failed: ${String(struck.reason)}`);
    if (flown.status === 'rejected') throw new Error(`the client gave up: ${String(flown.reason)}`);

    const heldBack = await heldBackClasses(client, flightId);
    const measure = () =>
      flightOutcome({
        databaseUrl: cluster.postgres.url,
        schema: stage!.schema,
        flightId,
        photos,
        maxRecoveryAttempts: Number(TIMINGS.RECOVERY_MAX_ATTEMPTS),
        heldBackClasses: heldBack,
      });
    const deadline = faultEnd + deadlineMs;
    while (Date.now() < deadline) {
      const outcome = await measure().catch(() => undefined);
      if (outcome?.settled && (await flightDone(stage.apiUrl, stage.token, flightId))) {
        result.recoverSeconds = (Date.now() - faultEnd) / 1000;
        break;
      }
      await sleep(1000);
    }
    // A moment more, so work that would run twice after settling is caught too.
    await sleep(3000);
    result.outcome = await measure();
    const [first] = await cluster.query<{ at: Date | null }>(
      `SELECT min(processed_at) AS at FROM "${stage.schema}".images
       WHERE flight_id = $1 AND status = 'processed' AND processed_at >= $2`,
      [flightId, new Date(faultEnd)],
    );
    if (first?.at) result.resumeSeconds = (first.at.getTime() - faultEnd) / 1000;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    if (stage && flightId)
      result.outcome = await flightOutcome({
        databaseUrl: cluster.postgres.url,
        schema: stage.schema,
        flightId,
        photos,
        maxRecoveryAttempts: Number(TIMINGS.RECOVERY_MAX_ATTEMPTS),
        heldBackClasses: [],
      }).catch(() => undefined);
  } finally {
    result.crashes = stage?.crashes() ?? [];
    await stage?.stop();
    running = undefined;
  }
  const o = result.outcome;
  result.passed =
    result.error === undefined &&
    result.recoverSeconds !== undefined &&
    o !== undefined &&
    o.processed === o.expected &&
    o.lost === 0 &&
    o.duplicated === 0;
  for (const crash of result.crashes) notes.push(`unexpected exit, restarted: ${crash}`);
  const actions = Object.entries(o?.recoveryActions ?? {});
  notes.push(
    `sweeper: ${actions.length ? actions.map(([a, n]) => `${a} ${n}`).join(', ') : 'nothing to do'}; client retries: ${result.clientRetries}`,
  );
  return result;
}

/** Classes the organisation holds back make no findings: their detections are not "unmerged". */
async function heldBackClasses(client: RetryingClient, flightId: string): Promise<string[]> {
  const status = await client.call('GET', `/api/v1/flights/${flightId}`);
  const detections = (status.body as { detections: Array<{ className: string; live: boolean }> }).detections;
  return detections.filter((d) => !d.live).map((d) => d.className);
}

async function flightDone(apiUrl: string, token: string, flightId: string): Promise<boolean> {
  try {
    const res = await fetch(`${apiUrl}/api/v1/flights/${flightId}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    return res.ok && ((await res.json()) as { done: boolean }).done;
  } catch {
    return false;
  }
}

const COLUMNS = [
  'scenario',
  'expected',
  'processed',
  'failed',
  'lost',
  'duplicated',
  'twice',
  'crashes',
  'resume s',
  'recover s',
  'result',
];

function cells(r: Result): string[] {
  const o = r.outcome;
  const n = (v: number | undefined) => (v === undefined ? '?' : String(v));
  return [
    r.scenario.name,
    n(o?.expected),
    n(o?.processed),
    n(o?.failed),
    n(o?.lost),
    n(o?.duplicated),
    n(o?.processedTwice),
    String(r.crashes.length),
    r.resumeSeconds === undefined ? '-' : r.resumeSeconds.toFixed(1),
    r.recoverSeconds === undefined ? 'no' : r.recoverSeconds.toFixed(1),
    r.passed ? 'ok' : 'FAIL',
  ];
}

function row(r: Result): string {
  return COLUMNS.map((c, i) => `${c}=${cells(r)[i]}`).join(' ');
}

function table(results: Result[]): string {
  const lines = [COLUMNS, COLUMNS.map(() => '---'), ...results.map(cells)];
  return lines.map((cols) => `| ${cols.join(' | ')} |`).join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

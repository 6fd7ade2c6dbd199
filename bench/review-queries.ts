/**
 * Latency of the review queue and the regulator's case queries over HTTP, against volumes a
 * provincial bureau reaches in a year or two: 100,000 findings and 20,000 cases by default, in a
 * PostgreSQL schema of its own. Four organisations share the database; the one measured (a
 * province, '41') holds 80% of the rows. Findings sit at ~2,000 sites in county regions under
 * several cities, each with its best detection and photo; most are pending, the rest decided, and
 * the confirmed ones form the cases (one per site and flight, more when a case had moved on), whose
 * statuses, deadlines and timestamps follow their age.
 *
 * Scores lie between their class's threshold and 1 (nothing below it is flagged).
 *
 * Everything is loaded with INSERT ... SELECT over generate_series, then VACUUM ANALYZE; the real
 * API then answers on port 0 and each query kind is timed one request at a time with varied filter
 * values, kinds interleaved so background load falls on all of them alike.
 *
 *   npm run bench:review [-- --findings 100000 --cases 20000 --requests 300 --keep --database postgres://postgres@127.0.0.1:5432/test]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deletePrefixedKeys } from '../scripts/redis-prefix.js';
import pg from 'pg';
import { type RunningApi, startApi } from '../api/server.js';
import { openDatabase } from '../pipeline/db/client.js';
import { loadConfig } from '../pipeline/config.js';
import { DISMISSAL_REASONS } from '../pipeline/domain/cases.js';
import { REJECT_REASONS } from '../pipeline/domain/review.js';
import { createLogger } from '../pipeline/logger.js';

const { values } = parseArgs({
  options: {
    findings: { type: 'string', default: '100000' },
    cases: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});

const FINDINGS = positive('findings');
const CASES = positive('cases');
const REQUESTS = positive('requests');
const WARMUP = Number(values.warmup);
// About 200 findings per survey flight and 50 per site, whatever the scale.
const FLIGHTS = Math.max(20, Math.round(FINDINGS / 200));
const SITES = Math.max(100, Math.round(FINDINGS / 50));
// A flight covers a stretch of neighbouring sites (an industrial park), not the whole province.
const SITES_PER_FLIGHT = 40;
const PENDING_SHARE = 0.62;
const LIMIT_MS = 100;
const DAY = 86_400_000;

interface County {
  code: string;
  lat: number;
  lon: number;
  /** Relative number of sites. */
  weight: number;
}

interface OrganisationPlan {
  name: string;
  region: string;
  share: number;
  counties: County[];
}

/** GB/T 2260 counties with their approximate centres. The first organisation is the one measured. */
const ORGANISATIONS: OrganisationPlan[] = [
  {
    name: 'Henan Provincial Department of Emergency Management',
    region: '41',
    share: 0.8,
    counties: [
      { code: '410102', lat: 34.748, lon: 113.612, weight: 3 },
      { code: '410103', lat: 34.725, lon: 113.64, weight: 2 },
      { code: '410104', lat: 34.754, lon: 113.678, weight: 2 },
      { code: '410105', lat: 34.8, lon: 113.66, weight: 3 },
      { code: '410106', lat: 34.803, lon: 113.298, weight: 1 },
      { code: '410108', lat: 34.853, lon: 113.617, weight: 2 },
      { code: '410122', lat: 34.719, lon: 113.976, weight: 3 },
      { code: '410181', lat: 34.748, lon: 112.983, weight: 2 },
      { code: '410202', lat: 34.8, lon: 114.355, weight: 1 },
      { code: '410203', lat: 34.8, lon: 114.361, weight: 1 },
      { code: '410205', lat: 34.777, lon: 114.35, weight: 1 },
      { code: '410212', lat: 34.758, lon: 114.437, weight: 2 },
      { code: '410302', lat: 34.683, lon: 112.469, weight: 1 },
      { code: '410305', lat: 34.658, lon: 112.396, weight: 2 },
      { code: '410311', lat: 34.619, lon: 112.464, weight: 2 },
      { code: '410323', lat: 34.728, lon: 112.132, weight: 1 },
      { code: '410702', lat: 35.303, lon: 113.875, weight: 1 },
      { code: '410704', lat: 35.384, lon: 113.906, weight: 1 },
      { code: '410711', lat: 35.313, lon: 113.909, weight: 2 },
    ],
  },
  {
    name: 'Hubei Provincial Department of Emergency Management',
    region: '42',
    share: 0.08,
    counties: [
      { code: '420102', lat: 30.6, lon: 114.309, weight: 1 },
      { code: '420103', lat: 30.601, lon: 114.271, weight: 1 },
      { code: '420106', lat: 30.554, lon: 114.316, weight: 1 },
      { code: '420111', lat: 30.501, lon: 114.344, weight: 2 },
      { code: '420502', lat: 30.703, lon: 111.29, weight: 1 },
    ],
  },
  {
    name: 'Hunan Provincial Department of Emergency Management',
    region: '43',
    share: 0.07,
    counties: [
      { code: '430102', lat: 28.185, lon: 113.037, weight: 1 },
      { code: '430103', lat: 28.113, lon: 112.99, weight: 1 },
      { code: '430104', lat: 28.235, lon: 112.931, weight: 2 },
      { code: '430111', lat: 28.136, lon: 113.038, weight: 1 },
      { code: '430202', lat: 27.856, lon: 113.173, weight: 1 },
    ],
  },
  {
    // A city bureau inside the measured province: same regions, another organisation's rows.
    name: 'Kaifeng Municipal Emergency Management Bureau',
    region: '4102',
    share: 0.05,
    counties: [
      { code: '410202', lat: 34.8, lon: 114.355, weight: 1 },
      { code: '410203', lat: 34.8, lon: 114.361, weight: 1 },
      { code: '410204', lat: 34.789, lon: 114.348, weight: 1 },
      { code: '410205', lat: 34.777, lon: 114.35, weight: 1 },
      { code: '410212', lat: 34.758, lon: 114.437, weight: 2 },
    ],
  },
];

/** The default model's classes (models/hazard-v1/manifest.json) and how often each is found. */
interface HazardPlan {
  name: string;
  hazardCode: string;
  severity: 'major' | 'general';
  threshold: number;
  weight: number;
}

function positive(name: 'findings' | 'cases' | 'requests'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${values[name]}`);
  return n;
}

/** A UUID fixed by kind and row number, in version 4 layout so the API's validation accepts it. */
const uid = (kind: string, n: string) =>
  `overlay(overlay(md5('${kind}:' || (${n})) placing '4' from 13) placing '8' from 17)::uuid`;
const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
const uuidArray = (ids: readonly string[]) => `ARRAY[${ids.map(literal).join(', ')}]::uuid[]`;
const textArray = (items: readonly string[]) => `ARRAY[${items.map(literal).join(', ')}]::text[]`;

interface People {
  organisationId: string;
  operators: Array<{ userId: string; tokenId: string }>;
  reviewers: Array<{ userId: string; tokenId: string; name: string }>;
}

const root = path.resolve(import.meta.dirname, '..');
const schema = `bench_review_${randomBytes(4).toString('hex')}`;
const prefix = `bench-review-${randomBytes(4).toString('hex')}`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-review-'));

const TABLES = [
  'organisations',
  'users',
  'api_tokens',
  'sites',
  'site_parts',
  'flights',
  'images',
  'detections',
  'findings',
  'finding_views',
  'reviews',
  'cases',
  'case_findings',
  'case_events',
];

let api: RunningApi | undefined;
let client: pg.Client | undefined;
try {
  // Migrated by opening, before the API exists: the load below needs the tables.
  await (await openDatabase({ url: values.database, schema, pgliteDir: undefined })).close();
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: values.database,
    DATABASE_SCHEMA: schema,
    REDIS_URL: values.redis,
    QUEUE_PREFIX: prefix,
    MODEL_DIR: path.join(root, 'models/hazard-v1'),
  });
  api = await startApi(config, createLogger('silent'), { withWorker: false });
  client = new pg.Client({ connectionString: values.database, options: `-c search_path=${schema}` });
  await client.connect();
  const tokens = api.container.services.tokens;
  const people: People[] = [];
  for (const plan of ORGANISATIONS) {
    const organisation = await tokens.createOrganisation(plan.name, plan.region, 'bench');
    const person = async (name: string, role: 'operator' | 'reviewer') => {
      const created = await tokens.create({ name, role, organisation: organisation.id }, 'bench');
      return { userId: created.userId, tokenId: created.id, name };
    };
    const operators = [];
    const reviewers = [];
    for (let i = 1; i <= 3; i++) operators.push(await person(`${plan.region} pilot ${i}`, 'operator'));
    for (let i = 1; i <= 3; i++) reviewers.push(await person(`${plan.region} reviewer ${i}`, 'reviewer'));
    people.push({ organisationId: organisation.id, operators, reviewers });
  }
  const manifest = JSON.parse(await readFile(path.join(root, 'models/hazard-v1/manifest.json'), 'utf8')) as {
    name: string;
    version: string;
    sha256: string;
    classes: Array<Omit<HazardPlan, 'weight'>>;
  };
  const weights: Record<string, number> = {
    fire: 8,
    smoke: 12,
    blocked_exit: 14,
    unguarded_edge: 20,
    no_helmet: 30,
    drums_outside_bund: 16,
  };
  const hazards = manifest.classes.map((c) => ({ ...c, weight: weights[c.name] ?? 10 }));

  let started = performance.now();
  const counts = await load(client, people, hazards, manifest);
  console.log(
    `loaded ${counts.findings} findings (${counts.pending} pending), ${counts.cases} cases, ${counts.detections} detections, ${counts.images} images, ${SITES} sites, ${FLIGHTS} flights in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (counts.cases < CASES)
    console.log(`  only ${counts.cases} cases: not enough confirmed findings for ${CASES}; raise --findings`);
  started = performance.now();
  // What autovacuum does to freshly loaded tables (and would otherwise do in the middle of the
  // timings): statistics, and the visibility map the queue's index-only counts rely on. Only this
  // schema's tables: a bare VACUUM would walk every schema in the database.
  await client.query(`VACUUM (ANALYZE) ${TABLES.join(', ')}`);
  console.log(`VACUUM (ANALYZE) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const main = people[0]!.organisationId;
  const reviewer = (await tokens.create({ name: 'bench reviewer', role: 'reviewer', organisation: main }, 'bench'))
    .token;
  const regulator = (await tokens.create({ name: 'bench regulator', role: 'regulator', organisation: main }, 'bench'))
    .token;
  await run(api.url, { reviewer, regulator }, await samples(client, main));
} finally {
  await client?.end();
  await api?.close();
  await cleanUp();
}

/** Loads every table the queries touch, respecting each constraint; returns what was loaded. */
async function load(
  db: pg.Client,
  people: People[],
  hazards: HazardPlan[],
  model: { name: string; version: string; sha256: string },
) {
  const q = (sql: string) => db.query(sql);
  await q('SELECT setseed(0.42)');

  // Organisations: cumulative shares, contiguous site numbers, and who flies and reviews.
  const orgRows: string[] = [];
  let share = 0;
  let site0 = 0;
  ORGANISATIONS.forEach((plan, k) => {
    const nsites = k === ORGANISATIONS.length - 1 ? SITES - site0 : Math.round(SITES * plan.share);
    const p = people[k]!;
    orgRows.push(
      `(${k + 1}, ${literal(p.organisationId)}::uuid, ${share}, ${k === ORGANISATIONS.length - 1 ? 1.0001 : share + plan.share}, ${site0}, ${nsites}, ${uuidArray(p.operators.map((o) => o.userId))}, ${uuidArray(p.operators.map((o) => o.tokenId))}, ${uuidArray(p.reviewers.map((r) => r.userId))}, ${uuidArray(p.reviewers.map((r) => r.tokenId))}, ${textArray(p.reviewers.map((r) => r.name))})`,
    );
    share += plan.share;
    site0 += nsites;
  });
  await q(
    `CREATE TEMP TABLE b_org (k int PRIMARY KEY, id uuid, lo float8, hi float8, site0 int, nsites int, operators uuid[], operator_tokens uuid[], reviewers uuid[], reviewer_tokens uuid[], reviewer_names text[])`,
  );
  await q(`INSERT INTO b_org VALUES ${orgRows.join(', ')}`);

  const regionRows = ORGANISATIONS.flatMap((plan, k) => {
    const total = plan.counties.reduce((s, c) => s + c.weight, 0);
    let lo = 0;
    return plan.counties.map((c) => {
      const row = `(${k + 1}, ${literal(c.code)}, ${c.lat}, ${c.lon}, ${lo / total}, ${(lo + c.weight) / total})`;
      lo += c.weight;
      return row;
    });
  });
  await q(`CREATE TEMP TABLE b_region (k int, code text, lat float8, lon float8, lo float8, hi float8)`);
  await q(`INSERT INTO b_region VALUES ${regionRows.join(', ')}`);

  const hazardTotal = hazards.reduce((s, h) => s + h.weight, 0);
  let cumulative = 0;
  const hazardRows = hazards.map((h, c) => {
    const row = `(${c + 1}, ${literal(h.name)}, ${literal(h.hazardCode)}, ${literal(h.severity)}, ${h.threshold}, ${cumulative / hazardTotal}, ${c === hazards.length - 1 ? 1.0001 : (cumulative + h.weight) / hazardTotal})`;
    cumulative += h.weight;
    return row;
  });
  await q(
    `CREATE TEMP TABLE b_hazard (c int PRIMARY KEY, name text, hazard_code text, severity text, threshold real, lo float8, hi float8)`,
  );
  await q(`INSERT INTO b_hazard VALUES ${hazardRows.join(', ')}`);

  // Sites: neighbouring numbers lie in the same county, near its centre.
  await q(`CREATE TEMP TABLE b_site AS
    SELECT s, o.k, s - o.site0 AS r, ${uid('site', 's')} AS id, g.code AS region_code,
           g.lat + (random() - 0.5) * 0.08 AS lat, g.lon + (random() - 0.5) * 0.1 AS lon, 0.0005 + random() * 0.0015 AS half
    FROM generate_series(1, ${SITES}) s
    JOIN b_org o ON s > o.site0 AND s <= o.site0 + o.nsites
    JOIN b_region g ON g.k = o.k AND (s - o.site0 - 1)::float8 / o.nsites >= g.lo AND (s - o.site0 - 1)::float8 / o.nsites < g.hi`);
  await q(`CREATE INDEX ON b_site (k, r)`);
  const industries = textArray([
    'chemicals',
    'logistics',
    'metallurgy',
    'plastics',
    'textiles',
    'warehousing',
    'building materials',
    'printing',
  ]);
  await q(`INSERT INTO sites (id, organisation_id, name, credit_code, industry, region_code, contact, geometry, created_at)
    SELECT b.id, o.id, initcap((${industries})[1 + b.s % 8]) || ' Co. No. ' || b.s, '91' || b.region_code || lpad(b.s::text, 9, '0') || 'X', (${industries})[1 + b.s % 8], b.region_code,
           jsonb_build_object('name', 'Safety officer ' || b.s, 'phone', '138' || lpad(b.s::text, 8, '0')),
           jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
             jsonb_build_array(b.lon - b.half, b.lat - b.half), jsonb_build_array(b.lon + b.half, b.lat - b.half),
             jsonb_build_array(b.lon + b.half, b.lat + b.half), jsonb_build_array(b.lon - b.half, b.lat + b.half), jsonb_build_array(b.lon - b.half, b.lat - b.half)))),
           now() - interval '800 days' + b.s * interval '1 minute'
    FROM b_site b JOIN b_org o USING (k)`);
  await q(`INSERT INTO site_parts (site_id, part, polygon, hole, outline, bounds)
    SELECT id, 0, 0, false, format('((%s,%s),(%s,%s),(%s,%s),(%s,%s))', lon - half, lat - half, lon + half, lat - half, lon + half, lat + half, lon - half, lat + half)::polygon,
           box(point(lon - half, lat - half), point(lon + half, lat + half))
    FROM b_site`);

  // Flights over two years, each over a stretch of sites starting at `base`, in that site's county.
  await q(`CREATE TEMP TABLE b_flight AS
    SELECT g.f, o.k, ${uid('flight', 'g.f')} AS id, 1 + floor(random() * o.nsites)::int AS base, 1 + floor(random() * 3)::int AS op,
           now() - interval '1 day' - (${FLIGHTS} - g.f) * (730.0 / ${FLIGHTS}) * interval '1 day' - random() * interval '12 hours' AS created_at
    FROM (SELECT f, random() AS u FROM generate_series(1, ${FLIGHTS}) f) g JOIN b_org o ON g.u >= o.lo AND g.u < o.hi`);
  await q(`ALTER TABLE b_flight ADD COLUMN region_code text, ADD COLUMN lat float8, ADD COLUMN lon float8`);
  await q(
    `UPDATE b_flight b SET region_code = s.region_code, lat = s.lat, lon = s.lon FROM b_site s WHERE s.k = b.k AND s.r = b.base`,
  );
  await q(`CREATE UNIQUE INDEX ON b_flight (f)`);
  await q(`INSERT INTO flights (id, organisation_id, region_code, created_by_user, name, status, created_by, created_at, completed_at)
    SELECT b.id, o.id, b.region_code, o.operators[b.op], 'Survey ' || to_char(b.created_at, 'YYYY-MM-DD') || ' #' || b.f, 'completed', o.operator_tokens[b.op], b.created_at, b.created_at + interval '3 hours'
    FROM b_flight b JOIN b_org o USING (k)`);

  // One row per finding with every choice made once: flight, site (one in twenty has none), hazard, score, status.
  await q(`CREATE TEMP TABLE b_finding AS
    SELECT x.i, fl.f, fl.k, fl.id AS flight_id, fl.op, ${uid('finding', 'x.i')} AS id, ${uid('detection', 'x.i')} AS det_id, ${uid('image', 'x.i')} AS img_id,
           encode(sha256(('image:' || x.i)::bytea), 'hex') AS sha,
           CASE WHEN x.u_site < 0.95 THEN ((fl.base - 1 + floor(x.u_window * ${SITES_PER_FLIGHT})::int) % o.nsites) + 1 END AS site_r,
           h.c, h.name AS class_name, h.hazard_code, h.severity, h.threshold,
           (h.threshold + (1 - h.threshold) * power(x.u_score, 1.7))::real AS score,
           CASE WHEN x.u_status < ${PENDING_SHARE} THEN 'pending' ELSE 'decided' END AS status,
           fl.created_at + interval '20 minutes' + (x.i % 200) * interval '4 seconds' AS created_at,
           x.u_status, fl.lat AS flight_lat, fl.lon AS flight_lon, fl.region_code AS flight_region
    FROM (SELECT i, (i - 1)::bigint * ${FLIGHTS} / ${FINDINGS} + 1 AS f, random() AS u_site, random() AS u_window, random() AS u_hazard, random() AS u_score, random() AS u_status
          FROM generate_series(1, ${FINDINGS}) i) x
    JOIN b_flight fl ON fl.f = x.f
    JOIN b_org o ON o.k = fl.k
    JOIN b_hazard h ON x.u_hazard >= h.lo AND x.u_hazard < h.hi`);
  await q(
    `ALTER TABLE b_finding ADD COLUMN site_id uuid, ADD COLUMN region_code text, ADD COLUMN lat float8, ADD COLUMN lon float8, ADD COLUMN decided_at timestamptz, ADD COLUMN rv int`,
  );
  await q(`UPDATE b_finding b SET site_id = s.id, region_code = coalesce(s.region_code, b.flight_region),
           lat = coalesce(s.lat, b.flight_lat) + (random() - 0.5) * (CASE WHEN s.id IS NULL THEN 0.02 ELSE 0.002 END),
           lon = coalesce(s.lon, b.flight_lon) + (random() - 0.5) * (CASE WHEN s.id IS NULL THEN 0.02 ELSE 0.002 END),
           decided_at = CASE WHEN b.status <> 'pending' THEN least(now() - interval '1 minute', b.created_at + interval '2 hours' + random() * interval '10 days') END,
           rv = 1 + floor(random() * 3)::int
    FROM b_finding b2 LEFT JOIN b_site s ON s.k = b2.k AND s.r = b2.site_r
    WHERE b2.i = b.i`);
  await q(`CREATE UNIQUE INDEX ON b_finding (i)`);

  // Confirmed findings make the cases: about 1.4 per case, the rest of the decided ones rejected.
  const decided = Number((await q(`SELECT count(*) AS n FROM b_finding WHERE status = 'decided'`)).rows[0].n);
  const confirmed = Math.min(decided, Math.round(CASES * 1.4));
  await q(
    `UPDATE b_finding SET status = CASE WHEN i IN (SELECT i FROM b_finding WHERE status = 'decided' ORDER BY u_status LIMIT ${confirmed}) THEN 'confirmed' ELSE 'rejected' END WHERE status = 'decided'`,
  );
  // Groups of one site and flight (a finding without a site opens a case of its own), in filing order.
  await q(`CREATE TEMP TABLE b_pos AS
    SELECT i, f, gkey, row_number() OVER w AS p, (lag(gkey) OVER w IS DISTINCT FROM gkey OR lag(f) OVER w IS DISTINCT FROM f) AS starts, random() AS u
    FROM (SELECT i, f, coalesce(site_r, -i) AS gkey, decided_at FROM b_finding WHERE status = 'confirmed') x
    WINDOW w AS (ORDER BY f, gkey, decided_at, i)`);
  await q(`CREATE TEMP TABLE b_group AS SELECT i, p, starts, u, sum(starts::int) OVER (ORDER BY p) AS g FROM b_pos`);
  const groups = Number((await q(`SELECT coalesce(max(g), 0) AS n FROM b_group`)).rows[0].n);
  if (groups > CASES) {
    // More sites than cases wanted: the findings of the groups left over were rejected instead.
    await q(
      `DELETE FROM b_group WHERE g NOT IN (SELECT g FROM (SELECT DISTINCT g FROM b_group) d ORDER BY random() LIMIT ${CASES})`,
    );
    await q(`UPDATE b_finding SET status = 'rejected' WHERE status = 'confirmed' AND i NOT IN (SELECT i FROM b_group)`);
  } else {
    // A finding confirmed after its site's case was notified opens a new case.
    await q(
      `UPDATE b_group SET starts = true WHERE p IN (SELECT p FROM b_group WHERE NOT starts ORDER BY u LIMIT ${CASES - groups})`,
    );
  }
  await q(`CREATE TEMP TABLE b_member AS SELECT i, p, sum(starts::int) OVER (ORDER BY p) AS c FROM b_group`);
  await q(`CREATE TEMP TABLE b_case AS
    SELECT m.c, min(b.k) AS k, min(b.f) AS f, min(b.flight_id::text)::uuid AS flight_id,
           (array_agg(b.site_id ORDER BY m.p))[1] AS site_id, (array_agg(b.region_code ORDER BY m.p))[1] AS region_code,
           (array_agg(b.lat ORDER BY m.p))[1] AS lat, (array_agg(b.lon ORDER BY m.p))[1] AS lon,
           array_agg(DISTINCT b.hazard_code ORDER BY b.hazard_code) AS hazard_codes, CASE WHEN bool_or(b.severity = 'major') THEN 'major' ELSE 'general' END AS severity,
           count(*)::int AS findings_count, min(b.decided_at) AS created_at, max(b.decided_at) AS last_added, (array_agg(b.rv ORDER BY m.p))[1] AS rv,
           random() AS u, random() AS u_due
    FROM b_member m JOIN b_finding b USING (i) GROUP BY m.c`);
  // Statuses follow age: recent cases are filed or notified, old ones mostly closed; some deadlines have passed.
  await q(`ALTER TABLE b_case ADD COLUMN status text, ADD COLUMN due_at timestamptz`);
  await q(`UPDATE b_case SET status = CASE
      WHEN site_id IS NULL THEN CASE WHEN now() - created_at < interval '30 days' THEN 'filed' ELSE 'dismissed' END
      WHEN now() - created_at < interval '14 days' THEN CASE WHEN u < 0.6 THEN 'filed' WHEN u < 0.93 THEN 'notified' ELSE 'dismissed' END
      WHEN now() - created_at < interval '60 days' THEN CASE WHEN u < 0.1 THEN 'filed' WHEN u < 0.3 THEN 'notified' WHEN u < 0.75 THEN 'rectification_due' WHEN u < 0.9 THEN 'rectified' ELSE 'dismissed' END
      WHEN now() - created_at < interval '180 days' THEN CASE WHEN u < 0.2 THEN 'rectification_due' WHEN u < 0.4 THEN 'rectified' WHEN u < 0.65 THEN 'verified' WHEN u < 0.9 THEN 'closed' ELSE 'dismissed' END
      ELSE CASE WHEN u < 0.02 THEN 'rectification_due' WHEN u < 0.04 THEN 'rectified' WHEN u < 0.12 THEN 'verified' WHEN u < 0.88 THEN 'closed' ELSE 'dismissed' END
    END`);
  await q(
    `UPDATE b_case SET due_at = created_at + interval '5 days' + u_due * interval '40 days' WHERE status IN ('rectification_due', 'rectified', 'verified', 'closed')`,
  );
  const reasons = textArray(DISMISSAL_REASONS);
  await q(`INSERT INTO cases (id, organisation_id, region_code, site_id, flight_id, status, severity, hazard_codes, findings_count, lat, lon, due_at, dismissal_reason, opened_by_user, created_at, updated_at)
    SELECT ${uid('case', 'b.c')}, o.id, b.region_code, b.site_id, b.flight_id, b.status, b.severity, b.hazard_codes, b.findings_count, b.lat, b.lon, b.due_at,
           CASE WHEN b.status = 'dismissed' THEN (${reasons})[1 + b.c % ${DISMISSAL_REASONS.length}] END, o.reviewers[b.rv], b.created_at,
           greatest(b.last_added, least(now(), b.created_at + CASE WHEN b.status = 'filed' THEN interval '0' ELSE b.u * interval '70 days' END))
    FROM b_case b JOIN b_org o USING (k) ORDER BY b.created_at, b.c`);

  // Photos, detections (the best view of each finding; a second view for one in four), findings and
  // their views, in the order they arrive: pending and decided rows share the table's pages.
  await q(`INSERT INTO images (id, flight_id, object_key, etag, sha256, size_bytes, original_filename, width, height, capture, status, registered_via, uploaded_by_user, created_at, processed_at)
    SELECT b.img_id, b.flight_id, 'flights/' || b.flight_id || '/' || b.sha || '.jpg', md5(b.sha), b.sha, 7000000 + (b.i::bigint * 7919) % 5000000,
           'DJI_' || to_char(b.created_at, 'YYYYMMDDHH24MISS') || '_' || lpad((b.i % 10000)::text, 4, '0') || '_V.JPG', 5472, 3648,
           jsonb_build_object('lat', b.lat, 'lon', b.lon, 'altitudeM', 120, 'takenAt', b.created_at, 'camera', 'FC6310R'), 'processed', 'api', o.operators[b.op], b.created_at, b.created_at + interval '15 minutes'
    FROM b_finding b JOIN b_org o USING (k) ORDER BY b.i`);
  const detectionColumns = `id, image_id, ordinal, model_name, model_version, model_sha256, class_name, hazard_code, severity, score, threshold, x1, y1, x2, y2, state, ground_lat, ground_lon, ground_error_m, ground_polygon, site_id, created_at`;
  const detectionValues = (
    id: string,
    image: string,
    ordinal: number,
    scale: string,
  ) => `${id}, ${image}, ${ordinal}, ${literal(model.name)}, ${literal(model.version)}, ${literal(model.sha256)}, b.class_name, b.hazard_code, b.severity, (b.score * ${scale})::real, b.threshold,
           x1, y1, x1 + 60 + (b.i % 400), y1 + 60 + (b.i % 300),
           CASE b.status WHEN 'pending' THEN 'flagged' ELSE b.status END, b.lat, b.lon, 2 + (b.i % 60) / 10.0,
           jsonb_build_array(jsonb_build_object('lat', b.lat - 0.00003, 'lon', b.lon - 0.00003), jsonb_build_object('lat', b.lat - 0.00003, 'lon', b.lon + 0.00003),
                             jsonb_build_object('lat', b.lat + 0.00003, 'lon', b.lon + 0.00003), jsonb_build_object('lat', b.lat + 0.00003, 'lon', b.lon - 0.00003),
                             jsonb_build_object('lat', b.lat - 0.00003, 'lon', b.lon - 0.00003)),
           b.site_id, b.created_at + interval '10 minutes'`;
  await q(`INSERT INTO detections (${detectionColumns})
    SELECT ${detectionValues('b.det_id', 'b.img_id', 0, '1')} FROM b_finding b, LATERAL (SELECT (b.i * 37) % 5000 AS x1, (b.i * 53) % 3300 AS y1) bx ORDER BY b.i`);
  // The second view is on the next photo of the same flight, a little less sure.
  await q(`INSERT INTO detections (${detectionColumns})
    SELECT ${detectionValues(uid('view', 'b.i'), 'n.img_id', 1, 'greatest(b.threshold / b.score, 0.9)')}
    FROM b_finding b JOIN b_finding n ON n.i = b.i + 1 AND n.f = b.f, LATERAL (SELECT (b.i * 41) % 5000 AS x1, (b.i * 29) % 3300 AS y1) bx
    WHERE b.i % 4 = 0`);
  await q(`INSERT INTO findings (id, flight_id, class_name, hazard_code, severity, lat, lon, error_m, site_id, best_detection_id, best_score, view_count, organisation_id, region_code, flown_by, status, decided_at, lease_user_id, lease_holder, lease_expires_at, created_at)
    SELECT b.id, b.flight_id, b.class_name, b.hazard_code, b.severity, b.lat, b.lon, 1.5 + (b.i % 50) / 10.0, b.site_id, b.det_id, b.score,
           CASE WHEN b.i % 4 = 0 AND n.i IS NOT NULL THEN 2 ELSE 1 END, o.id, b.region_code, o.operators[b.op], b.status, b.decided_at,
           CASE WHEN lease THEN o.reviewers[b.rv] END, CASE WHEN lease THEN o.reviewer_names[b.rv] END, CASE WHEN lease THEN now() + interval '2 minutes' END,
           b.created_at + interval '30 minutes'
    FROM b_finding b JOIN b_org o USING (k) LEFT JOIN b_finding n ON n.i = b.i + 1 AND n.f = b.f,
         LATERAL (SELECT b.status = 'pending' AND b.i % 150 = 0 AS lease) l
    ORDER BY b.i`);
  await q(
    `INSERT INTO finding_views (finding_id, detection_id, rank, merit) SELECT id, det_id, 0, score * 0.9 FROM b_finding ORDER BY i`,
  );
  await q(`INSERT INTO finding_views (finding_id, detection_id, rank, merit)
    SELECT b.id, ${uid('view', 'b.i')}, 1, b.score * 0.7 FROM b_finding b JOIN b_finding n ON n.i = b.i + 1 AND n.f = b.f WHERE b.i % 4 = 0`);
  await q(`INSERT INTO reviews (id, detection_id, reviewer_id, reviewer_name, decision, finding_id, reviewer_user_id, reason, created_at)
    SELECT ${uid('review', 'b.i')}, b.det_id, o.reviewer_tokens[b.rv], o.reviewer_names[b.rv], CASE b.status WHEN 'confirmed' THEN 'confirm' ELSE 'reject' END, b.id, o.reviewers[b.rv],
           CASE WHEN b.status = 'rejected' THEN (${textArray(REJECT_REASONS)})[1 + b.i % ${REJECT_REASONS.length}] END, b.decided_at
    FROM b_finding b JOIN b_org o USING (k) WHERE b.status <> 'pending'`);
  await q(`INSERT INTO case_findings (case_id, finding_id, detection_id, class_name, hazard_code, severity, evidence, added_at)
    SELECT ${uid('case', 'm.c')}, b.id, b.det_id, b.class_name, b.hazard_code, b.severity,
           jsonb_build_object('image', jsonb_build_object('id', b.img_id, 'sha256', b.sha, 'width', 5472, 'height', 3648),
                              'detection', jsonb_build_object('id', b.det_id, 'className', b.class_name, 'score', b.score, 'threshold', b.threshold),
                              'model', jsonb_build_object('name', ${literal(model.name)}, 'version', ${literal(model.version)}, 'sha256', ${literal(model.sha256)}),
                              'review', jsonb_build_object('id', ${uid('review', 'b.i')}, 'reviewer', o.reviewer_names[b.rv], 'decision', 'confirm', 'decidedAt', b.decided_at),
                              'finding', jsonb_build_object('id', b.id, 'siteId', b.site_id)),
           b.decided_at
    FROM b_member m JOIN b_finding b USING (i) JOIN b_org o USING (k)`);
  await q(`INSERT INTO case_events (case_id, kind, to_status, actor_user_id, actor_name, actor_role, detail, at)
    SELECT ${uid('case', 'm.c')}, CASE WHEN m.p = opening.p THEN 'opened' ELSE 'finding_added' END, CASE WHEN m.p = opening.p THEN 'filed' END,
           o.reviewers[b.rv], o.reviewer_names[b.rv], 'reviewer', jsonb_build_object('findingId', b.id, 'hazardCode', b.hazard_code), b.decided_at
    FROM b_member m JOIN b_finding b USING (i) JOIN b_org o USING (k) JOIN (SELECT c, min(p) AS p FROM b_member GROUP BY c) opening ON opening.c = m.c
    ORDER BY b.decided_at, m.p`);

  const count = async (sql: string) => Number((await q(sql)).rows[0].n);
  return {
    findings: await count(`SELECT count(*) AS n FROM findings`),
    pending: await count(`SELECT count(*) AS n FROM findings WHERE status = 'pending'`),
    cases: await count(`SELECT count(*) AS n FROM cases`),
    detections: await count(`SELECT count(*) AS n FROM detections`),
    images: await count(`SELECT count(*) AS n FROM images`),
  };
}

interface Samples {
  hazardCodes: string[];
  sites: string[];
  counties: string[];
  cities: string[];
  /** [first, last] filing dates of the measured organisation's cases. */
  span: [Date, Date];
}

/** Filter values to vary over: sites with pending findings, regions and dates that hold rows. */
async function samples(db: pg.Client, organisationId: string): Promise<Samples> {
  const sites = await db.query(
    `SELECT site_id FROM findings WHERE organisation_id = $1 AND status = 'pending' AND site_id IS NOT NULL GROUP BY site_id ORDER BY md5(site_id::text) LIMIT 300`,
    [organisationId],
  );
  const span = await db.query(
    `SELECT min(created_at) AS first, max(created_at) AS last FROM cases WHERE organisation_id = $1`,
    [organisationId],
  );
  const counties = ORGANISATIONS[0]!.counties.map((c) => c.code);
  return {
    hazardCodes: (await db.query(`SELECT DISTINCT hazard_code FROM findings ORDER BY 1`)).rows.map(
      (r) => r.hazard_code as string,
    ),
    sites: sites.rows.map((r) => r.site_id as string),
    counties,
    cities: [...new Set(counties.map((c) => c.slice(0, 4)))],
    span: [span.rows[0].first as Date, span.rows[0].last as Date],
  };
}

interface Kind {
  name: string;
  group: 'queue' | 'cases' | 'summary';
  token: 'reviewer' | 'regulator';
  /** The i-th request's path and query. */
  path(i: number): string;
}

function kinds(s: Samples, cursors: { queue: string[]; cases: Array<{ path: string; cursor: string }> }): Kind[] {
  const pick = <T>(items: readonly T[], i: number, salt = 0): T => items[(i * 7919 + salt * 104_729) % items.length]!;
  const query = (base: string, params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams(
      Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
    );
    return search.size ? `${base}?${search}` : base;
  };
  const region = (i: number) => (i % 3 === 0 ? pick(s.cities, i, 1) : pick(s.counties, i, 2));
  const statusSets = [
    ['filed', 'notified'],
    ['rectification_due', 'rectified'],
    ['notified', 'rectification_due', 'rectified'],
    ['verified', 'closed'],
    ['filed', 'notified', 'rectification_due'],
  ];
  const [first, last] = [s.span[0].getTime(), s.span[1].getTime()];
  const window = (i: number) => {
    // 3 to 9 months somewhere in the span.
    const length = (90 + (i % 7) * 30) * DAY;
    const from = first + (((i * 7919) % 1000) / 1000) * Math.max(0, last - first - length);
    return { from: new Date(from).toISOString(), to: new Date(from + length).toISOString() };
  };
  const centres = ORGANISATIONS[0]!.counties;
  const bbox = (i: number) => {
    const c = pick(centres, i, 3);
    const half = 0.03 + (i % 5) * 0.02;
    return [c.lon - half, c.lat - half, c.lon + half, c.lat + half].map((v) => v.toFixed(4)).join(',');
  };
  const queue = '/api/v1/review/queue';
  const cases = '/api/v1/cases';
  return [
    { name: 'queue', group: 'queue', token: 'reviewer', path: () => queue },
    {
      name: 'queue ?hazardCode',
      group: 'queue',
      token: 'reviewer',
      path: (i) => query(queue, { hazardCode: pick(s.hazardCodes, i) }),
    },
    {
      name: 'queue ?severity',
      group: 'queue',
      token: 'reviewer',
      path: (i) => query(queue, { severity: i % 2 ? 'major' : 'general' }),
    },
    {
      name: 'queue ?minScore',
      group: 'queue',
      token: 'reviewer',
      path: (i) => query(queue, { minScore: (0.5 + (i % 10) * 0.05).toFixed(2) }),
    },
    {
      name: 'queue ?siteId',
      group: 'queue',
      token: 'reviewer',
      path: (i) => query(queue, { siteId: pick(s.sites, i) }),
    },
    { name: 'queue ?region', group: 'queue', token: 'reviewer', path: (i) => query(queue, { region: region(i) }) },
    {
      name: 'queue ?region&hazardCode&minScore',
      group: 'queue',
      token: 'reviewer',
      path: (i) =>
        query(queue, {
          region: region(i),
          hazardCode: pick(s.hazardCodes, i, 4),
          minScore: (0.4 + (i % 5) * 0.1).toFixed(1),
        }),
    },
    { name: 'queue next page', group: 'queue', token: 'reviewer', path: (i) => pick(cursors.queue, i) },
    { name: 'cases', group: 'cases', token: 'regulator', path: () => cases },
    {
      name: 'cases ?region&status&hazardCode&from&to',
      group: 'cases',
      token: 'regulator',
      path: (i) =>
        query(cases, {
          region: region(i),
          status: pick(statusSets, i).join(','),
          hazardCode: pick(s.hazardCodes, i, 5),
          ...window(i),
        }),
    },
    { name: 'cases ?bbox', group: 'cases', token: 'regulator', path: (i) => query(cases, { bbox: bbox(i) }) },
    {
      name: 'cases ?overdue=true',
      group: 'cases',
      token: 'regulator',
      path: (i) => query(cases, { overdue: 'true', region: i % 2 ? region(i) : undefined }),
    },
    {
      name: 'cases ?sort=dueAt',
      group: 'cases',
      token: 'regulator',
      path: (i) => query(cases, { sort: 'dueAt', region: i % 2 ? region(i) : undefined }),
    },
    {
      name: 'cases ?sort=severity',
      group: 'cases',
      token: 'regulator',
      path: (i) => query(cases, { sort: 'severity', region: i % 2 ? region(i) : undefined }),
    },
    { name: 'cases next page', group: 'cases', token: 'regulator', path: (i) => pick(cursors.cases, i).path },
    {
      name: 'cases/summary',
      group: 'summary',
      token: 'regulator',
      path: (i) =>
        query(`${cases}/summary`, { region: i % 2 ? region(i) : undefined, ...(i % 3 === 0 ? window(i) : {}) }),
    },
  ];
}

type Call = (token: 'reviewer' | 'regulator', path: string) => Promise<{ ms: number; body: Record<string, unknown> }>;

/** Page-2 (and deeper) cursors, taken from the first pages of varied queries. */
async function collectCursors(
  call: Call,
  s: Samples,
): Promise<{ queue: string[]; cases: Array<{ path: string; cursor: string }> }> {
  const queue: string[] = [];
  const queueStarts = [
    '/api/v1/review/queue',
    ...s.hazardCodes.map((h) => `/api/v1/review/queue?hazardCode=${h}`),
    ...s.counties.slice(0, 6).map((r) => `/api/v1/review/queue?region=${r}`),
  ];
  for (const start of queueStarts) {
    let next = start;
    // Up to five pages deep: reviewers page on from the first page, rarely far.
    for (let depth = 0; depth < 5; depth++) {
      const { body } = await call('reviewer', next);
      const cursor = body.nextCursor as string | null;
      if (!cursor) break;
      next = `${start}${start.includes('?') ? '&' : '?'}cursor=${cursor}`;
      queue.push(next);
    }
  }
  const cases: Array<{ path: string; cursor: string }> = [];
  const caseStarts = [
    '/api/v1/cases',
    '/api/v1/cases?sort=dueAt',
    '/api/v1/cases?sort=severity',
    '/api/v1/cases?sort=-updatedAt',
    ...s.cities.map((c) => `/api/v1/cases?region=${c}&status=rectification_due,rectified,verified`),
  ];
  for (const start of caseStarts) {
    let next = start;
    for (let depth = 0; depth < 5; depth++) {
      const { body } = await call('regulator', next);
      const cursor = body.nextCursor as string | null;
      if (!cursor) break;
      next = `${start}${start.includes('?') ? '&' : '?'}cursor=${cursor}`;
      cases.push({ path: next, cursor });
    }
  }
  if (queue.length === 0 || cases.length === 0) throw new Error('no second pages: the load made too few rows');
  return { queue, cases };
}

function rowsOf(kind: Kind, body: Record<string, unknown>): string {
  if (kind.group === 'summary') return `total ${String(body.total)}`;
  const items = (body.items as unknown[]).length;
  return kind.group === 'queue' ? `${items} of ${String((body.counts as { total: number }).total)}` : String(items);
}

async function run(url: string, tokens: Record<'reviewer' | 'regulator', string>, s: Samples): Promise<void> {
  const call: Call = async (token, p) => {
    const t = performance.now();
    const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${tokens[token]}` } });
    const body = (await res.json()) as Record<string, unknown>;
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${JSON.stringify(body)}`);
    return { ms, body };
  };
  const all = kinds(s, await collectCursors(call, s));
  for (let i = 0; i < WARMUP; i++) for (const kind of all) await call(kind.token, kind.path(i + REQUESTS));
  const times = new Map(all.map((k) => [k.name, [] as number[]]));
  const firstRows = new Map<string, string>();
  const rowTotals = new Map(all.map((k) => [k.name, 0]));
  const started = performance.now();
  const loadBefore = os.loadavg();
  for (let i = 0; i < REQUESTS; i++) {
    for (const kind of all) {
      const { ms, body } = await call(kind.token, kind.path(i));
      times.get(kind.name)!.push(ms);
      if (i === 0) firstRows.set(kind.name, rowsOf(kind, body));
      if (kind.group !== 'summary')
        rowTotals.set(kind.name, rowTotals.get(kind.name)! + (body.items as unknown[]).length);
    }
  }
  console.log(
    `${REQUESTS} requests per kind (${all.length} kinds interleaved, one at a time, after ${WARMUP} each to warm up) in ${((performance.now() - started) / 1000).toFixed(1)} s, load average ${loadBefore[0]!.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores; ms:`,
  );
  const width = Math.max(...all.map((k) => k.name.length));
  console.log(
    `${'query'.padEnd(width)}  ${['p50', 'p95', 'p99', 'max'].map((h) => h.padStart(7)).join('')}   rows on the first page (mean over all requests)`,
  );
  const p95 = new Map<string, number>();
  for (const kind of all) {
    const sorted = times.get(kind.name)!.sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
    p95.set(kind.name, q(0.95));
    console.log(
      `${kind.name.padEnd(width)}  ${[q(0.5), q(0.95), q(0.99), sorted.at(-1)!].map((v) => v.toFixed(1).padStart(7)).join('')}   ${firstRows.get(kind.name)}${kind.group === 'summary' ? '' : ` (${(rowTotals.get(kind.name)! / REQUESTS).toFixed(1)})`}`,
    );
  }
  const worst = (group: Kind['group']) =>
    all.filter((k) => k.group === group).reduce((w, k) => (p95.get(k.name)! > p95.get(w.name)! ? k : w));
  const verdict = (group: Kind['group']) => {
    const w = worst(group);
    return `${p95.get(w.name)! < LIMIT_MS ? 'yes' : 'NO'} (worst p95 ${p95.get(w.name)!.toFixed(1)} ms, ${w.name})`;
  };
  console.log(
    `under ${LIMIT_MS} ms at p95: review queue page ${verdict('queue')}; filtered case query ${verdict('cases')}`,
  );
}

async function cleanUp(): Promise<void> {
  if (values.keep) {
    console.log(`kept schema ${schema} (DATABASE_SCHEMA=${schema})`);
  } else {
    const admin = new pg.Client({ connectionString: values.database });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
  await deletePrefixedKeys(values.redis, prefix);
  await rm(dataDir, { recursive: true, force: true });
}

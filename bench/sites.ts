/**
 * Attributing a point to one of 100,000 site outlines in PostgreSQL: the query the pipeline runs for
 * every detection. Loads synthetic sites (irregular quadrilaterals of 50–400 m across a
 * province-sized area) into a schema of its own, then times attribution of points inside sites
 * and at random, one query at a time.
 *
 *   npm run bench:sites [-- --sites 100000 --queries 2000 --database postgres://postgres@127.0.0.1:5432/test]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../pipeline/db/client.js';
import { creditCodeCheckCharacter, type Ring } from '../pipeline/domain/sites.js';
import { type NewSite, SiteRepository } from '../pipeline/repositories/sites.js';
import { unitOfWork } from '../pipeline/repositories/unit-of-work.js';
import { DEFAULT_ORGANISATION_ID } from '../pipeline/services/tokens.js';
import { Rng } from '../samples/generator/random.js';

const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '2000' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const schema = `bench_sites_${randomBytes(4).toString('hex')}`;
const database = await openDatabase({ url: values.database, schema, pgliteDir: undefined });
const rng = new Rng(7);
const count = Number(values.sites);
const centres: Array<[number, number]> = [];
try {
  const repository = new SiteRepository(database.db);
  let started = performance.now();
  for (let i = 0; i < count; i += 5000) {
    const batch: Array<Omit<NewSite, 'organisationId'>> = [];
    for (let j = i; j < Math.min(count, i + 5000); j++) {
      const lon = rng.range(110, 116);
      const lat = rng.range(31, 36);
      const half = rng.range(0.00025, 0.002);
      const ring: Ring = [
        [lon - half * rng.range(0.6, 1), lat - half * rng.range(0.6, 1)],
        [lon + half * rng.range(0.6, 1), lat - half * rng.range(0.6, 1)],
        [lon + half * rng.range(0.6, 1), lat + half * rng.range(0.6, 1)],
        [lon - half * rng.range(0.6, 1), lat + half * rng.range(0.6, 1)],
      ];
      centres.push([lon, lat]);
      const first17 = `9141${String(j).padStart(13, '0')}`;
      batch.push({
        name: `Site ${j}`,
        creditCode: first17 + creditCodeCheckCharacter(first17),
        industry: 'manufacturing',
        regionCode: '410105',
        contact: {},
        geometry: { type: 'Polygon', coordinates: [ring] },
      });
    }
    await unitOfWork(database.db).withTransaction((tx) => repository.insertAll(tx, DEFAULT_ORGANISATION_ID, batch));
  }
  await database.exec('ANALYZE sites; ANALYZE site_parts;');
  console.log(`loaded ${count} sites in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const times: number[] = [];
  let attributed = 0;
  const queries = Number(values.queries);
  for (let i = 0; i < 200; i++)
    await repository.attribute(DEFAULT_ORGANISATION_ID, rng.range(31, 36), rng.range(110, 116));
  started = performance.now();
  for (let i = 0; i < queries; i++) {
    // Half the points at a site's centre, half anywhere: both paths of the index.
    const [lon, lat] =
      i % 2 === 0 ? centres[Math.floor(rng.range(0, centres.length))]! : [rng.range(110, 116), rng.range(31, 36)];
    const t = performance.now();
    if (await repository.attribute(DEFAULT_ORGANISATION_ID, lat, lon)) attributed++;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
  console.log(
    `${queries} attributions against ${count} sites (${attributed} inside a site), one at a time over one connection:`,
  );
  console.log(
    `p50 ${q(0.5).toFixed(2)} ms   p95 ${q(0.95).toFixed(2)} ms   p99 ${q(0.99).toFixed(2)} ms   max ${times.at(-1)!.toFixed(2)} ms`,
  );
} finally {
  await database.close();
  const client = new pg.Client({ connectionString: values.database });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

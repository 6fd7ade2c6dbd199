/**
 * One bucket notification of 2,000 records: registered one by one against 8 at a time (the
 * default), in alternating rounds, each round on a flight of its own with fresh objects. Then the
 * default once more over HTTP, as MinIO would post it. No worker runs: the jobs wait in Redis
 * under a prefix of the bench's own, removed at the end.
 *
 *   npm run bench:webhook [-- --records 2000 --rounds 4 --database postgres://…]
 *
 * Without --database the embedded PGlite is used (one connection, so only the S3 and Redis parts
 * overlap); with PostgreSQL the pool's connections do too.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import { contentAddressedKey } from '../pipeline/domain/images.js';
import { startBenchApi } from './embedded-api.js';
import { alternatingRounds, describeRatio, median, roundRatios, spreadWarning } from './rounds.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
    database: { type: 'string' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const recordCount = Number(values.records);
const bench = await startBenchApi('webhook', { redis: values.redis, database: values.database });
const { api } = bench;
try {
  const { ingest, tokens } = api.container.services;
  const storage = api.container.storage;
  const principal = { name: 'bench', role: 'operator' as const };
  const token = (await tokens.create(principal, 'bench')).token;
  const me = await tokens.authenticate(token);

  /** A flight with `recordCount` objects in the bucket, and the notification that announces them. */
  const freshNotification = async () => {
    const flight = await ingest.createFlight(me, { name: 'webhook bench' });
    const records = await pMap(
      Array.from({ length: recordCount }, (_, i) => i),
      async (i) => {
        const bytes = Buffer.from(`${flight.id} ${i}`);
        const key = contentAddressedKey(flight.id, createHash('sha256').update(bytes).digest('hex'));
        await storage.putOriginalOnce(key, bytes, 'image/jpeg');
        return {
          eventName: 's3:ObjectCreated:Put',
          s3: { bucket: { name: storage.settings.originalsBucket }, object: { key } },
        };
      },
      { concurrency: 16 },
    );
    return records;
  };
  const timeOnce = async (concurrency: number) => {
    const records = await freshNotification();
    const started = performance.now();
    const outcomes = await ingest.handleS3Event(records, undefined, concurrency);
    const ms = performance.now() - started;
    const registered = outcomes.filter((o) => o.outcome === 'registered').length;
    if (registered !== recordCount) throw new Error(`only ${registered} of ${recordCount} registered`);
    return ms;
  };

  const times = await alternatingRounds(Number(values.rounds), {
    oneByOne: () => timeOnce(1),
    eightAtATime: () => timeOnce(8),
  });
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `${recordCount} records, ${values.database ? 'PostgreSQL' : 'PGlite'}, ${values.rounds} rounds (each on fresh objects)`,
  );
  console.log(
    `  one by one      median ${seconds(median(times.oneByOne))}   rounds ${times.oneByOne.map(seconds).join(', ')}`,
  );
  console.log(
    `  8 at a time     median ${seconds(median(times.eightAtATime))}   rounds ${times.eightAtATime.map(seconds).join(', ')}`,
  );
  const ratios = roundRatios(times.oneByOne, times.eightAtATime);
  console.log(`  ${describeRatio('speed-up', ratios)}`);
  const warning = spreadWarning('speed-up', ratios, 0.15);
  if (warning) console.log(`  ${warning}`);

  const records = await freshNotification();
  const started = performance.now();
  const res = await fetch(`${api.url}/api/v1/ingest/s3-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Records: records }),
  });
  const body = (await res.json()) as { results?: unknown[] };
  console.log(
    `  over HTTP (8 at a time): ${res.status}, ${body.results?.length ?? 0} outcomes in ${seconds(performance.now() - started)}`,
  );
} finally {
  await bench.close();
}

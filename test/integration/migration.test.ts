import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../pipeline/db/client.js';
import { OrganisationRepository } from '../../pipeline/repositories/organisations.js';
import { unitOfWork } from '../../pipeline/repositories/unit-of-work.js';
import { DEFAULT_ORGANISATION_ID } from '../../pipeline/services/tokens.js';
import { dropTestState, POSTGRES_URL, ROOT } from './harness.js';

const MIGRATIONS = path.join(ROOT, 'pipeline/db/migrations');
const schema = `m_${randomBytes(5).toString('hex')}`;

afterAll(async () => {
  await dropTestState(schema, `unused-${schema}`, true);
});

describe('migration to organisations and case lifecycles', () => {
  it('when a database from before organisations is migrated, then its tokens, flights, sites and cases carry over into the default organisation', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const ids = {
      token: randomUUID(),
      flight: randomUUID(),
      image: randomUUID(),
      detection: randomUUID(),
      detection2: randomUUID(),
      review: randomUUID(),
      case: randomUUID(),
      closed: randomUUID(),
    };
    try {
      // The database as the last release left it: migrations up to 0004 and a decided detection with its case.
      await client.query(
        `CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const file of (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql') && f < '0005').sort()) {
        await client.query(await readFile(path.join(MIGRATIONS, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [file]);
      }
      await client.query(
        `INSERT INTO api_tokens (id, name, role, token_hash) VALUES ($1, 'alice', 'reviewer', 'h1'), ($2, 'alice', 'operator', 'h2')`,
        [ids.token, randomUUID()],
      );
      await client.query(
        `INSERT INTO flights (id, name, status, created_by) VALUES ($1, 'old flight', 'completed', $2)`,
        [ids.flight, ids.token],
      );
      await client.query(
        `INSERT INTO images (id, flight_id, object_key, sha256, status, registered_via) VALUES ($1, $2, 'flights/x/y.jpg', $3, 'processed', 'api')`,
        [ids.image, ids.flight, 'a'.repeat(64)],
      );
      await client.query(
        `INSERT INTO detections (id, image_id, ordinal, model_name, model_version, model_sha256, class_name, hazard_code, severity, score, threshold, x1, y1, x2, y2, state)
         VALUES ($1, $2, 0, 'hazard', '1', $3, 'fire', 'FIRE-OPEN-FLAME', 'major', 0.9, 0.5, 1, 2, 3, 4, 'confirmed')`,
        [ids.detection, ids.image, 'b'.repeat(64)],
      );
      await client.query(
        `INSERT INTO detections (id, image_id, ordinal, model_name, model_version, model_sha256, class_name, hazard_code, severity, score, threshold, x1, y1, x2, y2, state)
         VALUES ($1, $2, 1, 'hazard', '1', $3, 'no_helmet', 'PPE-NO-HELMET', 'general', 0.8, 0.5, 1, 2, 3, 4, 'confirmed')`,
        [ids.detection2, ids.image, 'b'.repeat(64)],
      );
      await client.query(
        `INSERT INTO reviews (id, detection_id, reviewer_id, reviewer_name, decision) VALUES ($1, $2, $3, 'alice', 'confirm')`,
        [ids.review, ids.detection, ids.token],
      );
      await client.query(
        `INSERT INTO cases (id, detection_id, flight_id, image_id, class_name, hazard_code, severity, status, evidence) VALUES ($1, $2, $3, $4, 'no_helmet', 'PPE-NO-HELMET', 'general', 'closed', '{}')`,
        [ids.closed, ids.detection2, ids.flight, ids.image],
      );
      await client.query(
        `INSERT INTO cases (id, detection_id, flight_id, image_id, class_name, hazard_code, severity, status, evidence) VALUES ($1, $2, $3, $4, 'fire', 'FIRE-OPEN-FLAME', 'major', 'open', $5)`,
        [
          ids.case,
          ids.detection,
          ids.flight,
          ids.image,
          JSON.stringify({ review: { reviewer: 'alice' }, image: { sha256: 'a'.repeat(64) } }),
        ],
      );
    } finally {
      await client.end();
    }

    const handle = await openDatabase({ url: POSTGRES_URL, schema, pgliteDir: undefined });
    try {
      const rows = async (sql: string) => {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- one cast for both drivers' result types
        const result = (await handle.db.execute(sql)) as unknown as { rows: Array<Record<string, unknown>> };
        return result.rows;
      };
      // One person behind both of alice's tokens, so separation of duties sees her as one.
      const tokens = await rows(`SELECT DISTINCT user_id FROM "${schema}".api_tokens`);
      expect(tokens).toHaveLength(1);
      const [flight] = await rows(`SELECT organisation_id, region_code, created_by_user FROM "${schema}".flights`);
      expect(flight).toMatchObject({
        organisation_id: '00000000-0000-4000-8000-000000000001',
        region_code: '',
        created_by_user: tokens[0]!.user_id,
      });
      const [kase] = await rows(
        `SELECT id, status, severity, hazard_codes, findings_count, number FROM "${schema}".cases WHERE id = '${ids.case}'`,
      );
      expect(kase).toMatchObject({
        id: ids.case,
        status: 'filed',
        severity: 'major',
        hazard_codes: ['FIRE-OPEN-FLAME'],
        findings_count: 1,
      });
      const [link] = await rows(
        `SELECT detection_id, evidence FROM "${schema}".case_findings WHERE case_id = '${ids.case}'`,
      );
      expect(link).toMatchObject({ detection_id: ids.detection, evidence: { review: { reviewer: 'alice' } } });
      const [opened] = await rows(
        `SELECT kind, to_status, actor_name FROM "${schema}".case_events WHERE case_id = '${ids.case}'`,
      );
      expect(opened).toMatchObject({ kind: 'opened', to_status: 'filed', actor_name: 'alice' });
      // A case closed before lifecycles says so in its history.
      const closed = await rows(
        `SELECT kind, to_status FROM "${schema}".case_events WHERE case_id = '${ids.closed}' ORDER BY id`,
      );
      expect(closed.map((e) => e.to_status)).toEqual(['filed', 'closed']);
      const [pkey] = await rows(
        `SELECT conname FROM pg_constraint WHERE conrelid = '"${schema}".cases'::regclass AND contype = 'p'`,
      );
      expect(pkey!.conname).toBe('cases_pkey');

      // The bureau the records belong to takes them over; regions left empty become its own.
      const organisations = new OrganisationRepository(handle.db);
      const bureau = await organisations.create('Zhengzhou EMB', '4101');
      expect(
        await unitOfWork(handle.db).withTransaction((tx) => organisations.moveAll(tx, DEFAULT_ORGANISATION_ID, bureau)),
      ).toMatchObject({ users: 1, flights: 1, cases: 2 });
      const [adopted] = await rows(`SELECT organisation_id, region_code FROM "${schema}".flights`);
      expect(adopted).toEqual({ organisation_id: bureau.id, region_code: '4101' });
      const [person] = await rows(`SELECT organisation_id, region_code FROM "${schema}".users`);
      expect(person).toEqual({ organisation_id: bureau.id, region_code: '4101' });
      const [review] = await rows(`SELECT reviewer_user_id FROM "${schema}".reviews`);
      expect(review!.reviewer_user_id).toBe(tokens[0]!.user_id);
    } finally {
      await handle.close();
    }
  });

  it('when an earlier case names a flight that no longer exists, then the migration stops and says so instead of dropping it', async () => {
    const orphan = `m_${randomBytes(5).toString('hex')}`;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(
        `CREATE SCHEMA "${orphan}"; SET search_path TO "${orphan}"; CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const file of (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql') && f < '0005').sort()) {
        await client.query(await readFile(path.join(MIGRATIONS, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [file]);
      }
      const flight = randomUUID();
      const image = randomUUID();
      const detection = randomUUID();
      await client.query(`INSERT INTO flights (id, name, status, created_by) VALUES ($1, 'f', 'completed', $2)`, [
        flight,
        randomUUID(),
      ]);
      await client.query(
        `INSERT INTO images (id, flight_id, object_key, status, registered_via) VALUES ($1, $2, 'k', 'processed', 'api')`,
        [image, flight],
      );
      await client.query(
        `INSERT INTO detections (id, image_id, ordinal, model_name, model_version, model_sha256, class_name, hazard_code, severity, score, threshold, x1, y1, x2, y2, state) VALUES ($1, $2, 0, 'm', '1', 'c', 'fire', 'FIRE', 'major', 0.9, 0.5, 1, 2, 3, 4, 'confirmed')`,
        [detection, image],
      );
      await client.query(
        `INSERT INTO cases (id, detection_id, flight_id, image_id, class_name, hazard_code, severity, status, evidence) VALUES ($1, $2, $3, $4, 'fire', 'FIRE', 'major', 'open', '{}')`,
        [randomUUID(), detection, randomUUID(), image],
      );
    } finally {
      await client.end();
    }
    try {
      await expect(openDatabase({ url: POSTGRES_URL, schema: orphan, pgliteDir: undefined })).rejects.toThrow(
        /1 earlier cases name a flight that no longer exists/,
      );
    } finally {
      await dropTestState(orphan, `unused-${orphan}`, true);
    }
  });
});

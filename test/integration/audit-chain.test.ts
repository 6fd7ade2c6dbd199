import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, ROOT, startTestApi, type TestApi } from './harness.js';

describe('hash-chained audit trail in PostgreSQL', () => {
  let t: TestApi;
  let db: pg.Client;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
    // Audited actions: flights created, tokens made and revoked.
    for (let i = 0; i < 12; i++)
      await t.request('POST', '/api/v1/flights', {
        token: t.tokens.operator,
        body: { name: `audited ${i}`, notes: `note ${i}` },
      });
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`SET search_path TO ${t.schema}`);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const verify = () =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/hazardscope.ts'), 'audit', 'verify'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...t.env, DATABASE_URL: POSTGRES_URL },
    });
  /** Someone with database rights who turns the append-only triggers off first. */
  const tamper = async (statement: string) => {
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    await db.query(statement);
    await db.query('COMMIT');
  };
  const ids = async () =>
    (await db.query<{ id: string }>('SELECT id FROM audit_log ORDER BY id')).rows.map((r) => Number(r.id));

  it('when nothing was touched, then verify reports the whole chain intact', () => {
    const run = verify();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/audit trail intact: \d+ chained entries/);
  });

  it('when an entry is changed, moved, removed or the newest ones dropped, then verify fails and names the position', async () => {
    const all = await ids();
    expect(all.length).toBeGreaterThanOrEqual(16);
    const snapshot = (await db.query('SELECT * FROM audit_log ORDER BY id')).rows;
    const restore = async () => {
      await tamper('DELETE FROM audit_log');
      for (const r of snapshot) {
        await tamper(
          `INSERT INTO audit_log (id, at, actor, action, subject_type, subject_id, detail, prev_hash, hash) VALUES (${r.id}, '${r.at.toISOString()}', '${r.actor}', '${r.action}', '${r.subject_type}', '${r.subject_id}', ${r.detail === null ? 'NULL' : `'${JSON.stringify(r.detail).replace(/'/g, "''")}'::jsonb`}, '${r.prev_hash}', '${r.hash}')`,
        );
      }
      expect(verify().status).toBe(0);
    };

    await tamper(`UPDATE audit_log SET detail = '{"name":"forged"}'::jsonb WHERE id = ${all[5]}`);
    let run = verify();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`position 5 \\(entry id ${all[5]}\\).*changed`));
    await restore();

    await tamper(`DELETE FROM audit_log WHERE id = ${all[8]}`);
    run = verify();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/position 8 .*removed, inserted or moved/);
    await restore();

    // Swap two entries' places by swapping their ids.
    await tamper(
      `UPDATE audit_log SET id = -1 WHERE id = ${all[3]}; UPDATE audit_log SET id = ${all[3]} WHERE id = ${all[4]}; UPDATE audit_log SET id = ${all[4]} WHERE id = -1`,
    );
    run = verify();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/position 3 /);
    await restore();

    await tamper(`DELETE FROM audit_log WHERE id = ${all.at(-1)}`);
    run = verify();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/newest entries were removed/);
    await restore();
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

/**
 * The audit chain anchored in S3: the API signs its head every second here, and `audit verify`
 * checks the chain in PostgreSQL against what was signed.
 */
describe('audit checkpoints in S3', () => {
  let t: TestApi;
  let db: pg.Client;
  let exportDir: string;

  beforeAll(async () => {
    t = await startTestApi({ withWorker: false, env: { AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1' } });
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`SET search_path TO ${t.schema}`);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-checkpoints-'));
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  /** The CLI as a child process; never spawnSync: the embedded S3 it talks to runs in this process. */
  const cli = (...args: string[]) => {
    const storage = t.api.container.storage.settings;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli/hazardscope.ts'), 'audit', ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...t.env,
          DATABASE_URL: POSTGRES_URL,
          S3_ENDPOINT: `http://${storage.endPoint}:${storage.port}`,
          S3_ACCESS_KEY: storage.accessKey,
          S3_SECRET_KEY: storage.secretKey,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
  };
  const head = async () =>
    (await db.query<{ entries: string }>('SELECT entries FROM audit_head WHERE id = 1')).rows.map((r) =>
      Number(r.entries),
    )[0]!;
  const checkpoints = async () => {
    const res = await t.request('GET', '/api/v1/audit/checkpoints?limit=1000');
    expect(res.status).toBe(200);
    return res.body.items as Array<{ key: string; document: string; genuine: boolean; entries: number | null }>;
  };
  /** Waits until the API has signed the head as it is now. */
  const anchored = async () => {
    const entries = await head();
    return waitFor(`a checkpoint of ${entries} entries`, async () =>
      (await checkpoints()).some((c) => c.entries === entries) ? entries : undefined,
    );
  };
  const audited = async (n: number, label: string) => {
    for (let i = 0; i < n; i++) {
      const res = await t.request('POST', '/api/v1/flights', {
        token: t.tokens.operator,
        body: { name: `${label} ${i}` },
      });
      expect(res.status).toBe(201);
    }
  };

  it('when audited actions happen, then the API signs each new head once, under a key another process agrees on', async () => {
    await audited(5, 'first');
    const first = await anchored();
    await audited(5, 'second');
    const second = await anchored();
    expect(second).toBeGreaterThan(first);

    const before = await checkpoints();
    expect(before.every((c) => c.genuine)).toBe(true);
    expect(before.filter((c) => c.entries === second)).toHaveLength(1);
    expect(before[0]!.key).toMatch(
      /^audit-checkpoints\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}\.\d{3}Z-\d{12}-[0-9a-f]{16}\.json$/,
    );

    // Another process (the CLI) with nothing remembered finds the head already anchored.
    const run = await cli('checkpoint');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/already anchored/);
    expect(await checkpoints()).toHaveLength(before.length);
  });

  it('when someone other than an admin asks for the checkpoints, then 403', async () => {
    const res = await t.request('GET', '/api/v1/audit/checkpoints', { token: t.tokens.reviewer });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('when nothing was touched, then verify passes against S3 and against an exported copy', async () => {
    const stored = await checkpoints();
    let run = await cli('verify');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/audit trail intact/);
    expect(run.stdout).toMatch(new RegExp(`checkpoints: ${stored.length} of ${stored.length} from S3 match the chain`));

    run = await cli('export-checkpoints', exportDir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${stored.length} new, 0 already there`));
    const exported = await readFile(path.join(exportDir, ...stored[0]!.key.split('/')), 'utf8');
    expect(exported).toBe(stored[0]!.document);
    run = await cli('export-checkpoints', exportDir);
    expect(run.stdout).toMatch(/0 new, \d+ already there/);

    run = await cli('verify', '--checkpoints', exportDir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/match the chain/);
  });

  it('when an exported checkpoint is edited, then verify reports it as tampered', async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-checkpoints-edited-'));
    try {
      const files = (await readdir(exportDir, { recursive: true })).filter((f) => f.endsWith('.json'));
      for (const f of files) {
        const text = await readFile(path.join(exportDir, f), 'utf8');
        await writeFile(path.join(copy, path.basename(f)), text);
      }
      const victim = path.join(copy, path.basename(files.at(-1)!));
      const doc = JSON.parse(await readFile(victim, 'utf8'));
      await writeFile(victim, JSON.stringify({ ...doc, entries: doc.entries - 1 }));
      const run = await cli('verify', '--checkpoints', copy);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`${path.basename(victim)}: its signature does not verify`));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('when the newest entries are deleted and the head rewound, then the chain alone looks intact but verify fails on the checkpoint', async () => {
    const entries = await anchored();
    const rows = (await db.query<{ id: string; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id')).rows;
    expect(rows).toHaveLength(entries);
    const keep = rows[entries - 4]!;
    // Someone with database rights who turns the append-only triggers off first.
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    await db.query('DELETE FROM audit_log WHERE id > $1', [keep.id]);
    await db.query('UPDATE audit_head SET entries = $1, last_id = $2, last_hash = $3 WHERE id = 1', [
      entries - 3,
      keep.id,
      keep.hash,
    ]);
    await db.query('COMMIT');

    // What the chain can say on its own: nothing is wrong.
    const chainOnly = await t.api.container.services.auditAnchor.verify({ checkpoints: [] });
    expect(chainOnly.chain.ok).toBe(true);

    let run = await cli('verify');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/audit trail intact/);
    expect(run.stderr).toMatch(
      new RegExp(`over ${entries} entries, but the chain now holds ${entries - 3}: the newest 3 were removed`),
    );

    run = await cli('verify', '--checkpoints', exportDir, '--json');
    expect(run.status).toBe(1);
    const verdict = JSON.parse(run.stdout);
    expect(verdict.ok).toBe(false);
    expect(verdict.anchors.problems.some((p: { problem: string }) => /were removed/.test(p.problem))).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefixedKeys } from '../../scripts/redis-prefix.js';
import { openDatabase } from '../../pipeline/db/client.js';
import { REDIS_URL, ROOT } from './harness.js';

const run = promisify(execFile);

describe('npm run demo', () => {
  const prefix = `hst-demo-${randomBytes(4).toString('hex')}`;
  let dataDir: string;
  afterAll(async () => {
    await deletePrefixedKeys(REDIS_URL, prefix);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('when the demo runs twice on one data directory, then there is one flight, one set of findings and one set of live tokens', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-demo-'));
    const demo = () =>
      run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/demo.ts'), '--once'], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, QUEUE_PREFIX: prefix, PORT: '0', REDIS_URL, LOG_LEVEL: 'warn' },
        timeout: 300_000,
      });
    const first = await demo();
    expect(first.stdout).toMatch(/uploading 12 photos/);
    const second = await demo();
    expect(second.stdout).toMatch(/was flown by an earlier run/);
    const findingsLine = (out: string) => out.match(/^Findings\s+(\d+) for review/m)?.[1];
    expect(findingsLine(second.stdout)).toBe(findingsLine(first.stdout));

    const database = await openDatabase({ url: undefined, schema: 'public', pgliteDir: path.join(dataDir, 'pglite') });
    try {
      const count = async (query: string) => {
        const result: unknown = await database.db.execute(sql.raw(query));
        return (result as { rows: Array<{ n: number }> }).rows[0]?.n;
      };
      expect(await count('SELECT count(*)::int AS n FROM flights')).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM images')).toBe(12);
      expect(await count('SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL')).toBe(4);
      expect(await count('SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NOT NULL')).toBe(4);
    } finally {
      await database.close();
    }
  }, 600_000);
});

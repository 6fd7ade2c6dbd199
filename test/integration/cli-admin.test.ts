import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefixedKeys } from '../../scripts/redis-prefix.js';
import { REDIS_URL, ROOT, waitFor } from './harness.js';

const run = promisify(execFile);
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/**
 * The CLI beside a server on the embedded database (issue 15): PGlite serves one process, so the
 * CLI must refuse to open it while the server runs, and point at the server instead, whose API does
 * the same work. Before the server runs, the CLI makes the organisation and its first administrator.
 */
describe('hazardscope administration beside a server on embedded PGlite', () => {
  let dataDir: string;
  let env: Record<string, string | undefined>;
  let server: ChildProcess | undefined;
  let url: string;
  let adminToken: string;
  const prefix = `hst-cli-${process.pid}`;
  const lockFile = () => path.join(dataDir, 'pglite.lock');

  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(TSX, [path.join(ROOT, 'cli/hazardscope.ts'), ...args], { cwd: ROOT, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const secretIn = (stdout: string) => /\n {2}(hs_\S+)\n/.exec(stdout)?.[1];
  const me = async (token: string) =>
    (await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-cli-admin-'));
    // No DATABASE_URL: the embedded database in DATA_DIR.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PORT: '0',
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      MODEL_DIR: path.join(ROOT, 'models/hazard-v1'),
      RECOVERY_SWEEP_SECONDS: '0',
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    };
    // Bootstrapping, before any server: the organisation and its first administrator.
    const org = await cli('org', 'create', '--name', 'Kaifeng bureau', '--region', '4102');
    expect(org.code, org.stderr).toBe(0);
    const admin = await cli('token', 'create', '--name', 'Admin One', '--role', 'admin');
    expect(admin.code, admin.stderr).toBe(0);
    adminToken = secretIn(admin.stdout)!;
    expect(existsSync(lockFile())).toBe(false);

    server = spawn(TSX, [path.join(ROOT, 'api/server.ts')], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The server writes where it listens into the lock it holds.
    url = await waitFor(
      'the server to listen and announce itself',
      async () => {
        if (server!.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
        const lock = JSON.parse(await readFile(lockFile(), 'utf8')) as { url?: string };
        return lock.url;
      },
      60_000,
    );
  }, 180_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    await deletePrefixedKeys(REDIS_URL, prefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when the server holds the embedded database, then token and org commands refuse, naming the server and what to use instead', async () => {
    for (const args of [
      ['token', 'create', '--name', 'Li Wei', '--role', 'reviewer'],
      ['token', 'list'],
      ['org', 'create', '--name', 'Another', '--region', '41'],
    ]) {
      const refused = await cli(...args);
      expect(refused.code, args.join(' ')).toBe(3);
      expect(refused.stderr).toMatch(/embedded database \(PGlite\) is in use by another process: pid \d+/);
      expect(refused.stderr).toContain(`serving ${url}`);
      expect(refused.stderr).toContain(`--server ${url} --token ADMIN_TOKEN`);
      expect(refused.stderr).toMatch(/Users and tokens/);
    }
    // Nothing was made behind the server's back: its administrator still lists only themselves.
    const people = await fetch(`${url}/api/v1/admin/users`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(((await people.json()) as { items: Array<{ name: string }> }).items.map((p) => p.name)).toEqual([
      'Admin One',
    ]);
  });

  it('when token commands are given --server, then they work through the API: the token is made, works, is listed and revoked', async () => {
    const created = await cli(
      'token',
      'create',
      '--name',
      'Li Wei',
      '--role',
      'reviewer',
      '--region',
      '410202',
      '--expires-in',
      '30d',
      '--server',
      url,
      '--token',
      adminToken,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/created reviewer token for "Li Wei", region 410202 \(id [0-9a-f-]{36}\)/);
    const secret = secretIn(created.stdout)!;
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stdout)![1]!;
    expect(await me(secret)).toBe(200);

    const listed = await cli('token', 'list', '--server', url, '--token', adminToken);
    expect(listed.stdout).toMatch(new RegExp(`${id} +reviewer +active +Li Wei`));
    expect(listed.stdout).not.toContain(secret);

    expect((await cli('token', 'revoke', id, '--server', url, '--token', adminToken)).stdout).toContain(
      `revoked ${id}`,
    );
    expect(await me(secret)).toBe(401);

    // A token the server does not know: its refusal is passed on, with what to check.
    const notAdmin = await cli('token', 'list', '--server', url, '--token', adminToken.replace(/.$/, 'x'));
    expect(notAdmin.code).toBe(2);
    expect(notAdmin.stderr).toMatch(/answered 401: .*\(check --token\)/);
  });

  it('when the server has stopped, then its lock is gone and the CLI opens the database again, seeing what the API made', async () => {
    server!.kill('SIGTERM');
    await new Promise((resolve) => server!.once('exit', resolve));
    expect(existsSync(lockFile())).toBe(false);
    const listed = await cli('token', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/reviewer +revoked +Li Wei/);
  });
});

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, ROOT, startTestApi, type TestApi } from './harness.js';

const run = promisify(execFile);

describe('API token expiry, rotation and last use', () => {
  let t: TestApi;
  let db: pg.Client;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const me = (token: string) => t.request('GET', '/api/v1/me', { token });
  const tokenRow = async (id: string) =>
    (await db.query(`SELECT * FROM "${t.schema}".api_tokens WHERE id = $1`, [id])).rows[0];
  const auditOf = async (id: string) =>
    (
      await db.query(`SELECT action, detail FROM "${t.schema}".audit_log WHERE subject_id = $1 ORDER BY id`, [id])
    ).rows.map((r) => r.action as string);
  const fresh = async (name: string, expiresAt: Date | null = null) =>
    t.api.container.services.tokens.create(
      { name, role: 'operator', organisation: t.organisationId, expiresAt },
      'test',
    );

  it('when a token has expired, then it answers 401 problem+json saying when, and a token still in date works', async () => {
    const soon = await fresh('expiring', new Date(Date.now() + 3600_000));
    expect((await me(soon.token)).status).toBe(200);
    await db.query(`UPDATE "${t.schema}".api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      soon.id,
    ]);
    const res = await me(soon.token);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(res.body.detail).toMatch(/^this API token expired on \d{4}-.*ask an administrator/);
  });

  it('when an unknown secret is sent, then 401 says the token is unknown', async () => {
    const res = await me('hs_not-a-token-anyone-was-given');
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('unknown API token');
  });

  it('when a person rotates their token without grace, then the new secret works, the old one is refused as replaced, and the rotation is audited', async () => {
    const old = await fresh('rotating', new Date(Date.now() + 90 * 86_400_000));
    const rotated = await t.request('POST', '/api/v1/me/token/rotate', { token: old.token, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previous.id).toBe(old.id);
    // The same 90-day lifetime, counted from now.
    const lifetime = Date.parse(rotated.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(89 * 86_400_000);
    expect(lifetime).toBeLessThanOrEqual(90 * 86_400_000);

    expect((await me(rotated.body.token)).body.name).toBe('rotating');
    const refused = await me(old.token);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/replaced by a rotation .*use the new token/);
    expect((await tokenRow(old.id)).replaced_by).toBe(rotated.body.id);
    expect(await auditOf(old.id)).toEqual(['token.created', 'token.rotated']);
  });

  it('when a token is rotated with a grace period, then both work until it ends, and the old one cannot be rotated again', async () => {
    const old = await fresh('graceful');
    const rotated = await t.request('POST', '/api/v1/me/token/rotate', {
      token: old.token,
      body: { graceSeconds: 600 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.expiresAt).toBeNull();
    expect((await me(old.token)).status).toBe(200);
    expect((await me(rotated.body.token)).status).toBe(200);
    const own = await t.request('GET', '/api/v1/me/token', { token: old.token });
    expect(own.body.expiresAt).toBe(rotated.body.previous.validUntil);

    const again = await t.request('POST', '/api/v1/me/token/rotate', { token: old.token, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already rotated/);

    await db.query(`UPDATE "${t.schema}".api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      old.id,
    ]);
    expect((await me(old.token)).body.detail).toMatch(/grace period ended/);
  });

  it('when a grace longer than a week is asked for, then 400 names graceSeconds', async () => {
    const res = await t.request('POST', '/api/v1/me/token/rotate', {
      token: t.tokens.reviewer,
      body: { graceSeconds: 8 * 86_400 },
    });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toBe('graceSeconds');
  });

  it('when a token is used many times within a minute, then its last use is written once', async () => {
    const token = await fresh('busy');
    expect((await tokenRow(token.id)).last_used_at).toBeNull();
    await me(token.token);
    const first = (await tokenRow(token.id)).last_used_at as Date;
    expect(first).toBeInstanceOf(Date);
    // Moved back by hand: a write now would show as a different time.
    await db.query(
      `UPDATE "${t.schema}".api_tokens SET last_used_at = last_used_at - interval '30 seconds' WHERE id = $1`,
      [token.id],
    );
    for (let i = 0; i < 10; i++) await me(token.token);
    const after = (await tokenRow(token.id)).last_used_at as Date;
    expect(after.getTime()).toBe(first.getTime() - 30_000);
    const shown = await t.request('GET', '/api/v1/me/token', { token: token.token });
    expect(shown.body).toMatchObject({ id: token.id, lastUsedAt: after.toISOString(), expiresAt: null });
  });

  it('when the CLI makes a token with --expires-in and rotates it with --grace, then the times are as asked and the old one keeps working', async () => {
    const cli = (...args: string[]) =>
      run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'cli/hazardscope.ts'), 'token', ...args], {
        cwd: ROOT,
        env: { ...process.env, ...t.env },
      });
    const created = await cli(
      'create',
      '--name',
      'cli person',
      '--role',
      'reviewer',
      '--org',
      t.organisationId,
      '--expires-in',
      '2h',
    );
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stdout)![1]!;
    const secret = /\n {2}(hs_\S+)\n/.exec(created.stdout)![1]!;
    const expiresAt = (await tokenRow(id)).expires_at as Date;
    expect(Math.abs(expiresAt.getTime() - Date.now() - 2 * 3600_000)).toBeLessThan(120_000);

    const rotated = await cli('rotate', id, '--grace', '10m', '--expires-in', '30d');
    expect(rotated.stdout).toMatch(/it works until/);
    const successor = /new token ([0-9a-f-]{36})/.exec(rotated.stdout)![1]!;
    expect(((await tokenRow(successor)).expires_at as Date).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await me(secret)).status).toBe(200);

    const listed = await cli('list');
    expect(listed.stdout).toMatch(new RegExp(`${id} .*grace .*replaced by ${successor}`));
    await expect(cli('create', '--name', 'x', '--role', 'reviewer', '--expires-in', 'soon')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--expires-in must be/),
    });
  });
});

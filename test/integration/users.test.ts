import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, startTestApi, type TestApi } from './harness.js';

/** Administrators manage their organisation's people and tokens through the API (issue 15). */
describe('administration of people and tokens', () => {
  let t: TestApi;
  let db: pg.Client;
  /** The administrator of another organisation. */
  let otherAdmin: string;
  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    const other = await t.api.container.services.tokens.createOrganisation(`Other ${t.schema}`, '41', 'test');
    otherAdmin = await t.token({ name: 'other-admin', role: 'admin', organisation: other.id });
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const admin = (method: string, path: string, body?: unknown, token?: string) =>
    t.request(method, `/api/v1${path}`, { body, ...(token === undefined ? {} : { token }) });
  const me = (token: string) => t.request('GET', '/api/v1/me', { token });
  const audited = async (subjectId: string) =>
    (
      await db.query(`SELECT action, actor FROM "${t.schema}".audit_log WHERE subject_id = $1 ORDER BY id`, [subjectId])
    ).rows.map((r) => `${r.action} by ${r.actor}`);
  const addPerson = async (name: string, roles: string[], regionCode?: string) => {
    const res = await admin('POST', '/admin/users', { name, roles, ...(regionCode ? { regionCode } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; roles: string[] };
  };

  it('when an administrator adds a person and issues them a token, then the token works once shown, is listed without its secret, and revoked answers 401', async () => {
    const person = await addPerson('Li Wei', ['reviewer', 'operator', 'reviewer']);
    expect(person).toMatchObject({ roles: ['operator', 'reviewer'], regionCode: '', tokens: { usable: 0 } });
    expect(await audited(person.id)).toEqual(['user.created by admin:test-admin']);

    const issued = await admin('POST', `/admin/users/${person.id}/tokens`, {
      role: 'reviewer',
      expiresInSeconds: 3600,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body).toMatchObject({ userId: person.id, role: 'reviewer', token: expect.stringMatching(/^hs_/) });
    expect(Math.abs(Date.parse(issued.body.expiresAt) - Date.now() - 3600_000)).toBeLessThan(60_000);
    const secret = issued.body.token as string;
    expect((await me(secret)).body).toMatchObject({ name: 'Li Wei', role: 'reviewer' });
    // Only a reviewer's rights: an operator's route is refused.
    expect((await t.request('POST', '/api/v1/flights', { token: secret, body: { name: 'x' } })).status).toBe(403);

    const tokens = await admin('GET', `/admin/tokens?userId=${person.id}`);
    expect(tokens.status).toBe(200);
    expect(tokens.body.items).toEqual([
      expect.objectContaining({ id: issued.body.id, role: 'reviewer', state: 'active', revokedAt: null }),
    ]);
    expect(JSON.stringify(tokens.body)).not.toContain(secret);
    expect(tokens.body.items[0]).not.toHaveProperty('token');
    const listed = (await admin('GET', '/admin/users')).body.items.find((u: { id: string }) => u.id === person.id);
    expect(listed.tokens).toMatchObject({ usable: 1, nextExpiry: issued.body.expiresAt });
    expect(listed.tokens.lastUsedAt).not.toBeNull();

    const revoked = await admin('POST', `/admin/tokens/${issued.body.id}/revoke`);
    expect(revoked.body).toMatchObject({ id: issued.body.id, alreadyRevoked: false });
    const refused = await me(secret);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/revoked/);
    expect((await admin('POST', `/admin/tokens/${issued.body.id}/revoke`)).body.alreadyRevoked).toBe(true);
    expect(await audited(issued.body.id)).toEqual([
      'token.created by admin:test-admin',
      'token.revoked by admin:test-admin',
    ]);
  });

  it('when a role is taken away, then the person’s tokens for it stop at once and the others keep working', async () => {
    const person = await addPerson('Zhang Min', ['operator', 'reviewer']);
    const issue = async (role: string) =>
      (await admin('POST', `/admin/users/${person.id}/tokens`, { role, expiresInSeconds: null })).body as {
        id: string;
        token: string;
        expiresAt: string | null;
      };
    const asOperator = await issue('operator');
    const asReviewer = await issue('reviewer');
    expect(asOperator.expiresAt).toBeNull();

    const changed = await admin('PUT', `/admin/users/${person.id}/roles`, { roles: ['operator'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ roles: ['operator'], revokedTokens: [asReviewer.id], tokens: { usable: 1 } });
    expect((await me(asReviewer.token)).status).toBe(401);
    expect((await me(asOperator.token)).status).toBe(200);
    expect(await audited(person.id)).toEqual([
      'user.created by admin:test-admin',
      'user.roles_changed by admin:test-admin',
    ]);

    const refused = await admin('POST', `/admin/users/${person.id}/tokens`, { role: 'reviewer' });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/does not hold the reviewer role \(operator\)/);
  });

  it('when a request is wrong, then it answers 4xx problem+json saying what, and changes nothing', async () => {
    const before = (await admin('GET', '/admin/users')).body.items.length;
    const badRole = await admin('POST', '/admin/users', { name: 'Bad', roles: ['boss'] });
    expect(badRole.status).toBe(400);
    expect(badRole.body.issues[0].path).toMatch(/roles/);
    expect((await admin('POST', '/admin/users', { name: '   ', roles: [] })).status).toBe(400);
    await addPerson('Twice', []);
    const twice = await admin('POST', '/admin/users', { name: 'Twice', roles: ['operator'] });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/already has a person named "Twice"/);
    const tooLong = await admin('POST', `/admin/users/${(await addPerson('Short', ['operator'])).id}/tokens`, {
      role: 'operator',
      expiresInSeconds: 5,
    });
    expect(tooLong.status).toBe(400);
    expect((await admin('GET', '/admin/users')).body.items.length).toBe(before + 2);
  });

  it('when an administrator limited to a region adds a person outside it, then it is refused; inside it works', async () => {
    const county = await t.token({ name: 'county-admin', role: 'admin', regionCode: '410105' });
    const outside = await admin('POST', '/admin/users', { name: 'Far', roles: [], regionCode: '4102' }, county);
    expect(outside.status).toBe(422);
    expect(outside.body.detail).toMatch(/outside your region \(410105\)/);
    const inside = await admin('POST', '/admin/users', { name: 'Near', roles: ['operator'] }, county);
    expect(inside.body.regionCode).toBe('410105');
    // The head office's people (the whole country) lie outside the county administrator's reach.
    const seen = (await admin('GET', '/admin/users', undefined, county)).body.items.map(
      (u: { name: string }) => u.name,
    );
    expect(seen.sort()).toEqual(['Near', 'county-admin'].sort());
  });

  it('when administrators would take the admin role from themselves, then it is refused; from another person it is not', async () => {
    const self = (await admin('GET', '/admin/users')).body.items.find((u: { name: string }) => u.name === 'test-admin');
    const refused = await admin('PUT', `/admin/users/${self.id}/roles`, { roles: ['reviewer'] });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/cannot take the admin role from yourself/);
    const deputy = await addPerson('Deputy', ['admin']);
    expect((await admin('PUT', `/admin/users/${deputy.id}/roles`, { roles: [] })).body.roles).toEqual([]);
  });

  it('when anyone but an administrator calls, then 403; another organisation’s administrator gets 404 for our people and tokens and lists none of them', async () => {
    const person = await addPerson('Wang Fang', ['regulator']);
    const issued = (await admin('POST', `/admin/users/${person.id}/tokens`, { role: 'regulator' })).body;
    for (const role of ['operator', 'reviewer', 'regulator'] as const) {
      const res = await admin('GET', '/admin/users', undefined, t.tokens[role]);
      expect(res.status, role).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((await admin('POST', `/admin/tokens/${issued.id}/revoke`, undefined, t.tokens[role])).status).toBe(403);
    }
    const calls: Array<[string, string, unknown]> = [
      ['PUT', `/admin/users/${person.id}/roles`, { roles: [] }],
      ['POST', `/admin/users/${person.id}/tokens`, { role: 'regulator' }],
      ['POST', `/admin/tokens/${issued.id}/revoke`, undefined],
      ['POST', `/admin/tokens/${issued.id}/rotate`, {}],
    ];
    for (const [method, path, body] of calls) {
      const res = await admin(method, path, body, otherAdmin);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const theirs = JSON.stringify([
      (await admin('GET', '/admin/users', undefined, otherAdmin)).body,
      (await admin('GET', '/admin/tokens', undefined, otherAdmin)).body,
      (await admin('GET', `/admin/tokens?userId=${person.id}`, undefined, otherAdmin)).body,
    ]);
    expect(theirs).not.toContain(person.id);
    expect(theirs).not.toContain(issued.id);
    // Nothing changed: the token works and the person keeps their role.
    expect((await me(issued.token)).status).toBe(200);
  });

  it('when an administrator rotates someone’s token with a grace period, then both work until the grace ends', async () => {
    const person = await addPerson('Chen Jie', ['operator']);
    const issued = (await admin('POST', `/admin/users/${person.id}/tokens`, { role: 'operator' })).body;
    const rotated = await admin('POST', `/admin/tokens/${issued.id}/rotate`, { graceSeconds: 600 });
    expect(rotated.status).toBe(200);
    expect((await me(issued.token)).status).toBe(200);
    expect((await me(rotated.body.token)).status).toBe(200);
    const states = (await admin('GET', `/admin/tokens?userId=${person.id}`)).body.items.map(
      (i: { state: string }) => i.state,
    );
    expect(states).toEqual(['grace', 'active']);
    expect((await admin('POST', `/admin/tokens/${issued.id}/rotate`, {})).status).toBe(409);
  });

  it('when the CLI’s way of issuing names an existing person and a new role, then the person gains that role', async () => {
    const people = (await admin('GET', '/admin/users')).body.items as Array<{ name: string; roles: string[] }>;
    expect(people.find((p) => p.name === 'test-operator')?.roles).toEqual(['operator']);
    await t.token({ name: 'test-operator', role: 'reviewer' });
    const after = (await admin('GET', '/admin/users')).body.items as Array<{ name: string; roles: string[] }>;
    expect(after.find((p) => p.name === 'test-operator')?.roles).toEqual(['operator', 'reviewer']);
  });
});

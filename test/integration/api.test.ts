import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto } from '../factories.js';
import { startTestApi, type TestApi } from './harness.js';

describe('API contract: validation, tokens and roles', () => {
  let t: TestApi;
  const flightCount = async () => (await t.request('GET', '/api/v1/flights?limit=200')).body.items.length as number;

  beforeAll(async () => {
    t = await startTestApi({ withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when a body has unknown fields and wrong types, then 400 problem+json lists every issue and nothing is created', async () => {
    const before = await flightCount();
    const res = await t.request('POST', '/api/v1/flights', {
      token: t.tokens.operator,
      body: { name: 42, siteName: '', colour: 'red' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, title: 'Bad Request' });
    const paths = res.body.issues.map((i: { path: string; code: string }) => i.path || i.code);
    expect(paths).toEqual(expect.arrayContaining(['name', 'siteName']));
    expect(
      res.body.issues.some(
        (i: { code: string; message: string }) => i.code === 'unrecognized_keys' && i.message.includes('colour'),
      ),
    ).toBe(true);
    expect(await flightCount()).toBe(before);
  });

  it('when the body is not JSON at all, then 400 problem+json says so', async () => {
    const res = await t.request('POST', '/api/v1/flights', {
      token: t.tokens.operator,
      body: '{"name": ',
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  it('when a query has an unknown parameter or a bad value, then 400 names it', async () => {
    const res = await t.request('GET', '/api/v1/flights?limit=0&colour=red');
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { location: string }) => i.location)).toEqual(['query', 'query']);
  });

  it('when text holds a NUL, a path has broken percent-encoding or a cursor is forged, then 400 and nothing is created', async () => {
    const before = await flightCount();
    const nul = await t.request('POST', '/api/v1/flights', {
      token: t.tokens.operator,
      body: { name: 'bad\u0000name' },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.issues[0]).toMatchObject({ location: 'body', path: 'name' });
    const encoding = await t.request('GET', '/api/v1/flights/%ZZ');
    expect(encoding.status).toBe(400);
    expect(encoding.headers.get('content-type')).toContain('application/problem+json');
    const cursor = await t.request('GET', '/api/v1/flights?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(400);
    expect(cursor.body.issues[0].path).toBe('cursor');
    expect(await flightCount()).toBe(before);
  });

  it('when the token is missing or unknown, then 401 problem+json with WWW-Authenticate', async () => {
    const missing = await t.request('POST', '/api/v1/flights', { token: null, body: { name: 'x' } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    const unknown = await t.request('POST', '/api/v1/flights', { token: 'hs_not-a-real-token', body: { name: 'x' } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.title).toBe('Unauthorized');
  });

  it('when a role calls a route that is not for it, then 403 and nothing changes', async () => {
    const before = await flightCount();
    for (const role of ['reviewer', 'regulator'] as const) {
      const res = await t.request('POST', '/api/v1/flights', {
        token: t.tokens[role],
        body: { name: 'not mine to create' },
      });
      expect(res.status).toBe(403);
      expect(res.body.detail).toContain(role);
    }
    expect((await t.request('GET', '/api/v1/review/queue', { token: t.tokens.operator })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/cases', { token: t.tokens.operator })).status).toBe(403);
    expect(await flightCount()).toBe(before);
  });

  it('when a photo is uploaded with the wrong content type or an unknown flight, then 415 or 404 and nothing is stored', async () => {
    const flight = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'uploads' } }))
      .body.id;
    const photo = await smallPhoto('DJI_0001.JPG', 320);
    const wrongType = await t.request('PUT', `/api/v1/flights/${flight}/images/x.png`, {
      token: t.tokens.operator,
      raw: photo,
      contentType: 'image/png',
    });
    expect(wrongType.status).toBe(415);
    const unknown = await t.request('PUT', `/api/v1/flights/0f8fad5b-d9cb-469f-a165-70867728950e/images/x.jpg`, {
      token: t.tokens.operator,
      raw: photo,
    });
    expect(unknown.status).toBe(404);
    expect((await t.request('GET', `/api/v1/flights/${flight}/images`)).body.items).toHaveLength(0);
  });

  it('when presigned upload URLs are requested, then a PUT to one stores the photo and completing the flight registers it', async () => {
    const flight = (
      await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'presigned' } })
    ).body.id;
    const photo = await smallPhoto('DJI_0002.JPG', 320);
    const sha256 = (await import('node:crypto')).createHash('sha256').update(photo).digest('hex');
    const tickets = await t.request('POST', `/api/v1/flights/${flight}/uploads`, {
      token: t.tokens.operator,
      body: { files: [{ filename: 'DJI_0002.JPG', sha256, sizeBytes: photo.length, contentType: 'image/jpeg' }] },
    });
    expect(tickets.status).toBe(200);
    const ticket = tickets.body.uploads[0];
    expect(ticket.status).toBe('upload');
    const put = await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(photo) });
    expect(put.status).toBe(200);
    const again = await t.request('POST', `/api/v1/flights/${flight}/uploads`, {
      token: t.tokens.operator,
      body: { files: [{ filename: 'DJI_0002.JPG', sha256, sizeBytes: photo.length, contentType: 'image/jpeg' }] },
    });
    expect(again.body.uploads[0].status).toBe('already-uploaded');
    const done = await t.request('POST', `/api/v1/flights/${flight}/complete`, { token: t.tokens.operator });
    expect(done.body.registered).toBe(1);
    const late = await t.request('PUT', `/api/v1/flights/${flight}/images/late.jpg`, {
      token: t.tokens.operator,
      raw: photo,
    });
    expect(late.status).toBe(409);
  });

  it('when health, readiness and the OpenAPI document are fetched without a token, then they answer', async () => {
    expect((await t.request('GET', '/health', { token: null })).body.status).toBe('ok');
    const ready = await t.request('GET', '/api/v1/ready', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', storage: 'ok', queue: 'ok' });
    const doc = await t.request('GET', '/api/v1/openapi.json', { token: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/api/v1/detections/{detectionId}/review'].post['x-roles']).toEqual(['reviewer']);
  });
});

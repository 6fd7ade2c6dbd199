import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPhoto } from '../factories.js';
import { startTestApi, type TestApi, waitFor } from './harness.js';

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
    const res = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 42, siteName: '', colour: 'red' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, title: 'Bad Request' });
    const paths = res.body.issues.map((i: { path: string; code: string }) => `${i.path || i.code}`);
    expect(paths).toEqual(expect.arrayContaining(['name', 'siteName']));
    expect(res.body.issues.some((i: { code: string; message: string }) => i.code === 'unrecognized_keys' && i.message.includes('colour'))).toBe(true);
    expect(await flightCount()).toBe(before);
  });

  it('when the body is not JSON at all, then 400 problem+json says so', async () => {
    const res = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: '{"name": ', contentType: 'application/json' });
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
    const nul = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'bad\u0000name' } });
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
      const res = await t.request('POST', '/api/v1/flights', { token: t.tokens[role], body: { name: 'not mine to create' } });
      expect(res.status).toBe(403);
      expect(res.body.detail).toContain(role);
    }
    expect((await t.request('GET', '/api/v1/review/queue', { token: t.tokens.operator })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/cases', { token: t.tokens.operator })).status).toBe(403);
    expect(await flightCount()).toBe(before);
  });

  it('when a photo is uploaded with the wrong content type or an unknown flight, then 415 or 404 and nothing is stored', async () => {
    const flight = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'uploads' } })).body.id;
    const photo = await smallPhoto('DJI_0001.JPG', 320);
    const wrongType = await t.request('PUT', `/api/v1/flights/${flight}/images/x.png`, { token: t.tokens.operator, raw: photo, contentType: 'image/png' });
    expect(wrongType.status).toBe(415);
    const unknown = await t.request('PUT', `/api/v1/flights/0f8fad5b-d9cb-469f-a165-70867728950e/images/x.jpg`, { token: t.tokens.operator, raw: photo });
    expect(unknown.status).toBe(404);
    expect((await t.request('GET', `/api/v1/flights/${flight}/images`)).body.items).toHaveLength(0);
  });

  it('when presigned upload URLs are requested, then a PUT to one stores the photo and completing the flight registers it', async () => {
    const flight = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'presigned' } })).body.id;
    const photo = await smallPhoto('DJI_0002.JPG', 320);
    const sha256 = (await import('node:crypto')).createHash('sha256').update(photo).digest('hex');
    const tickets = await t.request('POST', `/api/v1/flights/${flight}/uploads`, { token: t.tokens.operator, body: { files: [{ filename: 'DJI_0002.JPG', sha256, sizeBytes: photo.length, contentType: 'image/jpeg' }] } });
    expect(tickets.status).toBe(200);
    const ticket = tickets.body.uploads[0];
    expect(ticket.status).toBe('upload');
    const put = await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(photo) });
    expect(put.status).toBe(200);
    const again = await t.request('POST', `/api/v1/flights/${flight}/uploads`, { token: t.tokens.operator, body: { files: [{ filename: 'DJI_0002.JPG', sha256, sizeBytes: photo.length, contentType: 'image/jpeg' }] } });
    expect(again.body.uploads[0].status).toBe('already-uploaded');
    const done = await t.request('POST', `/api/v1/flights/${flight}/complete`, { token: t.tokens.operator });
    expect(done.body.registered).toBe(1);
    const late = await t.request('PUT', `/api/v1/flights/${flight}/images/late.jpg`, { token: t.tokens.operator, raw: photo });
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

describe('review decisions and cases', () => {
  let t: TestApi;
  let flagged: Array<{ id: string; className: string }> = [];
  let flightId: string;

  beforeAll(async () => {
    t = await startTestApi();
    flightId = (await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'review' } })).body.id;
    for (const name of ['DJI_0004.JPG', 'DJI_0005.JPG', 'DJI_0006.JPG']) {
      await t.request('PUT', `/api/v1/flights/${flightId}/images/${name}`, { token: t.tokens.operator, raw: await (await import('../factories.js')).demoPhoto(name) });
    }
    await t.request('POST', `/api/v1/flights/${flightId}/complete`, { token: t.tokens.operator });
    await waitFor('processed', async () => ((await t.request('GET', `/api/v1/flights/${flightId}`)).body.done ? true : undefined));
    // The queue holds findings, so it fills once the flight's detections are merged.
    const queue = await waitFor('findings in the queue', async () => {
      const res = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=100`, { token: t.tokens.reviewer });
      return res.body.items.length > 0 ? res.body : undefined;
    });
    flagged = queue.items.map((i: { detection: { id: string; className: string } }) => i.detection);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when the model has run on hazard photos, then there are flagged detections to review', () => {
    expect(flagged.length).toBeGreaterThanOrEqual(4);
  });

  it('when a reviewer confirms a detection, then a case with evidence opens; repeating it is a no-op', async () => {
    const d = flagged[0]!;
    const res = await t.request('POST', `/api/v1/detections/${d.id}/review`, { token: t.tokens.reviewer, body: { decision: 'confirm', note: 'clearly visible' } });
    expect(res.status).toBe(201);
    expect(res.body.case.evidence.image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.case.evidence.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.case.evidence.review.reviewer).toBe('test-reviewer');
    const again = await t.request('POST', `/api/v1/detections/${d.id}/review`, { token: t.tokens.reviewer, body: { decision: 'confirm', note: 'clearly visible' } });
    expect(again.status).toBe(200);
    expect(again.body.case.id).toBe(res.body.case.id);
    const changed = await t.request('POST', `/api/v1/detections/${d.id}/review`, { token: t.tokens.reviewer, body: { decision: 'reject' } });
    expect(changed.status).toBe(409);
    const detail = await t.request('GET', `/api/v1/cases/${res.body.case.id}`, { token: t.tokens.regulator });
    expect(detail.status).toBe(200);
    const list = await t.request('GET', `/api/v1/cases?flightId=${flightId}&status=open`, { token: t.tokens.regulator });
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(res.body.case.id);
  });

  it('when a detection is rejected, then no case opens; when relabelled, the case carries the new class', async () => {
    const rejected = await t.request('POST', `/api/v1/detections/${flagged[1]!.id}/review`, { token: t.tokens.reviewer, body: { decision: 'reject', note: 'shadow' } });
    expect(rejected.status).toBe(201);
    expect(rejected.body.case).toBeNull();
    const target = flagged[2]!;
    const newClass = target.className === 'smoke' ? 'fire' : 'smoke';
    const relabelled = await t.request('POST', `/api/v1/detections/${target.id}/review`, { token: t.tokens.reviewer, body: { decision: 'relabel', newClass } });
    expect(relabelled.status).toBe(201);
    expect(relabelled.body.case.className).toBe(newClass);
  });

  it('when two reviewers decide the same detection at once, then exactly one wins and the other gets 409', async () => {
    const second = (await t.api.container.services.tokens.create('second-reviewer', 'reviewer', 'test')).token;
    const d = flagged[3]!;
    const results = await Promise.all([
      t.request('POST', `/api/v1/detections/${d.id}/review`, { token: t.tokens.reviewer, body: { decision: 'confirm' } }),
      t.request('POST', `/api/v1/detections/${d.id}/review`, { token: second, body: { decision: 'confirm' } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('when a regulator tries to review, then 403', async () => {
    const res = await t.request('POST', `/api/v1/detections/${flagged.at(-1)!.id}/review`, { token: t.tokens.regulator, body: { decision: 'confirm' } });
    expect(res.status).toBe(403);
  });

  it('when a preview is requested, then a JPEG with the boxes comes back', async () => {
    const queue = await t.request('GET', `/api/v1/flights/${flightId}/images`);
    const res = await t.request('GET', `/api/v1/images/${queue.body.items[0].id}/preview`, { token: t.tokens.reviewer });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect((res.body as Buffer).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });
});

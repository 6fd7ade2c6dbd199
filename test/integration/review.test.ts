import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { demoPhoto, demoSiteFeature } from '../factories.js';
import { flyDemoPhotos, startTestApi, type TestApi, waitFor } from './harness.js';

interface QueueItem {
  finding: {
    id: string;
    className: string;
    hazardCode: string;
    severity: string;
    viewCount: number;
    siteId: string | null;
    bestScore: number;
  };
  detection: { id: string; imageId: string; className: string };
  lease: { holder: string; mine: boolean } | null;
}

describe('reviewing findings', () => {
  let t: TestApi;
  let flightId: string;
  let queue: QueueItem[];
  let secondReviewer: string;
  const take = () => {
    const item = queue.shift();
    if (!item) throw new Error('the queue ran out of findings for this test');
    return item;
  };
  const decide = (findingId: string, body: object, token = t.tokens.reviewer) =>
    t.request('POST', `/api/v1/findings/${findingId}/decision`, { token, body });

  beforeAll(async () => {
    t = await startTestApi();
    expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(31)).feature })).status).toBe(201);
    ({ flightId } = await flyDemoPhotos(t, 'review', [
      'DJI_0004.JPG',
      'DJI_0005.JPG',
      'DJI_0006.JPG',
      'DJI_0007.JPG',
      'DJI_0010.JPG',
    ]));
    const res = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, {
      token: t.tokens.reviewer,
    });
    queue = res.body.items;
    secondReviewer = await t.token({ name: 'second-reviewer', role: 'reviewer' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when the flight is merged, then the queue lists its findings best first with counts per hazard and severity', async () => {
    // The tests below decide eleven findings one by one and need one more to look at.
    expect(queue.length).toBeGreaterThanOrEqual(12);
    const scores = queue.map((i) => i.finding.bestScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const res = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=2`, {
      token: t.tokens.reviewer,
    });
    expect(res.body.counts.total).toBe(queue.length);
    expect(res.body.counts.byHazard.reduce((n: number, h: { count: number }) => n + h.count, 0)).toBe(queue.length);
    expect(res.body.counts.bySeverity.major + res.body.counts.bySeverity.general).toBe(queue.length);
    // Filtering by a hazard narrows the items and the total, but not that hazard's neighbours in byHazard.
    const hazard = queue[0]!.finding.hazardCode;
    const filtered = await t.request(
      'GET',
      `/api/v1/review/queue?flightId=${flightId}&hazardCode=${hazard}&limit=200`,
      { token: t.tokens.reviewer },
    );
    expect(filtered.body.items.every((i: QueueItem) => i.finding.hazardCode === hazard)).toBe(true);
    expect(filtered.body.counts.total).toBe(queue.filter((i) => i.finding.hazardCode === hazard).length);
    expect(filtered.body.counts.byHazard.length).toBe(res.body.counts.byHazard.length);
    const strong = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&minScore=0.6&limit=200`, {
      token: t.tokens.reviewer,
    });
    expect(strong.body.items.every((i: QueueItem) => i.finding.bestScore >= 0.6)).toBe(true);
    // Pages follow one another without repeats.
    const second = await t.request(
      'GET',
      `/api/v1/review/queue?flightId=${flightId}&limit=2&cursor=${res.body.nextCursor}`,
      { token: t.tokens.reviewer },
    );
    expect(second.body.items.map((i: QueueItem) => i.finding.id)).toEqual(queue.slice(2, 4).map((i) => i.finding.id));
  });

  it('when a reviewer confirms a finding, then a case is filed against its site with frozen evidence; repeating is a no-op, changing is 409', async () => {
    const item = take();
    const res = await decide(item.finding.id, { decision: 'confirm', note: 'clearly visible' });
    expect(res.status).toBe(201);
    expect(res.body.findingStatus).toBe('confirmed');
    expect(res.body.case).toMatchObject({
      status: 'filed',
      siteId: item.finding.siteId,
      hazardCodes: [item.finding.hazardCode],
    });
    expect(res.body.case.reference).toMatch(/^HS-\d{6}$/);
    const again = await decide(item.finding.id, { decision: 'confirm', note: 'clearly visible' });
    expect(again.status).toBe(200);
    expect(again.body.case.id).toBe(res.body.case.id);
    expect((await decide(item.finding.id, { decision: 'reject', reason: 'false_positive' })).status).toBe(409);
    const detail = await t.request('GET', `/api/v1/cases/${res.body.case.id}`, { token: t.tokens.regulator });
    expect(detail.status).toBe(200);
    const evidence = detail.body.findings[0].evidence;
    expect(evidence.image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(evidence.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(evidence.review.reviewer).toBe('test-reviewer');
    expect(detail.body.findings[0].finding.views).toHaveLength(item.finding.viewCount);
    expect(detail.body.events.map((e: { kind: string }) => e.kind)).toEqual(['opened']);
    // Deciding the finding took it out of the queue.
    const after = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, {
      token: t.tokens.reviewer,
    });
    expect(after.body.items.map((i: QueueItem) => i.finding.id)).not.toContain(item.finding.id);
  });

  it('when a second finding at the same site is confirmed while its case is filed, then it joins that case; once notified, the next opens a new one', async () => {
    const first = (await t.request('GET', `/api/v1/cases?flightId=${flightId}`, { token: t.tokens.regulator })).body
      .items[0];
    const item = take();
    const joined = await decide(item.finding.id, { decision: 'confirm' });
    expect(joined.body.joinedCase).toBe(true);
    expect(joined.body.case.id).toBe(first.id);
    expect(joined.body.case.findingsCount).toBe(2);
    const notified = await t.request('POST', `/api/v1/cases/${first.id}/transitions`, {
      token: t.tokens.regulator,
      body: { to: 'notified', note: 'rectification notice served' },
    });
    expect(notified.status).toBe(200);
    const next = await decide(take().finding.id, { decision: 'confirm' });
    expect(next.body.joinedCase).toBe(false);
    expect(next.body.case.id).not.toBe(first.id);
    // A new case of the same site, not one of a finding without a site.
    expect(next.body.case.siteId).toBe(first.site.id);
  });

  it('when a confirmation and a regulator’s step on the same case race, then both complete without a deadlock', async () => {
    for (let round = 0; round < 3; round++) {
      const open = (
        await t.request('GET', `/api/v1/cases?flightId=${flightId}&status=filed`, { token: t.tokens.regulator })
      ).body.items[0];
      const [decided, moved] = await Promise.all([
        decide(take().finding.id, { decision: 'confirm' }),
        t.request('POST', `/api/v1/cases/${open.id}/transitions`, {
          token: t.tokens.regulator,
          body: { to: 'notified' },
        }),
      ]);
      expect(decided.status).toBe(201);
      expect(moved.status).toBe(200);
      // Whichever went first, the confirmation went into a filed case.
      const into = (await t.request('GET', `/api/v1/cases/${decided.body.case.id}`, { token: t.tokens.regulator }))
        .body;
      expect(into.findings.map((f: { findingId: string }) => f.findingId)).toContain(decided.body.findingId);
      expect(
        into.events.filter((e: { kind: string }) => e.kind === 'finding_added' || e.kind === 'opened').length,
      ).toBeGreaterThan(0);
    }
  });

  it('when a finding is rejected, then a reason is required and no case opens', async () => {
    const item = take();
    const missing = await decide(item.finding.id, { decision: 'reject' });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatch(/reason/);
    const other = await decide(item.finding.id, { decision: 'reject', reason: 'other' });
    expect(other.status).toBe(422);
    expect(other.body.detail).toMatch(/note/);
    const rejected = await decide(item.finding.id, { decision: 'reject', reason: 'false_positive', note: 'a shadow' });
    expect(rejected.status).toBe(201);
    expect(rejected.body.case).toBeNull();
    const finding = await t.request('GET', `/api/v1/findings/${item.finding.id}`, { token: t.tokens.reviewer });
    expect(finding.body.status).toBe('rejected');
  });

  it('when a finding is relabelled, then its case carries the new class and hazard', async () => {
    const item = take();
    const classes = (await t.request('GET', '/api/v1/model')).body.classes.filter(
      (c: { hazardCode: string | null }) => c.hazardCode,
    );
    const target = classes.find((c: { name: string }) => c.name !== item.finding.className);
    expect((await decide(item.finding.id, { decision: 'relabel', newClass: 'dragon' })).status).toBe(422);
    const res = await decide(item.finding.id, { decision: 'relabel', newClass: target.name });
    expect(res.status).toBe(201);
    expect(res.body.case.hazardCodes).toContain(target.hazardCode);
    const detail = await t.request('GET', `/api/v1/cases/${res.body.case.id}`, { token: t.tokens.regulator });
    expect(detail.body.findings.find((f: { findingId: string }) => f.findingId === item.finding.id).className).toBe(
      target.name,
    );
  });

  it('when two reviewers decide the same finding at once, then exactly one decision wins and the other gets 409', async () => {
    for (let round = 0; round < 3; round++) {
      const item = take();
      const results = await Promise.all([
        decide(item.finding.id, { decision: 'confirm' }),
        decide(item.finding.id, { decision: 'reject', reason: 'duplicate' }, secondReviewer),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const finding = await t.request('GET', `/api/v1/findings/${item.finding.id}`, { token: t.tokens.reviewer });
      const winner = results.find((r) => r.status === 201)!;
      expect(finding.body.status).toBe(winner.body.findingStatus);
    }
  });

  it('when one reviewer has a finding open, then a second sees who holds it and can neither lease nor decide it until it is released', async () => {
    const item = take();
    const lease = await t.request('POST', `/api/v1/findings/${item.finding.id}/lease`, { token: t.tokens.reviewer });
    expect(lease.status).toBe(200);
    expect(lease.body).toMatchObject({ holder: 'test-reviewer', mine: true });
    // Renewing one's own lease is fine.
    expect(
      (await t.request('POST', `/api/v1/findings/${item.finding.id}/lease`, { token: t.tokens.reviewer })).status,
    ).toBe(200);
    const refused = await t.request('POST', `/api/v1/findings/${item.finding.id}/lease`, { token: secondReviewer });
    expect(refused.status).toBe(409);
    expect(refused.body.context.leaseHolder).toBe('test-reviewer');
    expect((await decide(item.finding.id, { decision: 'confirm' }, secondReviewer)).status).toBe(409);
    const seen = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, {
      token: secondReviewer,
    });
    expect(seen.body.items.find((i: QueueItem) => i.finding.id === item.finding.id).lease).toMatchObject({
      holder: 'test-reviewer',
      mine: false,
    });
    expect(
      (await t.request('DELETE', `/api/v1/findings/${item.finding.id}/lease`, { token: secondReviewer })).status,
    ).toBe(204);
    expect(
      (await t.request('POST', `/api/v1/findings/${item.finding.id}/lease`, { token: secondReviewer })).status,
    ).toBe(409);
    expect(
      (await t.request('DELETE', `/api/v1/findings/${item.finding.id}/lease`, { token: t.tokens.reviewer })).status,
    ).toBe(204);
    expect(
      (await t.request('POST', `/api/v1/findings/${item.finding.id}/lease`, { token: secondReviewer })).status,
    ).toBe(200);
    queue.push(item);
    await t.request('DELETE', `/api/v1/findings/${item.finding.id}/lease`, { token: secondReviewer });
  });

  it('when the person who flew a flight reviews it, then they may not lease or decide its findings and their queue leaves them out', async () => {
    const ownFlightReviewer = await t.token({ name: 'test-operator', role: 'reviewer' });
    const item = queue[0]!;
    const lease = await t.request('POST', `/api/v1/findings/${item.finding.id}/lease`, { token: ownFlightReviewer });
    expect(lease.status).toBe(403);
    expect(lease.body.detail).toMatch(/flew this flight/);
    expect((await decide(item.finding.id, { decision: 'confirm' }, ownFlightReviewer)).status).toBe(403);
    const own = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}`, { token: ownFlightReviewer });
    expect(own.body.items).toEqual([]);
  });

  it('when someone uploaded a flight’s photos through presigned URLs, then they may not decide its findings, though another person created it', async () => {
    const uploader = await t.token({ name: 'presign-uploader', role: 'operator' });
    const flight = (
      await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name: 'uploaded by another' } })
    ).body.id;
    const photo = await demoPhoto('DJI_0011.JPG');
    const sha256 = createHash('sha256').update(photo).digest('hex');
    const tickets = await t.request('POST', `/api/v1/flights/${flight}/uploads`, {
      token: uploader,
      body: { files: [{ filename: 'DJI_0011.JPG', sha256, sizeBytes: photo.length, contentType: 'image/jpeg' }] },
    });
    const ticket = tickets.body.uploads[0];
    expect(
      (await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(photo) })).status,
    ).toBe(200);
    await t.request('POST', `/api/v1/flights/${flight}/complete`, { token: t.tokens.operator });
    const waiting = await waitFor('findings of the presigned flight', async () => {
      const res = await t.request('GET', `/api/v1/review/queue?flightId=${flight}`, { token: t.tokens.reviewer });
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    const asReviewer = await t.token({ name: 'presign-uploader', role: 'reviewer' });
    expect(
      (await t.request('GET', `/api/v1/review/queue?flightId=${flight}`, { token: asReviewer })).body.items,
    ).toEqual([]);
    expect(
      (await t.request('POST', `/api/v1/findings/${waiting[0].finding.id}/lease`, { token: asReviewer })).status,
    ).toBe(403);
    expect((await decide(waiting[0].finding.id, { decision: 'confirm' }, asReviewer)).status).toBe(403);
  });

  it('when a regulator or operator tries to review, then 403 and nothing changes', async () => {
    const item = queue[0]!;
    for (const role of ['regulator', 'operator', 'admin'] as const) {
      expect((await decide(item.finding.id, { decision: 'confirm' }, t.tokens[role])).status).toBe(403);
    }
    const finding = await t.request('GET', `/api/v1/findings/${item.finding.id}`, { token: t.tokens.reviewer });
    expect(finding.body.status).toBe('pending');
  });

  it('when a detection that is not the best view is decided by the older route, then 409 names the best view', async () => {
    const item = queue.find((i) => i.finding.viewCount > 1);
    expect(item).toBeDefined();
    const full = await t.request('GET', `/api/v1/findings/${item!.finding.id}`, { token: t.tokens.reviewer });
    const other = full.body.views[1].detection.id;
    const refused = await t.request('POST', `/api/v1/detections/${other}/review`, {
      token: t.tokens.reviewer,
      body: { decision: 'reject', reason: 'false_positive' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.context.bestDetectionId).toBe(item!.detection.id);
  });

  it('when a reviewer marks a hazard the model missed, then it is kept with its box and class; a box off the photo is refused', async () => {
    const image = queue[0]!.detection.imageId;
    const meta = (await t.request('GET', `/api/v1/images/${image}`, { token: t.tokens.reviewer })).body.image;
    const off = await t.request('POST', `/api/v1/images/${image}/missed-hazards`, {
      token: t.tokens.reviewer,
      body: { className: 'fire', box: [meta.width - 10, 10, meta.width + 50, 80] },
    });
    expect(off.status).toBe(422);
    const unknown = await t.request('POST', `/api/v1/images/${image}/missed-hazards`, {
      token: t.tokens.reviewer,
      body: { className: 'dragon', box: [10, 10, 80, 80] },
    });
    expect(unknown.status).toBe(422);
    const marked = await t.request('POST', `/api/v1/images/${image}/missed-hazards`, {
      token: t.tokens.reviewer,
      body: {
        className: 'no_helmet',
        box: [100, 120, 180, 240],
        note: 'worker by the gate',
        findingId: queue[0]!.finding.id,
      },
    });
    expect(marked.status).toBe(201);
    expect(marked.body).toMatchObject({
      className: 'no_helmet',
      box: [100, 120, 180, 240],
      reviewer: 'test-reviewer',
      imageSize: { width: meta.width, height: meta.height },
    });
    const listed = await t.request('GET', `/api/v1/missed-hazards?flightId=${flightId}`, { token: t.tokens.reviewer });
    expect(listed.body.items.map((m: { id: string }) => m.id)).toEqual([marked.body.id]);
  });

  it('when a crop or preview is asked for, then a JPEG comes back', async () => {
    for (const pathname of [
      `/api/v1/detections/${queue[0]!.detection.id}/crop`,
      `/api/v1/images/${queue[0]!.detection.imageId}/preview`,
    ]) {
      const res = await t.request('GET', pathname, { token: t.tokens.reviewer });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect((res.body as Buffer).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    }
  });
});

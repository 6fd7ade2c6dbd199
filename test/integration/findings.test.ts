import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSiteFeature } from '../factories.js';
import pg from 'pg';
import { POSTGRES_URL, ROOT, startTestApi, type TestApi, waitFor } from './harness.js';

const SAMPLES = path.join(ROOT, 'samples/demo-flight');

function takenOn(bytes: Buffer, exifDate: string | undefined): Buffer {
  if (!exifDate) return bytes;
  const from = Buffer.from('2026:03:07', 'latin1');
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + from.length))
    Buffer.from(exifDate, 'latin1').copy(bytes, at);
  return bytes;
}

describe('findings across flights', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Flies demo photos as if taken on `exifDate` (rewritten in place): a second visit to a place is
   * new bytes, not the same files again, which would link to the first upload as duplicates.
   */
  async function fly(
    name: string,
    files: string[],
    exifDate?: string,
  ): Promise<
    Array<{ id: string; hazardCode: string; siteId: string | null; recurringOf: string | null; views: unknown[] }>
  > {
    const flight = await t.request('POST', '/api/v1/flights', { token: t.tokens.operator, body: { name } });
    for (const f of files)
      await t.request('PUT', `/api/v1/flights/${flight.body.id}/images/${f}`, {
        token: t.tokens.operator,
        raw: takenOn(await readFile(path.join(SAMPLES, f)), exifDate),
      });
    await t.request('POST', `/api/v1/flights/${flight.body.id}/complete`, { token: t.tokens.operator });
    return waitFor(`findings of ${name}`, async () => {
      const res = await t.request('GET', `/api/v1/flights/${flight.body.id}/findings`, { token: t.tokens.reviewer });
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
  }

  it('when the same place is flown again within the window, then its findings are marked recurring and linked to the earlier ones', async () => {
    const demo = await demoSiteFeature(77);
    const site = await t.request('POST', '/api/v1/sites', {
      token: t.tokens.admin,
      body: demo.feature,
    });
    expect(site.status).toBe(201);
    const photos = ['DJI_0004.JPG', 'DJI_0005.JPG', 'DJI_0006.JPG'];
    const first = await fly('first visit', photos);
    expect(first.every((f) => f.recurringOf === null)).toBe(true);
    // The same hazard seen from three overlapping photos is one finding, not three.
    expect(first.some((f) => f.views.length > 1)).toBe(true);
    const second = await fly('second visit', photos, '2026:03:08');
    const firstIds = new Set(first.map((f) => f.id));
    const recurring = second.filter((f) => f.recurringOf !== null);
    expect(recurring.length).toBeGreaterThan(0);
    for (const f of recurring) {
      expect(firstIds.has(f.recurringOf!)).toBe(true);
      expect(first.find((e) => e.id === f.recurringOf)!.hazardCode).toBe(f.hazardCode);
    }
  });

  it('when a reviewer confirms a finding by its best view, then every view is confirmed, the case names the place, site and views, and it leaves the queue', async () => {
    const queue = await t.request('GET', '/api/v1/review/queue?limit=200', { token: t.tokens.reviewer });
    const item = queue.body.items.find((i: { finding: { viewCount: number } }) => i.finding.viewCount > 1);
    expect(item).toBeDefined();
    // Another view of the same hazard cannot be decided on its own: the finding is decided once.
    const full = await t.request('GET', `/api/v1/findings/${item.finding.id}`, { token: t.tokens.reviewer });
    const other = full.body.views[1].detection.id;
    const refused = await t.request('POST', `/api/v1/detections/${other}/review`, {
      token: t.tokens.reviewer,
      body: { decision: 'reject', reason: 'false_positive' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.context.bestDetectionId).toBe(item.detection.id);
    const decided = await t.request('POST', `/api/v1/detections/${item.detection.id}/review`, {
      token: t.tokens.reviewer,
      body: { decision: 'confirm' },
    });
    expect(decided.status).toBe(201);
    const detail = await t.request('GET', `/api/v1/cases/${decided.body.case.id}`, { token: t.tokens.regulator });
    const evidence = detail.body.findings.find((f: { findingId: string }) => f.findingId === item.finding.id).evidence;
    expect(evidence.finding.id).toBe(item.finding.id);
    expect(evidence.finding.views).toHaveLength(item.finding.viewCount);
    expect(evidence.finding.views.every((v: { imageSha256: string }) => /^[0-9a-f]{64}$/.test(v.imageSha256))).toBe(
      true,
    );
    expect(evidence.finding.position.errorM).toBeGreaterThan(0);
    expect(evidence.finding.siteId).toBe(item.finding.siteId);
    expect(detail.body.site.id).toBe(item.finding.siteId);
    const finding = await t.request('GET', `/api/v1/findings/${item.finding.id}`, { token: t.tokens.regulator });
    expect(finding.body.views.map((v: { detection: { state: string } }) => v.detection.state)).toEqual(
      new Array(item.finding.viewCount).fill('confirmed'),
    );
    const after = await t.request('GET', '/api/v1/review/queue?limit=200', { token: t.tokens.reviewer });
    expect(after.body.items.map((i: { finding: { id: string } }) => i.finding.id)).not.toContain(item.finding.id);
  });

  it('when an earlier finding was rejected by a reviewer, then a later one at the same place is not marked recurring because of it', async () => {
    // The demo site registered in the first test; its findings here are rejected, then the place is flown again.
    const photos = ['DJI_0010.JPG'];
    const first = await fly('visit to reject', photos);
    const queue = await t.request('GET', '/api/v1/review/queue?limit=200', { token: t.tokens.reviewer });
    for (const f of first) {
      const item = queue.body.items.find((i: { finding: { id: string } }) => i.finding.id === f.id);
      if (item)
        expect(
          (
            await t.request('POST', `/api/v1/detections/${item.detection.id}/review`, {
              token: t.tokens.reviewer,
              body: { decision: 'reject', reason: 'false_positive', note: 'not a hazard' },
            })
          ).status,
        ).toBe(201);
    }
    const again = await fly('visit after rejection', photos, '2026:03:09');
    const rejectedIds = new Set(first.map((f) => f.id));
    // Attributed to the site (registered by the first test), so recurrence applies at all.
    expect(first.some((f) => f.siteId !== null)).toBe(true);
    expect(again.every((f) => f.recurringOf === null || !rejectedIds.has(f.recurringOf))).toBe(true);
  });

  it('when a view settles after its finding was decided, then it becomes a new finding to review; while pending, it joins the finding', async () => {
    const [first] = await fly('late views', ['DJI_0004.JPG', 'DJI_0005.JPG', 'DJI_0006.JPG'], '2026:03:10').then(
      (all) => all.filter((f) => f.views.length >= 2),
    );
    expect(first).toBeDefined();
    const full = (await t.request('GET', `/api/v1/findings/${first!.id}`, { token: t.tokens.reviewer })).body;
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    // A view that had not settled at the merge: out of the finding again, as a late photo's detection is.
    const detach = async (detectionId: string) => {
      await db.query(`DELETE FROM "${t.schema}".finding_views WHERE detection_id = $1`, [detectionId]);
      await db.query(`UPDATE "${t.schema}".findings SET view_count = view_count - 1 WHERE id = $1`, [first!.id]);
    };
    try {
      const lastView = full.views.at(-1).detection.id;
      await detach(lastView);
      expect((await t.request('POST', `/api/v1/flights/${full.flightId}/findings/merge`)).body).toEqual({
        created: 0,
        joined: 1,
      });
      const again = (await t.request('GET', `/api/v1/findings/${first!.id}`, { token: t.tokens.reviewer })).body;
      expect(again.views.map((v: { detection: { id: string } }) => v.detection.id)).toContain(lastView);

      expect(
        (
          await t.request('POST', `/api/v1/findings/${first!.id}/decision`, {
            token: t.tokens.reviewer,
            body: { decision: 'reject', reason: 'unclear_image' },
          })
        ).status,
      ).toBe(201);
      await detach(lastView);
      await db.query(`UPDATE "${t.schema}".detections SET state = 'flagged' WHERE id = $1`, [lastView]);
      expect((await t.request('POST', `/api/v1/flights/${full.flightId}/findings/merge`)).body).toEqual({
        created: 1,
        joined: 0,
      });
      const decided = (await t.request('GET', `/api/v1/findings/${first!.id}`, { token: t.tokens.reviewer })).body;
      expect(decided.views.map((v: { detection: { id: string } }) => v.detection.id)).not.toContain(lastView);
      const queue = (
        await t.request('GET', `/api/v1/review/queue?flightId=${full.flightId}&limit=200`, { token: t.tokens.reviewer })
      ).body.items;
      expect(queue.some((i: { detection: { id: string } }) => i.detection.id === lastView)).toBe(true);
    } finally {
      await db.end();
    }
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCode, demoSiteFeature, squareSite } from '../factories.js';
import { flyDemoPhotos, POSTGRES_URL, startTestApi, type TestApi } from './harness.js';

interface CaseItem {
  id: string;
  reference: string;
  status: string;
  overdue: boolean;
  severity: string;
  hazardCodes: string[];
  createdAt: string;
  updatedAt: string;
  dueAt: string | null;
  position: { lat: number; lon: number } | null;
  site: { id: string; regionCode: string } | null;
}

describe('enforcement cases', () => {
  let t: TestApi;
  let flightId: string;
  let db: pg.Client;
  const cases: CaseItem[] = [];
  const future = () => new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString();
  const move = (id: string, body: object, token = t.tokens.regulator) =>
    t.request('POST', `/api/v1/cases/${id}/transitions`, { token, body });
  const list = async (query: string) =>
    (await t.request('GET', `/api/v1/cases?limit=200${query ? `&${query}` : ''}`, { token: t.tokens.regulator })).body;
  const auditActions = async (subjectId: string) =>
    (
      await db.query(`SELECT action FROM "${t.schema}".audit_log WHERE subject_id = $1 ORDER BY id`, [subjectId])
    ).rows.map((r) => r.action as string);

  beforeAll(async () => {
    t = await startTestApi();
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(41)).feature })).status).toBe(201);
    ({ flightId } = await flyDemoPhotos(t, 'cases', ['DJI_0004.JPG', 'DJI_0005.JPG', 'DJI_0006.JPG']));
    const queue = (
      await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, { token: t.tokens.reviewer })
    ).body.items as Array<{ finding: { id: string } }>;
    // Each confirmation after a notice opens a new case: five cases of one site, each notified but the last.
    for (const item of queue.slice(0, 5)) {
      const decided = await t.request('POST', `/api/v1/findings/${item.finding.id}/decision`, {
        token: t.tokens.reviewer,
        body: { decision: 'confirm' },
      });
      expect(decided.status).toBe(201);
      if (cases.length < 4) expect((await move(decided.body.case.id, { to: 'notified' })).status).toBe(200);
      cases.push((await list(`reference=${decided.body.case.reference}`)).items[0]);
    }
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('when a regulator moves a case through its whole lifecycle, then each step records actor, role, time and note, and the audit trail has them', async () => {
    const id = cases[0]!.id;
    expect((await move(id, { to: 'closed' })).status).toBe(409);
    expect((await move(id, { to: 'rectification_due', dueAt: future() }, t.tokens.reviewer)).status).toBe(403);
    const noDeadline = await move(id, { to: 'rectification_due' });
    expect(noDeadline.status).toBe(422);
    expect(noDeadline.body.context.problems[0].field).toBe('dueAt');
    expect(
      (await move(id, { to: 'rectification_due', dueAt: new Date(Date.now() - 60_000).toISOString() })).status,
    ).toBe(422);
    const dueAt = future();
    const due = await move(id, { to: 'rectification_due', dueAt, note: '15 days to install guard rails' });
    expect(due.status).toBe(200);
    expect(due.body.case).toMatchObject({ status: 'rectification_due', dueAt, overdue: false });
    expect((await move(id, { to: 'rectified' })).status).toBe(422);

    const photo = Buffer.from('%PDF-1.4\n% the enterprise statement\n');
    const uploaded = await t.request('PUT', `/api/v1/cases/${id}/attachments/${encodeURIComponent('整改报告.pdf')}`, {
      token: t.tokens.regulator,
      raw: photo,
      contentType: 'application/pdf',
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      filename: '整改报告.pdf',
      contentType: 'application/pdf',
      sizeBytes: photo.length,
    });
    expect(
      (
        await t.request('PUT', `/api/v1/cases/${id}/attachments/again.pdf`, {
          token: t.tokens.regulator,
          raw: photo,
          contentType: 'application/pdf',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await t.request('PUT', `/api/v1/cases/${id}/attachments/x.exe`, {
          token: t.tokens.regulator,
          raw: photo,
          contentType: 'application/octet-stream',
        })
      ).status,
    ).toBe(415);
    expect((await move(id, { to: 'rectified', attachmentIds: ['0f8fad5b-d9cb-469f-a165-70867728950e'] })).status).toBe(
      422,
    );
    expect(
      (await move(id, { to: 'rectified', attachmentIds: [uploaded.body.id], note: 'rails installed, photos received' }))
        .status,
    ).toBe(200);
    expect((await move(id, { to: 'verified', note: 'checked on the next flight' })).status).toBe(200);
    expect((await move(id, { to: 'closed' })).status).toBe(200);
    expect((await move(id, { to: 'dismissed', reason: 'duplicate' })).status).toBe(409);

    const detail = (await t.request('GET', `/api/v1/cases/${id}`, { token: t.tokens.regulator })).body;
    expect(detail.status).toBe('closed');
    expect(detail.next).toEqual([]);
    const transitions = detail.events.filter((e: { kind: string }) => e.kind === 'transition');
    expect(transitions.map((e: { toStatus: string }) => e.toStatus)).toEqual([
      'notified',
      'rectification_due',
      'rectified',
      'verified',
      'closed',
    ]);
    expect(
      transitions.every(
        (e: { actor: { name: string; role: string } }) =>
          e.actor.name === 'test-regulator' && e.actor.role === 'regulator',
      ),
    ).toBe(true);
    expect(transitions[1].dueAt).toBe(dueAt);
    expect(transitions[2].detail.attachments[0].sha256).toBe(uploaded.body.sha256);
    expect(detail.attachments).toHaveLength(1);
    const file = await t.request('GET', `/api/v1/cases/${id}/attachments/${uploaded.body.id}`, {
      token: t.tokens.regulator,
    });
    expect(Buffer.compare(file.body as Buffer, photo)).toBe(0);
    expect(file.headers.get('content-disposition')).toContain("filename*=UTF-8''%E6%95%B4");
    const actions = await auditActions(id);
    expect(actions).toEqual(
      expect.arrayContaining([
        'case.opened',
        'case.notified',
        'case.rectification_due',
        'case.attachment_added',
        'case.rectified',
        'case.verified',
        'case.closed',
        'case.viewed',
        'case.attachment_viewed',
      ]),
    );
  });

  it('when a case is dismissed, then a reason is required and the case is final', async () => {
    const id = cases[1]!.id;
    expect((await move(id, { to: 'dismissed' })).status).toBe(422);
    const dismissed = await move(id, {
      to: 'dismissed',
      reason: 'wrong_site',
      note: 'the drums belong to the neighbour',
    });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.case).toMatchObject({ status: 'dismissed', dismissalReason: 'wrong_site' });
  });

  it('when a deadline passes, then the case shows as overdue and the overdue filter finds it', async () => {
    const id = cases[2]!.id;
    expect((await move(id, { to: 'rectification_due', dueAt: future() })).status).toBe(200);
    expect((await list('overdue=true')).items).toEqual([]);
    // Time passing, as far as this case is concerned.
    await db.query(`UPDATE "${t.schema}".cases SET due_at = now() - interval '1 day' WHERE id = $1`, [id]);
    const overdue = await list('overdue=true');
    expect(overdue.items.map((c: CaseItem) => c.id)).toEqual([id]);
    expect(overdue.items[0].overdue).toBe(true);
    expect((await list('overdue=false')).items.map((c: CaseItem) => c.id)).not.toContain(id);
    const summary = (await t.request('GET', '/api/v1/cases/summary', { token: t.tokens.regulator })).body;
    expect(summary.overdue).toBe(1);
  });

  it('when cases are filtered by status, hazard, severity, region, place, dates and reference, then only matching ones come back', async () => {
    const all = (await list('')).items as CaseItem[];
    expect(all.length).toBe(5);
    const filed = (await list('status=filed')).items as CaseItem[];
    expect(filed.map((c) => c.id)).toEqual([cases[4]!.id]);
    expect(
      ((await list('status=filed,notified')).items as CaseItem[]).every((c) =>
        ['filed', 'notified'].includes(c.status),
      ),
    ).toBe(true);
    const hazard = cases[0]!.hazardCodes[0]!;
    expect(
      ((await list(`hazardCode=${hazard}`)).items as CaseItem[]).every((c) => c.hazardCodes.includes(hazard)),
    ).toBe(true);
    for (const severity of ['major', 'general'])
      expect(((await list(`severity=${severity}`)).items as CaseItem[]).every((c) => c.severity === severity)).toBe(
        true,
      );
    expect((await list('region=410105')).items.length).toBe(5);
    expect((await list('region=4102')).items).toEqual([]);
    const p = cases[0]!.position!;
    expect((await list(`bbox=${p.lon - 0.01},${p.lat - 0.01},${p.lon + 0.01},${p.lat + 0.01}`)).items.length).toBe(5);
    expect((await list(`bbox=${p.lon + 1},${p.lat + 1},${p.lon + 2},${p.lat + 2}`)).items).toEqual([]);
    expect((await list(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);
    expect((await list(`to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items.length).toBe(5);
    expect((await list(`reference=${cases[3]!.reference}`)).items.map((c: CaseItem) => c.id)).toEqual([cases[3]!.id]);
    const bad = await t.request('GET', '/api/v1/cases?status=open&bbox=1,2,3&severity=huge', {
      token: t.tokens.regulator,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['bbox', 'severity', 'status.0']);
  });

  it('when cases are paged one at a time in each sort order, then every case comes exactly once, in order', async () => {
    for (const sort of ['-createdAt', 'createdAt', '-updatedAt', 'dueAt', 'severity']) {
      const seen: CaseItem[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: CaseItem[]; nextCursor: string | null } = (
          await t.request('GET', `/api/v1/cases?sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, {
            token: t.tokens.regulator,
          })
        ).body;
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(seen.map((c) => c.id)).size, sort).toBe(5);
      expect(seen.length, sort).toBe(5);
      const key = (c: CaseItem) =>
        sort.endsWith('createdAt')
          ? c.createdAt
          : sort === '-updatedAt'
            ? c.updatedAt
            : sort === 'dueAt'
              ? (c.dueAt ?? '9999')
              : c.severity === 'major'
                ? '0'
                : '1';
      const keys = seen.map(key);
      const ordered = [...keys].sort();
      expect(keys, sort).toEqual(sort.startsWith('-') ? ordered.reverse() : ordered);
    }
    const first = (await t.request('GET', '/api/v1/cases?sort=dueAt&limit=1', { token: t.tokens.regulator })).body;
    expect(
      (
        await t.request('GET', `/api/v1/cases?sort=createdAt&limit=1&cursor=${first.nextCursor}`, {
          token: t.tokens.regulator,
        })
      ).status,
    ).toBe(400);
  });

  it('when cases are exported, then the CSV opens in a spreadsheet, the GeoJSON places them, the summary adds up, and each export is audited', async () => {
    const csv = await t.request('GET', '/api/v1/cases/export.csv', { token: t.tokens.regulator });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0]).toMatch(/^reference,id,status,overdue,severity,hazards/);
    expect(lines).toHaveLength(6);
    expect(csv.headers.get('x-total-rows')).toBe('5');
    const geo = await t.request('GET', '/api/v1/cases/export.geojson?status=notified', { token: t.tokens.regulator });
    expect(geo.headers.get('content-type')).toContain('application/geo+json');
    expect(geo.body.features.every((f: { properties: { status: string } }) => f.properties.status === 'notified')).toBe(
      true,
    );
    const summary = (await t.request('GET', '/api/v1/cases/summary', { token: t.tokens.regulator })).body;
    expect(summary.total).toBe(5);
    expect(Object.values(summary.byStatus as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(5);
    expect(Object.values(summary.byMonth as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(5);
    expect(summary.byRegion).toEqual({ '410105': 5 });
    expect(Object.keys(summary.byHazard).length).toBeGreaterThan(0);
    const exports = (
      await db.query(`SELECT detail FROM "${t.schema}".audit_log WHERE action = 'cases.exported' ORDER BY id`)
    ).rows.map((r) => r.detail);
    expect(exports.map((d) => d.format)).toEqual(['csv', 'geojson']);
    expect(exports[0].rows).toBe(5);
    expect(exports[1].filter).toEqual({ statuses: ['notified'] });
  });

  it('when a case has no site, then it cannot be notified until a regulator names one', async () => {
    // A finding placed outside every registered outline: its case has no liable site.
    const { flightId: away } = await flyDemoPhotos(t, 'no site', ['DJI_0001.JPG']);
    await db.query(`UPDATE "${t.schema}".findings SET site_id = NULL WHERE flight_id = $1`, [away]);
    const item = (await t.request('GET', `/api/v1/review/queue?flightId=${away}&limit=1`, { token: t.tokens.reviewer }))
      .body.items[0];
    const decided = await t.request('POST', `/api/v1/findings/${item.finding.id}/decision`, {
      token: t.tokens.reviewer,
      body: { decision: 'confirm' },
    });
    expect(decided.body.case.siteId).toBeNull();
    const refused = await move(decided.body.case.id, { to: 'notified' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/no liable site/);
    const site = cases[0]!.site!.id;

    // Registered after the cases, the far one first: "nearest first" is not "oldest first".
    const { origin } = await demoSiteFeature(41);
    for (const [n, name, east] of [
      [42, 'Far Works', 0.05],
      [43, 'Near Yard', 0.006],
    ] as const) {
      const feature = {
        type: 'Feature',
        properties: { name, creditCode: await creditCode(n), industry: 'logistics', regionCode: '410105' },
        geometry: squareSite(origin.lon + east, origin.lat - 0.002, 0.004),
      };
      expect((await t.request('POST', '/api/v1/sites', { body: feature })).status).toBe(201);
    }
    const candidates = await t.request('GET', `/api/v1/cases/${decided.body.case.id}/site-candidates?limit=3`, {
      token: t.tokens.regulator,
    });
    expect(candidates.status).toBe(200);
    const ranked = candidates.body.items as Array<{ site: { id: string; name: string }; distanceM: number }>;
    expect(ranked.map((c) => c.site.name)).toEqual(['Demo Chemicals Ltd', 'Near Yard', 'Far Works']);
    expect(ranked[0]!.site.id).toBe(site);
    expect(ranked[0]!.distanceM).toBe(0);
    expect(ranked[1]!.distanceM).toBeGreaterThan(0);
    expect(ranked[2]!.distanceM).toBeGreaterThan(ranked[1]!.distanceM);
    expect(
      (
        await t.request('GET', `/api/v1/cases/${decided.body.case.id}/site-candidates?limit=0`, {
          token: t.tokens.regulator,
        })
      ).status,
    ).toBe(400);
    expect(
      (await t.request('GET', `/api/v1/cases/${decided.body.case.id}/site-candidates`, { token: t.tokens.operator }))
        .status,
    ).toBe(403);
    expect(
      (
        await t.request('POST', `/api/v1/cases/${decided.body.case.id}/site`, {
          token: t.tokens.reviewer,
          body: { siteId: site },
        })
      ).status,
    ).toBe(403);
    const badSite = await t.request('POST', `/api/v1/cases/${decided.body.case.id}/site`, {
      token: t.tokens.regulator,
      body: { siteId: 'not-a-uuid' },
    });
    expect(badSite.status).toBe(400);
    expect(badSite.headers.get('content-type')).toContain('application/problem+json');
    expect(
      (
        await t.request('POST', `/api/v1/cases/${decided.body.case.id}/site`, {
          token: t.tokens.regulator,
          body: { siteId: site, note: 'the yard of this enterprise' },
        })
      ).status,
    ).toBe(200);
    expect((await move(decided.body.case.id, { to: 'notified' })).status).toBe(200);
    expect(
      (
        await t.request('POST', `/api/v1/cases/${decided.body.case.id}/site`, {
          token: t.tokens.regulator,
          body: { siteId: site },
        })
      ).status,
    ).toBe(409);
  });

  it('when the list is filtered by flight name, enterprise, hazard, status and dates, then the CSV export holds exactly the cases the list shows', async () => {
    const ids = async (query: string) => ((await list(query)).items as CaseItem[]).map((c) => c.id);
    const exported = async (query: string) => {
      const csv = await t.request('GET', `/api/v1/cases/export.csv?${query}`, { token: t.tokens.regulator });
      expect(csv.status).toBe(200);
      return (csv.body as Buffer)
        .toString('utf8')
        .slice(1)
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(',')[1]);
    };
    const all = await ids('');
    expect(all).toHaveLength(6);
    const fromFlight = cases.map((c) => c.id);
    expect((await ids('flight=CASES')).sort()).toEqual([...fromFlight].sort());
    const other = await ids(`flight=${encodeURIComponent('no site')}`);
    expect(other).toHaveLength(1);
    expect(fromFlight).not.toContain(other[0]);
    // A % is a character of the name, not a wildcard.
    expect(await ids(`flight=${encodeURIComponent('%')}`)).toEqual([]);
    expect(await ids(`enterprise=${encodeURIComponent('demo chem')}`)).toEqual(all);
    expect(await ids(`enterprise=${(await creditCode(41)).slice(0, 12)}`)).toEqual(all);
    expect(await ids(`enterprise=${encodeURIComponent('Near Yard')}`)).toEqual([]);

    const hazard = cases[4]!.hazardCodes[0]!;
    const day = (offset: number) => encodeURIComponent(new Date(Date.now() + offset).toISOString());
    const filters = [
      '',
      'flight=cases',
      `flight=cases&status=filed,notified&hazardCode=${hazard}`,
      `enterprise=${encodeURIComponent('Demo')}&status=notified&from=${day(-3600_000)}&to=${day(60_000)}`,
      `flight=${encodeURIComponent('no site')}&status=closed`,
      `from=${day(60_000)}`,
    ];
    for (const query of filters) {
      const shown = await ids(query);
      expect(await exported(query), query).toEqual(shown);
      const summary = (await t.request('GET', `/api/v1/cases/summary?${query}`, { token: t.tokens.regulator })).body;
      expect(summary.total, query).toBe(shown.length);
    }
    expect(await ids(`flight=cases&status=filed,notified&hazardCode=${hazard}`)).toContain(cases[4]!.id);
    expect(await ids(`flight=${encodeURIComponent('no site')}&status=notified`)).toEqual(other);
    expect(await ids(`from=${day(60_000)}`)).toEqual([]);

    for (const path of ['/api/v1/cases', '/api/v1/cases/export.csv', '/api/v1/cases/summary']) {
      const bad = await t.request('GET', `${path}?flight=&enterprise=${'x'.repeat(201)}&to=yesterday`, {
        token: t.tokens.regulator,
      });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type'), path).toContain('application/problem+json');
      expect(bad.body.issues.map((i: { path: string }) => i.path).sort(), path).toEqual(['enterprise', 'flight', 'to']);
    }
    const audited = (
      await db.query(
        `SELECT detail FROM "${t.schema}".audit_log WHERE action = 'cases.exported' AND detail->'filter' ? 'flightName' ORDER BY id LIMIT 1`,
      )
    ).rows.map((r) => r.detail.filter);
    expect(audited).toEqual([{ flightName: 'cases' }]);
  });
});

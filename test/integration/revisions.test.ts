import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSiteFeature } from '../factories.js';
import { flyDemoPhotos, POSTGRES_URL, startTestApi, type TestApi } from './harness.js';

interface QueueItem {
  finding: { id: string; siteId: string | null; hazardCode: string; className: string };
}
interface HistoryItem {
  kind: string;
  actor: { name: string; role: string } | null;
  decision: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  case: { id: string; reference: string } | null;
}

describe('revising a decision on a finding', () => {
  let t: TestApi;
  let db: pg.Client;
  let queue: QueueItem[];
  // The two findings of the first test, both in one filed case.
  let pair: { a: string; b: string; caseId: string };
  const take = () => {
    const item = queue.shift();
    if (!item) throw new Error('the queue ran out of findings for this test');
    return item.finding;
  };
  const decide = (findingId: string, body: object) =>
    t.request('POST', `/api/v1/findings/${findingId}/decision`, { token: t.tokens.reviewer, body });
  const revise = (findingId: string, body: object, token = t.tokens.admin) =>
    t.request('POST', `/api/v1/findings/${findingId}/revise`, { token, body });
  const history = async (findingId: string): Promise<HistoryItem[]> => {
    const res = await t.request('GET', `/api/v1/findings/${findingId}/history`, { token: t.tokens.reviewer });
    expect(res.status).toBe(200);
    return res.body.items;
  };
  const caseOf = async (caseId: string) =>
    (await t.request('GET', `/api/v1/cases/${caseId}`, { token: t.tokens.regulator })).body;

  beforeAll(async () => {
    t = await startTestApi();
    expect((await t.request('POST', '/api/v1/sites', { body: (await demoSiteFeature(31)).feature })).status).toBe(201);
    const { flightId } = await flyDemoPhotos(t, 'revisions', ['DJI_0004.JPG', 'DJI_0005.JPG', 'DJI_0006.JPG']);
    const res = await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, {
      token: t.tokens.reviewer,
    });
    // Findings at the site, so confirmed ones share the site's case for the flight.
    queue = res.body.items.filter((i: QueueItem) => i.finding.siteId !== null);
    db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`SET search_path TO ${t.schema}`);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('when a reviewer confirms and an admin revises to reject with a reason, then the history shows both, the audit has the reason and the finding left its case', async () => {
    // The tests below take five findings at the site, one by one.
    expect(queue.length).toBeGreaterThanOrEqual(5);
    const a = take();
    const b = take();
    const first = await decide(a.id, { decision: 'confirm' });
    expect(first.status).toBe(201);
    const caseId: string = first.body.case.id;
    expect((await decide(b.id, { decision: 'confirm' })).body.case.id).toBe(caseId);

    const reason = 'the flame is a welding torch behind a screen, allowed by permit';
    const res = await revise(a.id, { decision: 'reject', reason });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      findingStatus: 'rejected',
      fromStatus: 'confirmed',
      caseEffect: 'left',
      reason,
      case: { id: caseId, findingsCount: 1, status: 'filed' },
    });

    const items = await history(a.id);
    const kinds = items.map((e) => e.kind);
    expect(kinds[0]).toBe('detected');
    expect(kinds.slice(kinds.indexOf('decided'))).toEqual(['decided', 'case_opened', 'revised', 'case_left']);
    expect(items.find((e) => e.kind === 'decided')).toMatchObject({
      actor: { name: 'test-reviewer', role: 'reviewer' },
      decision: 'confirm',
      toStatus: 'confirmed',
    });
    expect(items.find((e) => e.kind === 'revised')).toMatchObject({
      actor: { name: 'test-admin', role: 'admin' },
      decision: 'reject',
      fromStatus: 'confirmed',
      toStatus: 'rejected',
      reason,
    });

    // The admin's revision now stands: the reviewer who first decided may no longer revise it.
    const asReviewer = await t.request('GET', `/api/v1/findings/${a.id}/history`, { token: t.tokens.reviewer });
    const asAdmin = await t.request('GET', `/api/v1/findings/${a.id}/history`, { token: t.tokens.admin });
    expect([asReviewer.body.canRevise, asAdmin.body.canRevise]).toEqual([false, true]);

    const audit = await db.query<{ actor: string; detail: { reason: string; revisionId: string } }>(
      "SELECT actor, detail FROM audit_log WHERE action = 'finding.revised' AND subject_id = $1",
      [a.id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor: 'admin:test-admin', detail: { reason, revisionId: res.body.id } });

    const detail = await caseOf(caseId);
    expect(detail.findingsCount).toBe(1);
    expect(detail.findings.map((f: { finding: { id: string } }) => f.finding.id)).toEqual([b.id]);
    expect(detail.events.map((e: { kind: string }) => e.kind)).toContain('finding_removed');

    // Back to confirmed: it joins the site's filed case as a fresh confirmation would.
    const back = await revise(a.id, { decision: 'confirm', reason: 'the permit had expired that day' });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ findingStatus: 'confirmed', caseEffect: 'joined', case: { id: caseId } });
    expect((await caseOf(caseId)).findingsCount).toBe(2);
    pair = { a: a.id, b: b.id, caseId };
  });

  it('when every finding of a filed case is revised to reject, then the case is dismissed as not a violation', async () => {
    expect((await revise(pair.a, { decision: 'reject', reason: 'permit confirmed by phone' })).body.caseEffect).toBe(
      'left',
    );
    const last = await revise(pair.b, { decision: 'reject', reason: 'same torch, other angle' });
    expect(last.status).toBe(201);
    expect(last.body).toMatchObject({ caseEffect: 'dismissed', case: { id: pair.caseId, status: 'dismissed' } });
    const detail = await caseOf(pair.caseId);
    expect(detail).toMatchObject({ status: 'dismissed', dismissalReason: 'not_a_violation', findingsCount: 0 });
    expect(detail.events.at(-1)).toMatchObject({ kind: 'transition', toStatus: 'dismissed' });
    expect((await history(pair.b)).map((e) => e.kind).slice(-3)).toEqual(['revised', 'case_left', 'case_dismissed']);
  });

  it('when the reason is missing or blank, then 400 names the field', async () => {
    for (const body of [{ decision: 'reject' }, { decision: 'reject', reason: '   ' }]) {
      const res = await revise(pair.a, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain('reason');
    }
  });

  it('when the role may not revise, or another reviewer tries, then 403; the reviewer who decided may', async () => {
    const c = take();
    expect((await decide(c.id, { decision: 'reject', reason: 'false_positive' })).status).toBe(201);
    const body = { decision: 'confirm', reason: 'looked again at full size' };
    const regulator = await revise(c.id, body, t.tokens.regulator);
    expect(regulator.status).toBe(403);
    const other = await t.token({ name: 'other-reviewer', role: 'reviewer' });
    const byOther = await revise(c.id, body, other);
    expect(byOther.status).toBe(403);
    expect(byOther.body.detail).toMatch(/only their own decision/);
    const own = await revise(c.id, body, t.tokens.reviewer);
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ findingStatus: 'confirmed', fromStatus: 'rejected' });
    // The site's case was dismissed by the test before, so a fresh one opens.
    expect(own.body.caseEffect).toBe('opened');
  });

  it('when the case was notified, then revising to reject is refused with 409 saying why, and nothing changes', async () => {
    const d = take();
    const decided = await decide(d.id, { decision: 'confirm' });
    const caseId: string = decided.body.case.id;
    const notified = await t.request('POST', `/api/v1/cases/${caseId}/transitions`, {
      token: t.tokens.regulator,
      body: { to: 'notified' },
    });
    expect(notified.status).toBe(200);
    const before = (await caseOf(caseId)).findingsCount;
    const res = await revise(d.id, { decision: 'reject', reason: 'not a violation after all' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/already notified: the enterprise was notified/);
    expect(res.body.context).toMatchObject({ caseStatus: 'notified' });
    expect((await caseOf(caseId)).findingsCount).toBe(before);
    expect((await history(d.id)).map((e) => e.kind)).not.toContain('revised');
  });
  it('when a confirmation in a filed case is revised to a relabel, then the case carries the new hazard', async () => {
    const e = take();
    const decided = await decide(e.id, { decision: 'confirm' });
    expect(decided.body.case.status).toBe('filed');
    const classes: Array<{ name: string; hazardCode: string | null }> = (
      await t.request('GET', '/api/v1/model', { token: t.tokens.reviewer })
    ).body.classes;
    const other = classes.find((c) => c.hazardCode && c.hazardCode !== e.hazardCode)!;
    const res = await revise(e.id, { decision: 'relabel', label: other.name, reason: 'it is a drum, not a fire' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      findingStatus: 'relabelled',
      fromClass: e.className,
      toClass: other.name,
      caseEffect: 'relabelled',
    });
    const detail = await caseOf(decided.body.case.id);
    expect(detail.hazardCodes).toEqual([other.hazardCode]);
    expect(detail.findings[0]).toMatchObject({ className: other.name, hazardCode: other.hazardCode });
    expect((await history(e.id)).map((h) => h.kind).slice(-2)).toEqual(['revised', 'case_relabelled']);
  });
});

import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { caseAttachments, caseEvents, caseFindings, cases, detections, findingViews, findings, flights, images, reviews, sites } from '../db/schema.js';
import { type CaseStatus, checkTransition, type DismissalReason, graver, joinsExistingCase, type TransitionRequest } from '../domain/cases.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { checkDecision, checkNotHeldByAnother, type DecisionRequest, type DetectionState, opensCase, stateAfter } from '../domain/review.js';
import type { Principal } from '../domain/roles.js';
import type { Scope } from '../domain/scope.js';
import type { AuditRepository } from './audit.js';
import type { FindingRow } from './findings.js';
import { inScopeSql, regionPrefixSql } from './scope-sql.js';

export type ReviewRow = typeof reviews.$inferSelect;
export type CaseRow = typeof cases.$inferSelect;
export type CaseFindingRow = typeof caseFindings.$inferSelect;
export type CaseEventRow = typeof caseEvents.$inferSelect;
export type AttachmentRow = typeof caseAttachments.$inferSelect;

export interface CaseFilter {
  scope: Scope;
  /** The caller's region, narrowed by the one asked for. */
  regionPrefix: string;
  siteId?: string | undefined;
  flightId?: string | undefined;
  hazardCode?: string | undefined;
  severity?: 'major' | 'general' | undefined;
  statuses?: readonly CaseStatus[] | undefined;
  overdue?: boolean | undefined;
  /** Filed at or after / at or before. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** [west, south, east, north] in WGS-84 degrees. */
  bbox?: readonly [number, number, number, number] | undefined;
  number?: number | undefined;
  /** Only cases with a position (for maps). */
  placedOnly?: boolean | undefined;
}

/**
 * Sort orders the case list offers. Each is a keyset: the cursor carries the key of the last row,
 * so pages never skip or repeat rows while cases are added.
 */
export const CASE_SORTS = {
  '-createdAt': { direction: 'desc', keys: [{ expr: sql`${cases.createdAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.createdAt.toISOString() }] },
  createdAt: { direction: 'asc', keys: [{ expr: sql`${cases.createdAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.createdAt.toISOString() }] },
  '-updatedAt': { direction: 'desc', keys: [{ expr: sql`${cases.updatedAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.updatedAt.toISOString() }] },
  // Soonest deadline first; cases without one after all that have one.
  dueAt: { direction: 'asc', keys: [{ expr: sql`coalesce(${cases.dueAt}, 'infinity'::timestamptz)`, cast: 'timestamptz', of: (c: CaseRow) => (c.dueAt ? c.dueAt.toISOString() : 'infinity') }] },
  // Major before general, newest first within each.
  severity: {
    direction: 'desc',
    keys: [
      { expr: sql`(CASE ${cases.severity} WHEN 'major' THEN 1 ELSE 0 END)`, cast: 'int', of: (c: CaseRow) => (c.severity === 'major' ? 1 : 0) },
      { expr: sql`${cases.createdAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.createdAt.toISOString() },
    ],
  },
} as const satisfies Record<string, { direction: 'asc' | 'desc'; keys: ReadonlyArray<{ expr: SQL; cast: string; of: (c: CaseRow) => string | number }> }>;
export type CaseSort = keyof typeof CASE_SORTS;

export interface CaseKey {
  values: Array<string | number>;
  id: string;
}

export interface CaseListRow {
  case: CaseRow;
  site: { id: string; name: string; creditCode: string; regionCode: string } | null;
}

export interface DecisionOutcome {
  review: ReviewRow;
  finding: FindingRow;
  caseRow: CaseRow | undefined;
  /** True when the finding joined the site's case for the flight rather than opening one. */
  joinedCase: boolean;
  alreadyRecorded: boolean;
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export class CaseRepository {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Records a reviewer's decision on a finding (made on its best view) and, when it confirms a
   * hazard, puts it into a case: the site's case for the flight while that is still only filed, a
   * new one otherwise. One transaction with the finding row locked first, so of two reviewers
   * deciding at once exactly one wins, and views of one finding never deadlock.
   */
  async decideFinding(
    findingId: string,
    scope: Scope,
    reviewer: Principal,
    request: DecisionRequest,
    knownClasses: readonly string[],
    hazardOf: (className: string) => { hazardCode: string; severity: 'major' | 'general' },
    now: Date,
  ): Promise<DecisionOutcome> {
    return this.db.transaction(async (tx) => {
      const [finding] = await tx.select().from(findings).where(and(eq(findings.id, findingId), inScopeSql(findings, scope))).for('update').limit(1);
      if (!finding) throw new NotFoundError(`no finding ${findingId}`);
      const [detection] = await tx.select().from(detections).where(eq(detections.id, finding.bestDetectionId)).for('update').limit(1);
      if (!detection) throw new NotFoundError(`finding ${findingId} has lost its best view`);
      const [existing] = await tx.select().from(reviews).where(eq(reviews.detectionId, detection.id)).limit(1);
      const verdict = checkDecision(detection.state as DetectionState, existing && { ...existing, reviewerId: existing.reviewerUserId ?? existing.reviewerId }, reviewer.userId, request, knownClasses, detection.className);
      if (verdict === 'already-recorded') {
        const [link] = await tx.select().from(caseFindings).where(eq(caseFindings.detectionId, detection.id)).limit(1);
        const [caseRow] = link ? await tx.select().from(cases).where(eq(cases.id, link.caseId)).limit(1) : [];
        return { review: existing!, finding, caseRow, joinedCase: false, alreadyRecorded: true };
      }
      checkNotHeldByAnother({ userId: finding.leaseUserId, holder: finding.leaseHolder, expiresAt: finding.leaseExpiresAt }, reviewer.userId, now);
      const [review] = await tx
        .insert(reviews)
        .values({
          id: randomUUID(),
          detectionId: detection.id,
          findingId,
          reviewerId: reviewer.tokenId,
          reviewerUserId: reviewer.userId,
          reviewerName: reviewer.name,
          decision: request.decision,
          newClass: request.newClass ?? null,
          reason: request.reason ?? null,
          note: request.note ?? null,
        })
        .returning();
      const state = stateAfter(request.decision);
      // Deciding the finding decides every view of it still waiting.
      const views = await tx
        .select({ detection: detections, rank: findingViews.rank, sha256: images.sha256, imageId: images.id })
        .from(findingViews)
        .innerJoin(detections, eq(detections.id, findingViews.detectionId))
        .innerJoin(images, eq(images.id, detections.imageId))
        .where(eq(findingViews.findingId, findingId))
        .orderBy(findingViews.rank);
      const waiting = [detection.id, ...views.filter((v) => v.detection.id !== detection.id && v.detection.state === 'flagged').map((v) => v.detection.id)];
      await tx.update(detections).set({ state }).where(inArray(detections.id, waiting));
      const [decided] = await tx.update(findings).set({ status: state, decidedAt: now, leaseUserId: null, leaseHolder: null, leaseExpiresAt: null }).where(eq(findings.id, findingId)).returning();
      const actor = `${reviewer.role}:${reviewer.name}`;
      // Audit entries are written last: the chain's head row is the one lock every writer takes,
      // so taking it after the case rows keeps the lock order the same as in transition().
      const decisionEntry = {
        actor,
        action: `finding.${state}`,
        subjectType: 'finding',
        subjectId: findingId,
        detail: { detectionId: detection.id, reviewId: review!.id, userId: reviewer.userId, newClass: request.newClass ?? null, reason: request.reason ?? null, note: request.note ?? null, views: waiting.length },
      };
      if (!opensCase(request.decision)) {
        await this.audit.append(decisionEntry, tx);
        return { review: review!, finding: decided!, caseRow: undefined, joinedCase: false, alreadyRecorded: false };
      }

      const [image] = await tx.select().from(images).where(eq(images.id, detection.imageId)).limit(1);
      const className = request.newClass ?? detection.className;
      // A confirmed finding keeps the hazard it was detected as (the model may have changed since);
      // only a relabel takes the mapping of the class it names.
      const hazard = request.newClass ? hazardOf(request.newClass) : { hazardCode: detection.hazardCode, severity: detection.severity };
      const evidence = {
        image: { id: image!.id, objectKey: image!.objectKey, sha256: image!.sha256, width: image!.width, height: image!.height, capture: image!.capture },
        detection: { id: detection.id, className: detection.className, score: detection.score, threshold: detection.threshold, box: [detection.x1, detection.y1, detection.x2, detection.y2] },
        model: { name: detection.modelName, version: detection.modelVersion, sha256: detection.modelSha256 },
        review: { id: review!.id, reviewer: reviewer.name, reviewerUserId: reviewer.userId, decision: request.decision, newClass: request.newClass ?? null, note: request.note ?? null, decidedAt: review!.createdAt },
        detectedAt: detection.createdAt,
        finding: {
          id: finding.id,
          position: finding.lat !== null && finding.lon !== null ? { lat: finding.lat, lon: finding.lon, errorM: finding.errorM } : null,
          siteId: finding.siteId,
          recurringOf: finding.recurringOf,
          views: views.map((v) => ({ rank: v.rank, detectionId: v.detection.id, imageId: v.imageId, imageSha256: v.sha256, score: v.detection.score, box: [v.detection.x1, v.detection.y1, v.detection.x2, v.detection.y2] })),
        },
      };
      // The flight row orders case openings: two confirmations at one site never open two cases.
      // NO KEY UPDATE: photos and findings of the flight (which take KEY SHARE through their
      // foreign key) are not held up meanwhile.
      await tx.select({ id: flights.id }).from(flights).where(eq(flights.id, finding.flightId)).for('no key update');
      const [open] = finding.siteId
        ? await tx.select().from(cases).where(and(eq(cases.flightId, finding.flightId), eq(cases.siteId, finding.siteId), eq(cases.status, 'filed'))).orderBy(desc(cases.createdAt)).limit(1).for('update')
        : [];
      const link = { findingId, detectionId: detection.id, className, hazardCode: hazard.hazardCode, severity: hazard.severity, evidence };
      let caseRow: CaseRow;
      let joined = false;
      if (open && joinsExistingCase({ status: open.status, siteId: open.siteId }, finding.siteId)) {
        joined = true;
        [caseRow] = (await tx
          .update(cases)
          .set({
            severity: graver(open.severity, hazard.severity),
            hazardCodes: [...new Set([...open.hazardCodes, hazard.hazardCode])].sort(),
            findingsCount: open.findingsCount + 1,
            lat: open.lat ?? finding.lat,
            lon: open.lon ?? finding.lon,
            updatedAt: now,
          })
          .where(eq(cases.id, open.id))
          .returning()) as [CaseRow];
        await tx.insert(caseFindings).values({ caseId: open.id, ...link, addedAt: now });
        await this.event(tx, open.id, { kind: 'finding_added', actor: reviewer, detail: { findingId, hazardCode: hazard.hazardCode, reviewId: review!.id }, at: now });
        await this.audit.append(decisionEntry, tx);
        await this.audit.append({ actor, action: 'case.finding_added', subjectType: 'case', subjectId: open.id, detail: { findingId, detectionId: detection.id, hazardCode: hazard.hazardCode } }, tx);
      } else {
        [caseRow] = (await tx
          .insert(cases)
          .values({
            id: randomUUID(),
            organisationId: finding.organisationId,
            regionCode: finding.regionCode,
            siteId: finding.siteId,
            flightId: finding.flightId,
            status: 'filed',
            severity: hazard.severity,
            hazardCodes: [hazard.hazardCode],
            findingsCount: 1,
            lat: finding.lat,
            lon: finding.lon,
            openedByUser: reviewer.userId,
            createdAt: now,
            updatedAt: now,
          })
          .returning()) as [CaseRow];
        await tx.insert(caseFindings).values({ caseId: caseRow.id, ...link, addedAt: now });
        await this.event(tx, caseRow.id, { kind: 'opened', toStatus: 'filed', actor: reviewer, detail: { findingId, hazardCode: hazard.hazardCode, reviewId: review!.id }, at: now });
        await this.audit.append(decisionEntry, tx);
        await this.audit.append({ actor, action: 'case.opened', subjectType: 'case', subjectId: caseRow.id, detail: { findingId, detectionId: detection.id, hazardCode: hazard.hazardCode, siteId: finding.siteId } }, tx);
      }
      return { review: review!, finding: decided!, caseRow, joinedCase: joined, alreadyRecorded: false };
    });
  }

  /** Moves a case along its lifecycle (domain/cases.ts decides what is allowed), with its event and audit entry. */
  async transition(caseId: string, scope: Scope, actor: Principal, request: TransitionRequest & { attachmentIds: readonly string[] }, now: Date): Promise<{ caseRow: CaseRow; event: CaseEventRow }> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(cases).where(and(eq(cases.id, caseId), inScopeSql(cases, scope))).for('update').limit(1);
      if (!current) throw new NotFoundError(`no case ${caseId}`);
      const attachments = request.attachmentIds.length ? await tx.select().from(caseAttachments).where(and(eq(caseAttachments.caseId, caseId), inArray(caseAttachments.id, [...request.attachmentIds]))) : [];
      const unknown = request.attachmentIds.filter((id) => !attachments.some((a) => a.id === id));
      if (unknown.length) throw new UnprocessableError(`attachments ${unknown.join(', ')} do not belong to this case; upload them to it first`, { field: 'attachmentIds', unknown });
      checkTransition(current.status, actor.role, { ...request, attachmentCount: attachments.length }, { hasSite: current.siteId !== null, now });
      const [caseRow] = await tx
        .update(cases)
        .set({
          status: request.to,
          updatedAt: now,
          ...(request.to === 'rectification_due' ? { dueAt: request.dueAt ?? null } : {}),
          ...(request.to === 'dismissed' ? { dismissalReason: request.reason ?? null } : {}),
        })
        .where(eq(cases.id, caseId))
        .returning();
      const event = await this.event(tx, caseId, {
        kind: 'transition',
        fromStatus: current.status,
        toStatus: request.to,
        actor,
        note: request.note,
        reason: request.reason,
        dueAt: request.dueAt,
        detail: attachments.length ? { attachments: attachments.map((a) => ({ id: a.id, filename: a.filename, sha256: a.sha256 })) } : undefined,
        at: now,
      });
      await this.audit.append(
        {
          actor: `${actor.role}:${actor.name}`,
          action: `case.${request.to}`,
          subjectType: 'case',
          subjectId: caseId,
          detail: { from: current.status, to: request.to, note: request.note ?? null, reason: request.reason ?? null, dueAt: request.dueAt?.toISOString() ?? null, attachments: attachments.map((a) => a.sha256), eventId: event.id },
        },
        tx,
      );
      return { caseRow: caseRow!, event };
    });
  }

  /** Names the liable site of a case that has none yet (or corrects it before the enterprise is notified). */
  async assignSite(caseId: string, scope: Scope, actor: Principal, site: { id: string; regionCode: string }, note: string | undefined, now: Date): Promise<CaseRow> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(cases).where(and(eq(cases.id, caseId), inScopeSql(cases, scope))).for('update').limit(1);
      if (!current) throw new NotFoundError(`no case ${caseId}`);
      if (current.status !== 'filed') throw new ConflictError(`the site of a ${current.status} case cannot change: the enterprise may already have been told`, { status: current.status });
      const [caseRow] = await tx.update(cases).set({ siteId: site.id, regionCode: site.regionCode, updatedAt: now }).where(eq(cases.id, caseId)).returning();
      await this.event(tx, caseId, { kind: 'site_assigned', actor, note, detail: { siteId: site.id, previousSiteId: current.siteId }, at: now });
      await this.audit.append({ actor: `${actor.role}:${actor.name}`, action: 'case.site_assigned', subjectType: 'case', subjectId: caseId, detail: { siteId: site.id, previousSiteId: current.siteId, note: note ?? null } }, tx);
      return caseRow!;
    });
  }

  /** Records a file the enterprise gave (already stored); the same bytes twice are one attachment. */
  async addAttachment(caseId: string, scope: Scope, actor: Principal, file: { objectKey: string; filename: string; contentType: string; sha256: string; sizeBytes: number }, now: Date): Promise<{ attachment: AttachmentRow; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(cases).where(and(eq(cases.id, caseId), inScopeSql(cases, scope))).for('update').limit(1);
      if (!current) throw new NotFoundError(`no case ${caseId}`);
      if (current.status === 'closed' || current.status === 'dismissed') throw new ConflictError(`case ${caseId} is ${current.status}: nothing more is attached to it`, { status: current.status });
      const [existing] = await tx.select().from(caseAttachments).where(and(eq(caseAttachments.caseId, caseId), eq(caseAttachments.sha256, file.sha256))).limit(1);
      if (existing) return { attachment: existing, created: false };
      const [attachment] = await tx.insert(caseAttachments).values({ id: randomUUID(), caseId, ...file, uploadedByUser: actor.userId, uploadedByName: actor.name, createdAt: now }).returning();
      await tx.update(cases).set({ updatedAt: now }).where(eq(cases.id, caseId));
      await this.event(tx, caseId, { kind: 'attachment_added', actor, detail: { attachmentId: attachment!.id, filename: file.filename, sha256: file.sha256, sizeBytes: file.sizeBytes }, at: now });
      await this.audit.append({ actor: `${actor.role}:${actor.name}`, action: 'case.attachment_added', subjectType: 'case', subjectId: caseId, detail: { attachmentId: attachment!.id, filename: file.filename, sha256: file.sha256 } }, tx);
      return { attachment: attachment!, created: true };
    });
  }

  async get(id: string, scope: Scope): Promise<CaseRow | undefined> {
    const [row] = await this.db.select().from(cases).where(and(eq(cases.id, id), inScopeSql(cases, scope))).limit(1);
    return row;
  }

  async findingsOf(caseId: string): Promise<CaseFindingRow[]> {
    return this.db.select().from(caseFindings).where(eq(caseFindings.caseId, caseId)).orderBy(asc(caseFindings.addedAt), asc(caseFindings.detectionId));
  }

  async eventsOf(caseId: string): Promise<CaseEventRow[]> {
    return this.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId)).orderBy(asc(caseEvents.id));
  }

  async attachmentsOf(caseId: string): Promise<AttachmentRow[]> {
    return this.db.select().from(caseAttachments).where(eq(caseAttachments.caseId, caseId)).orderBy(asc(caseAttachments.createdAt), asc(caseAttachments.id));
  }

  async attachment(caseId: string, attachmentId: string): Promise<AttachmentRow | undefined> {
    const [row] = await this.db.select().from(caseAttachments).where(and(eq(caseAttachments.caseId, caseId), eq(caseAttachments.id, attachmentId))).limit(1);
    return row;
  }

  /** The cases (with their sites) matching a filter, in a sort order, after a keyset. */
  async list(filter: CaseFilter, sort: CaseSort, limit: number, after: CaseKey | undefined, now: Date): Promise<CaseListRow[]> {
    const order = CASE_SORTS[sort];
    const keys = [...order.keys.map((k) => k.expr), sql`${cases.id}`];
    const keyset = after
      ? sql`(${sql.join(keys, sql`, `)}) ${sql.raw(order.direction === 'desc' ? '<' : '>')} (${sql.join([...order.keys.map((k, i) => sql`${after.values[i]}::${sql.raw(k.cast)}`), sql`${after.id}::uuid`], sql`, `)})`
      : undefined;
    const rows = await this.db
      .select({ case: cases, siteName: sites.name, siteCreditCode: sites.creditCode, siteRegion: sites.regionCode })
      .from(cases)
      .leftJoin(sites, eq(sites.id, cases.siteId))
      .where(and(...filterConditions(filter, now), keyset))
      .orderBy(...keys.map((k) => (order.direction === 'desc' ? desc(k) : asc(k))))
      .limit(limit);
    return rows.map((r) => ({ case: r.case, site: r.case.siteId && r.siteName !== null ? { id: r.case.siteId, name: r.siteName, creditCode: r.siteCreditCode!, regionCode: r.siteRegion! } : null }));
  }

  /** Whether a cursor's key fits the sort (a forged one must be refused, not reach SQL casts). */
  fitsSort(key: CaseKey, sort: CaseSort): boolean {
    const keys = CASE_SORTS[sort].keys;
    return (
      key.values.length === keys.length &&
      keys.every((k, i) => {
        const v = key.values[i];
        return k.cast === 'int' ? Number.isInteger(v) : typeof v === 'string' && (v === 'infinity' || !Number.isNaN(Date.parse(v)));
      })
    );
  }

  keyOf(row: CaseRow, sort: CaseSort): CaseKey {
    return { values: CASE_SORTS[sort].keys.map((k) => k.of(row)), id: row.id };
  }

  /** Counts by status, hazard, region and month of filing (in `timeZone`), and how many are overdue. */
  async summary(filter: CaseFilter, timeZone: string, now: Date): Promise<{ total: number; overdue: number; byStatus: Record<string, number>; byHazard: Record<string, number>; byRegion: Record<string, number>; byMonth: Record<string, number> }> {
    const where = and(...filterConditions(filter, now));
    // Inlined, not a parameter: GROUP BY must see the very expression the select list has.
    if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) throw new Error(`time zone ${JSON.stringify(timeZone)} is not an IANA name`);
    const month = sql<string>`to_char(${cases.createdAt} AT TIME ZONE '${sql.raw(timeZone)}', 'YYYY-MM')`;
    const grouped = await this.db
      .select({
        status: cases.status,
        region: cases.regionCode,
        month,
        count: sql<number>`count(*)::int`,
        overdue: sql<number>`(count(*) FILTER (WHERE ${cases.status} = 'rectification_due' AND ${cases.dueAt} < ${now.toISOString()}::timestamptz))::int`,
        grouping: sql<number>`GROUPING(${cases.status}, ${cases.regionCode}, ${month})`,
      })
      .from(cases)
      .where(where)
      .groupBy(sql`GROUPING SETS ((${cases.status}), (${cases.regionCode}), (${month}), ())`);
    const hazards = await this.db
      .select({ hazard: sql<string>`h.code`, count: sql<number>`count(*)::int` })
      .from(sql`${cases} CROSS JOIN LATERAL unnest(${cases.hazardCodes}) AS h(code)`)
      .where(where)
      .groupBy(sql`h.code`);
    const byStatus: Record<string, number> = {};
    const byRegion: Record<string, number> = {};
    const byMonth: Record<string, number> = {};
    let total = 0;
    let overdue = 0;
    for (const g of grouped) {
      // GROUPING() sets a bit per column left out of the set: 0b011 is "by status" and so on.
      if (g.grouping === 0b011) byStatus[g.status] = g.count;
      else if (g.grouping === 0b101) byRegion[g.region] = g.count;
      else if (g.grouping === 0b110) byMonth[g.month] = g.count;
      else if (g.grouping === 0b111) {
        total = g.count;
        overdue = g.overdue;
      }
    }
    return { total, overdue, byStatus, byHazard: Object.fromEntries(hazards.map((h) => [h.hazard, h.count])), byRegion, byMonth };
  }

  async reviewsOf(detectionIds: readonly string[]): Promise<ReviewRow[]> {
    if (detectionIds.length === 0) return [];
    return this.db.select().from(reviews).where(inArray(reviews.detectionId, [...detectionIds])).orderBy(asc(reviews.createdAt));
  }

  private async event(
    tx: Tx,
    caseId: string,
    e: { kind: CaseEventRow['kind']; actor: Principal; fromStatus?: string; toStatus?: string; note?: string | undefined; reason?: DismissalReason | undefined; dueAt?: Date | undefined; detail?: Record<string, unknown> | undefined; at: Date },
  ): Promise<CaseEventRow> {
    const [row] = await tx
      .insert(caseEvents)
      .values({
        caseId,
        kind: e.kind,
        fromStatus: e.fromStatus ?? null,
        toStatus: e.toStatus ?? null,
        actorUserId: e.actor.userId,
        actorName: e.actor.name,
        actorRole: e.actor.role,
        note: e.note ?? null,
        reason: e.reason ?? null,
        dueAt: e.dueAt ?? null,
        detail: e.detail ?? null,
        at: e.at,
      })
      .returning();
    return row!;
  }
}

function filterConditions(filter: CaseFilter, now: Date): Array<SQL | undefined> {
  return [
    eq(cases.organisationId, filter.scope.organisationId),
    regionPrefixSql(cases.regionCode, filter.regionPrefix),
    filter.siteId ? eq(cases.siteId, filter.siteId) : undefined,
    filter.flightId ? eq(cases.flightId, filter.flightId) : undefined,
    filter.hazardCode ? sql`${cases.hazardCodes} @> ARRAY[${filter.hazardCode}]::text[]` : undefined,
    filter.severity ? eq(cases.severity, filter.severity) : undefined,
    filter.statuses?.length ? inArray(cases.status, [...filter.statuses]) : undefined,
    filter.overdue === true ? sql`(${cases.status} = 'rectification_due' AND ${cases.dueAt} < ${now.toISOString()}::timestamptz)` : undefined,
    filter.overdue === false ? sql`NOT (${cases.status} = 'rectification_due' AND ${cases.dueAt} IS NOT NULL AND ${cases.dueAt} < ${now.toISOString()}::timestamptz)` : undefined,
    filter.from ? gte(cases.createdAt, filter.from) : undefined,
    filter.to ? lte(cases.createdAt, filter.to) : undefined,
    filter.bbox ? sql`${cases.lon} BETWEEN ${filter.bbox[0]} AND ${filter.bbox[2]} AND ${cases.lat} BETWEEN ${filter.bbox[1]} AND ${filter.bbox[3]}` : undefined,
    filter.number !== undefined ? eq(cases.number, filter.number) : undefined,
    filter.placedOnly ? sql`${cases.lat} IS NOT NULL AND ${cases.lon} IS NOT NULL` : undefined,
  ];
}

import { randomUUID } from 'node:crypto';
import { and, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { cases, detections, findingViews, findings, images, reviews } from '../db/schema.js';
import type { Principal } from '../domain/roles.js';
import { checkDecision, type DecisionRequest, type DetectionState, opensCase, stateAfter } from '../domain/review.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { AuditRepository } from './audit.js';

export type ReviewRow = typeof reviews.$inferSelect;
export type CaseRow = typeof cases.$inferSelect;

export const CASE_STATUSES = ['open', 'closed'] as const;

export interface CaseFilter {
  status?: (typeof CASE_STATUSES)[number] | undefined;
  hazardCode?: string | undefined;
  flightId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  before?: { createdAt: Date; id: string } | undefined;
}

export class CaseRepository {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Records a reviewer's decision on a detection and, when it confirms a hazard, opens its case —
   * in one transaction with the detection row locked, so two reviewers racing get one winner.
   */
  async decide(
    detectionId: string,
    reviewer: Principal,
    request: DecisionRequest,
    knownClasses: readonly string[],
    hazardOf: (className: string) => { hazardCode: string; severity: string },
  ): Promise<{ review: ReviewRow; caseRow: CaseRow | undefined; alreadyRecorded: boolean }> {
    return this.db.transaction(async (tx) => {
      // The finding is locked before any of its detections, so reviewers deciding views of one
      // finding queue up on it instead of deadlocking on each other's rows.
      const [membership] = await tx.select().from(findingViews).where(eq(findingViews.detectionId, detectionId)).limit(1);
      const [finding] = membership ? await tx.select().from(findings).where(eq(findings.id, membership.findingId)).for('update').limit(1) : [];
      const [detection] = await tx.select().from(detections).where(eq(detections.id, detectionId)).for('update').limit(1);
      if (!detection) throw new NotFoundError(`no detection ${detectionId}`);
      if (finding && finding.bestDetectionId !== detectionId && detection.state === 'flagged') {
        throw new ConflictError(`detection ${detectionId} is one view of finding ${finding.id}: decide the finding by its best view ${finding.bestDetectionId}`, { findingId: finding.id, bestDetectionId: finding.bestDetectionId });
      }
      const [existing] = await tx.select().from(reviews).where(eq(reviews.detectionId, detectionId)).limit(1);
      const verdict = checkDecision(detection.state as DetectionState, existing, reviewer.tokenId, request, knownClasses, detection.className);
      if (verdict === 'already-recorded') {
        const [caseRow] = await tx.select().from(cases).where(eq(cases.detectionId, detectionId)).limit(1);
        return { review: existing!, caseRow, alreadyRecorded: true };
      }
      const [review] = await tx
        .insert(reviews)
        .values({ id: randomUUID(), detectionId, reviewerId: reviewer.tokenId, reviewerName: reviewer.name, decision: request.decision, newClass: request.newClass ?? null, note: request.note ?? null })
        .returning();
      await tx.update(detections).set({ state: stateAfter(request.decision) }).where(eq(detections.id, detectionId));
      // A decision on a finding's best view decides the finding: its other views take the same state.
      const views = finding
        ? await tx
            .select({ detection: detections, rank: findingViews.rank, sha256: images.sha256, imageId: images.id })
            .from(findingViews)
            .innerJoin(detections, eq(detections.id, findingViews.detectionId))
            .innerJoin(images, eq(images.id, detections.imageId))
            .where(eq(findingViews.findingId, finding.id))
            .orderBy(findingViews.rank)
        : [];
      const others = views.filter((v) => v.detection.id !== detectionId && v.detection.state === 'flagged').map((v) => v.detection.id);
      if (others.length > 0) await tx.update(detections).set({ state: stateAfter(request.decision) }).where(inArray(detections.id, others));
      await this.audit.append(
        { actor: `${reviewer.role}:${reviewer.name}`, action: `detection.${request.decision}`, subjectType: 'detection', subjectId: detectionId, detail: { newClass: request.newClass ?? null, note: request.note ?? null } },
        tx,
      );
      let caseRow: CaseRow | undefined;
      if (opensCase(request.decision)) {
        const [image] = await tx.select().from(images).where(eq(images.id, detection.imageId)).limit(1);
        const className = request.newClass ?? detection.className;
        const hazard = hazardOf(className);
        [caseRow] = await tx
          .insert(cases)
          .values({
            id: randomUUID(),
            detectionId,
            flightId: image!.flightId,
            imageId: image!.id,
            className,
            hazardCode: hazard.hazardCode,
            severity: hazard.severity,
            status: 'open',
            evidence: {
              image: { id: image!.id, objectKey: image!.objectKey, sha256: image!.sha256, width: image!.width, height: image!.height, capture: image!.capture },
              detection: { id: detection.id, className: detection.className, score: detection.score, threshold: detection.threshold, box: [detection.x1, detection.y1, detection.x2, detection.y2] },
              model: { name: detection.modelName, version: detection.modelVersion, sha256: detection.modelSha256 },
              review: { id: review!.id, reviewer: reviewer.name, reviewerTokenId: reviewer.tokenId, decision: request.decision, newClass: request.newClass ?? null, note: request.note ?? null, decidedAt: review!.createdAt },
              detectedAt: detection.createdAt,
              finding: finding
                ? {
                    id: finding.id,
                    position: finding.lat !== null && finding.lon !== null ? { lat: finding.lat, lon: finding.lon, errorM: finding.errorM } : null,
                    siteId: finding.siteId,
                    recurringOf: finding.recurringOf,
                    views: views.map((v) => ({ rank: v.rank, detectionId: v.detection.id, imageId: v.imageId, imageSha256: v.sha256, score: v.detection.score, box: [v.detection.x1, v.detection.y1, v.detection.x2, v.detection.y2] })),
                  }
                : null,
            },
          })
          .returning();
        await this.audit.append({ actor: `${reviewer.role}:${reviewer.name}`, action: 'case.opened', subjectType: 'case', subjectId: caseRow!.id, detail: { detectionId, hazardCode: hazard.hazardCode } }, tx);
      }
      return { review: review!, caseRow, alreadyRecorded: false };
    });
  }

  async get(id: string): Promise<CaseRow | undefined> {
    const [row] = await this.db.select().from(cases).where(eq(cases.id, id)).limit(1);
    return row;
  }

  async list(filter: CaseFilter): Promise<CaseRow[]> {
    const conditions = [];
    if (filter.status) conditions.push(eq(cases.status, filter.status));
    if (filter.hazardCode) conditions.push(eq(cases.hazardCode, filter.hazardCode));
    if (filter.flightId) conditions.push(eq(cases.flightId, filter.flightId));
    if (filter.from) conditions.push(gte(cases.createdAt, filter.from));
    if (filter.to) conditions.push(lte(cases.createdAt, filter.to));
    if (filter.before) conditions.push(sql`(${cases.createdAt}, ${cases.id}) < (${filter.before.createdAt.toISOString()}::timestamptz, ${filter.before.id}::uuid)`);
    return this.db
      .select()
      .from(cases)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(cases.createdAt), desc(cases.id))
      .limit(filter.limit);
  }

  async reviewOf(detectionId: string): Promise<ReviewRow | undefined> {
    const [row] = await this.db.select().from(reviews).where(eq(reviews.detectionId, detectionId)).limit(1);
    return row;
  }
}

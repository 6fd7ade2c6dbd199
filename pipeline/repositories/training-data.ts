import { and, asc, eq, gte, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.js';
import { detections, findingRevisions, findings, findingViews, images, missedHazards, reviews } from '../db/schema.js';
import type { DetectionState, RejectReason } from '../domain/review.js';

export interface TrainingWindow {
  organisationId: string;
  since: Date;
  until: Date | null;
}

export interface PhotoRow {
  id: string;
  flightId: string;
  objectKey: string;
  sha256: string;
  width: number;
  height: number;
}

interface DetectionFact {
  id: string;
  className: string;
  state: DetectionState;
  newClass: string | null;
  reason: RejectReason | null;
  /** When its finding (or, before findings, the detection itself) was decided. */
  decidedAt: Date | null;
  box: [number, number, number, number];
  model: { name: string; version: string; sha256: string };
}

interface MarkFact {
  id: string;
  className: string;
  box: [number, number, number, number];
  createdAt: Date;
}

const ownReview = alias(reviews, 'own_review');

/** What reviewers said about photos, read for training sets and for scoring models on them. */
export class TrainingDataRepository {
  constructor(private readonly db: Database) {}

  /**
   * Processed photos of the organisation with a decision or a missed-hazard mark in the window, by
   * flight and upload order (so an export made twice writes the same files in the same order).
   */
  async reviewedPhotos(window: TrainingWindow): Promise<PhotoRow[]> {
    const decided = await this.db
      .selectDistinct({ id: images.id })
      .from(findings)
      .innerJoin(findingViews, eq(findingViews.findingId, findings.id))
      .innerJoin(detections, eq(detections.id, findingViews.detectionId))
      .innerJoin(images, eq(images.id, detections.imageId))
      .where(
        and(
          eq(findings.organisationId, window.organisationId),
          ne(findings.status, 'pending'),
          gte(findings.decidedAt, window.since),
          window.until ? lt(findings.decidedAt, window.until) : undefined,
        ),
      );
    const marked = await this.db
      .selectDistinct({ id: missedHazards.imageId })
      .from(missedHazards)
      .where(
        and(
          eq(missedHazards.organisationId, window.organisationId),
          gte(missedHazards.createdAt, window.since),
          window.until ? lt(missedHazards.createdAt, window.until) : undefined,
        ),
      );
    const ids = [...new Set([...decided, ...marked].map((r) => r.id))];
    const rows: Array<PhotoRow & { createdAt: Date }> = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = await this.db
        .select({
          id: images.id,
          flightId: images.flightId,
          objectKey: images.objectKey,
          sha256: images.sha256,
          width: images.width,
          height: images.height,
          createdAt: images.createdAt,
        })
        .from(images)
        .where(
          and(
            inArray(images.id, ids.slice(i, i + 500)),
            eq(images.status, 'processed'),
            isNotNull(images.sha256),
            isNotNull(images.width),
            isNotNull(images.height),
          ),
        );
      for (const r of chunk) rows.push({ ...r, sha256: r.sha256!, width: r.width!, height: r.height! });
    }
    rows.sort(
      (a, b) =>
        a.flightId.localeCompare(b.flightId) ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        a.id.localeCompare(b.id),
    );
    return rows.map(({ createdAt: _, ...r }) => r);
  }

  /**
   * Every detection on the photos that a reviewer could have seen (below-threshold ones never
   * were), with its finding's decision whenever it was made, and every mark on them: a crop is
   * labelled with all that is known about its pixels, not only with what was decided lately.
   */
  async facts(
    imageIds: readonly string[],
  ): Promise<{ detections: Map<string, DetectionFact[]>; marks: Map<string, MarkFact[]> }> {
    const byImage = { detections: new Map<string, DetectionFact[]>(), marks: new Map<string, MarkFact[]>() };
    if (imageIds.length === 0) return byImage;
    const rows = await this.db
      .select({
        d: detections,
        findingDecidedAt: findings.decidedAt,
        // Drizzle takes a joined object for absent when its first column is null: the id, never null.
        findingReview: { id: reviews.id, newClass: reviews.newClass, reason: reviews.reason },
        ownReview: {
          id: ownReview.id,
          newClass: ownReview.newClass,
          reason: ownReview.reason,
          at: ownReview.createdAt,
        },
        // A revised decision (issue 16) stands instead of the review: its class, and whether there is one.
        revised: sql<boolean>`EXISTS (SELECT 1 FROM ${findingRevisions} WHERE ${findingRevisions.findingId} = ${findings.id})`,
        revisedClass: sql<
          string | null
        >`(SELECT ${findingRevisions.toClass} FROM ${findingRevisions} WHERE ${findingRevisions.findingId} = ${findings.id} ORDER BY ${findingRevisions.createdAt} DESC, ${findingRevisions.id} DESC LIMIT 1)`,
      })
      .from(detections)
      .leftJoin(findingViews, eq(findingViews.detectionId, detections.id))
      .leftJoin(findings, eq(findings.id, findingViews.findingId))
      // A finding's one review sits on the view it was decided by (its best, which a decided
      // finding keeps); the other views share it. Reviews from before findings sit on their detection.
      .leftJoin(reviews, eq(reviews.detectionId, findings.bestDetectionId))
      .leftJoin(ownReview, eq(ownReview.detectionId, detections.id))
      .where(and(inArray(detections.imageId, [...imageIds]), ne(detections.state, 'below_threshold')))
      .orderBy(asc(detections.imageId), asc(detections.modelSha256), asc(detections.ordinal));
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.d.id)) continue;
      seen.add(r.d.id);
      const list = byImage.detections.get(r.d.imageId) ?? [];
      list.push({
        id: r.d.id,
        className: r.d.className,
        state: r.d.state,
        newClass: r.revised
          ? r.d.state === 'relabelled'
            ? r.revisedClass
            : null
          : (r.findingReview?.newClass ?? r.ownReview?.newClass ?? null),
        // A revision gives its reason in words: the review's reason code was for a decision no longer standing.
        reason: r.revised ? null : ((r.findingReview?.reason ?? r.ownReview?.reason ?? null) as RejectReason | null),
        decidedAt: r.d.state === 'flagged' ? null : (r.findingDecidedAt ?? r.ownReview?.at ?? null),
        box: [r.d.x1, r.d.y1, r.d.x2, r.d.y2],
        model: { name: r.d.modelName, version: r.d.modelVersion, sha256: r.d.modelSha256 },
      });
      byImage.detections.set(r.d.imageId, list);
    }
    const marks = await this.db
      .select()
      .from(missedHazards)
      .where(inArray(missedHazards.imageId, [...imageIds]))
      .orderBy(asc(missedHazards.createdAt), asc(missedHazards.id));
    for (const m of marks) {
      const list = byImage.marks.get(m.imageId) ?? [];
      list.push({ id: m.id, className: m.className, box: [m.x1, m.y1, m.x2, m.y2], createdAt: m.createdAt });
      byImage.marks.set(m.imageId, list);
    }
    return byImage;
  }
}

import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { detections, findings, findingViews, images } from '../db/schema.js';
import type { Scope } from '../domain/scope.js';
import { inScopeSql } from './scope-sql.js';
import type { DetectionState } from '../domain/review.js';
import type { Transaction } from './unit-of-work.js';

export type DetectionRow = typeof detections.$inferSelect;

export interface ModelIdentity {
  name: string;
  version: string;
  sha256: string;
}

export interface NewDetection {
  className: string;
  hazardCode: string;
  severity: 'major' | 'general';
  score: number;
  threshold: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  state: DetectionState;
  groundLat: number | null;
  groundLon: number | null;
  groundErrorM: number | null;
  groundPolygon: Array<{ lat: number; lon: number }> | null;
  siteId: string | null;
}

export class DetectionRepository {
  constructor(private readonly db: Database) {}

  /** The detection, locked until the transaction ends (the view a finding is decided on). */
  async lock(tx: Transaction, id: string): Promise<DetectionRow | undefined> {
    const [row] = await tx.select().from(detections).where(eq(detections.id, id)).for('update').limit(1);
    return row;
  }

  async setState(tx: Transaction, ids: readonly string[], state: DetectionState): Promise<void> {
    await tx
      .update(detections)
      .set({ state })
      .where(inArray(detections.id, [...ids]));
  }

  /**
   * Stores one image's detections by one model. Re-running the same image and model inserts nothing
   * new (unique image, model, ordinal), so a retried job cannot double up; returns how many were new.
   */
  async insertForImage(
    tx: Transaction,
    imageId: string,
    model: ModelIdentity,
    found: readonly NewDetection[],
  ): Promise<number> {
    if (found.length === 0) return 0;
    const rows = await tx
      .insert(detections)
      .values(
        found.map((d, ordinal) => ({
          id: randomUUID(),
          imageId,
          ordinal,
          modelName: model.name,
          modelVersion: model.version,
          modelSha256: model.sha256,
          ...d,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: detections.id });
    return rows.length;
  }

  async get(id: string): Promise<DetectionRow | undefined> {
    const [row] = await this.db.select().from(detections).where(eq(detections.id, id)).limit(1);
    return row;
  }

  async byIds(ids: readonly string[]): Promise<DetectionRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(detections)
      .where(inArray(detections.id, [...ids]));
  }

  /** The photo's detections that are views of findings the caller may see. */
  async forImageThroughFindings(imageId: string, scope: Scope): Promise<DetectionRow[]> {
    const rows = await this.db
      .select({ detection: detections })
      .from(detections)
      .innerJoin(findingViews, eq(findingViews.detectionId, detections.id))
      .innerJoin(findings, eq(findings.id, findingViews.findingId))
      .where(and(eq(detections.imageId, imageId), inScopeSql(findings, scope)))
      .orderBy(detections.ordinal);
    return rows.map((r) => r.detection);
  }

  async forImage(imageId: string): Promise<DetectionRow[]> {
    return this.db.select().from(detections).where(eq(detections.imageId, imageId)).orderBy(detections.ordinal);
  }

  /** Detections of a flight placed on the ground, except those below their threshold. */
  async groundedForFlight(flightId: string): Promise<DetectionRow[]> {
    const rows = await this.db
      .select({ detection: detections })
      .from(detections)
      .innerJoin(images, eq(images.id, detections.imageId))
      .where(
        and(
          eq(images.flightId, flightId),
          sql`${detections.state} <> 'below_threshold'`,
          sql`${detections.groundLat} IS NOT NULL`,
        ),
      )
      .orderBy(detections.imageId, detections.ordinal);
    return rows.map((r) => r.detection);
  }

  async countsByState(flightId: string): Promise<Array<{ className: string; state: string; count: number }>> {
    return this.db
      .select({ className: detections.className, state: detections.state, count: sql<number>`count(*)::int` })
      .from(detections)
      .innerJoin(images, eq(images.id, detections.imageId))
      .where(eq(images.flightId, flightId))
      .groupBy(detections.className, detections.state);
  }
}

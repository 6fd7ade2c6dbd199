import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { detections, findings, findingViews, images } from '../db/schema.js';
import type { DetectionRow } from './detections.js';

export type FindingRow = typeof findings.$inferSelect;

export interface UnmergedDetection {
  detection: DetectionRow;
  capture: Record<string, unknown> | null;
  width: number | null;
  height: number | null;
}

export interface NewFinding {
  className: string;
  hazardCode: string;
  severity: string;
  lat: number | null;
  lon: number | null;
  errorM: number | null;
  siteId: string | null;
  recurringOf: string | null;
  /** Best first. */
  views: Array<{ detectionId: string; score: number; merit: number }>;
}

export class FindingRepository {
  constructor(private readonly db: Database) {}

  /** Flagged, undecided detections of the flight's processed photos that no finding holds yet. */
  async unmerged(flightId: string): Promise<UnmergedDetection[]> {
    return this.db
      .select({ detection: detections, capture: images.capture, width: images.width, height: images.height })
      .from(detections)
      .innerJoin(images, eq(images.id, detections.imageId))
      .leftJoin(findingViews, eq(findingViews.detectionId, detections.id))
      .where(and(eq(images.flightId, flightId), eq(images.status, 'processed'), eq(detections.state, 'flagged'), isNull(findingViews.detectionId)))
      .orderBy(detections.imageId, detections.ordinal) as Promise<UnmergedDetection[]>;
  }

  /** Stores findings and their views in one transaction; a detection already merged makes it fail, not duplicate. */
  async insert(flightId: string, drafts: readonly NewFinding[]): Promise<FindingRow[]> {
    if (drafts.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const rows = drafts.map((d) => ({
        id: randomUUID(),
        flightId,
        className: d.className,
        hazardCode: d.hazardCode,
        severity: d.severity,
        lat: d.lat,
        lon: d.lon,
        errorM: d.errorM,
        siteId: d.siteId,
        bestDetectionId: d.views[0]!.detectionId,
        bestScore: Math.max(...d.views.map((v) => v.score)),
        viewCount: d.views.length,
        recurringOf: d.recurringOf,
      }));
      const created = await tx.insert(findings).values(rows).returning();
      const views = drafts.flatMap((d, i) => d.views.map((v, rank) => ({ findingId: rows[i]!.id, detectionId: v.detectionId, rank, merit: v.merit })));
      for (let i = 0; i < views.length; i += 1000) await tx.insert(findingViews).values(views.slice(i, i + 1000));
      return created;
    });
  }

  /** Adds views to an existing finding after its current ones (late photos of the same hazard). */
  async appendViews(findingId: string, views: ReadonlyArray<{ detectionId: string; merit: number }>): Promise<void> {
    if (views.length === 0) return;
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(findings).where(eq(findings.id, findingId)).for('update').limit(1);
      if (!row) return;
      await tx.insert(findingViews).values(views.map((v, i) => ({ findingId, detectionId: v.detectionId, rank: row.viewCount + i, merit: v.merit })));
      await tx.update(findings).set({ viewCount: row.viewCount + views.length }).where(eq(findings.id, findingId));
    });
  }

  /**
   * Earlier findings of a hazard at a site, from other flights, since a date, newest first; those
   * a reviewer rejected were no hazard and do not count.
   */
  async earlierAtSite(siteId: string, hazardCode: string, since: Date, excludeFlightId: string): Promise<FindingRow[]> {
    const rows = await this.db
      .select({ finding: findings })
      .from(findings)
      .innerJoin(detections, eq(detections.id, findings.bestDetectionId))
      .where(and(eq(findings.siteId, siteId), eq(findings.hazardCode, hazardCode), gte(findings.createdAt, since), ne(findings.flightId, excludeFlightId), ne(detections.state, 'rejected')))
      .orderBy(desc(findings.createdAt))
      .limit(1000);
    return rows.map((r) => r.finding);
  }

  async listForFlight(flightId: string): Promise<FindingRow[]> {
    return this.db.select().from(findings).where(eq(findings.flightId, flightId)).orderBy(desc(findings.bestScore), asc(findings.id));
  }

  async get(id: string): Promise<FindingRow | undefined> {
    const [row] = await this.db.select().from(findings).where(eq(findings.id, id)).limit(1);
    return row;
  }

  /** The views of findings, best first, with their detections. */
  async views(findingIds: readonly string[]): Promise<Array<{ findingId: string; rank: number; merit: number; detection: DetectionRow }>> {
    if (findingIds.length === 0) return [];
    return this.db
      .select({ findingId: findingViews.findingId, rank: findingViews.rank, merit: findingViews.merit, detection: detections })
      .from(findingViews)
      .innerJoin(detections, eq(detections.id, findingViews.detectionId))
      .where(inArray(findingViews.findingId, [...findingIds]))
      .orderBy(findingViews.findingId, findingViews.rank);
  }

  async countForFlight(flightId: string): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(findings).where(eq(findings.flightId, flightId));
    return row?.n ?? 0;
  }
}

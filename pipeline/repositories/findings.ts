import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, ne, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { detections, findings, findingViews, flights, images, sites } from '../db/schema.js';
import type { FindingRecord, RankedView } from '../domain/findings.js';
import type { FindingStatus } from '../domain/review.js';
import type { Scope } from '../domain/scope.js';
import type { DetectionRow } from './detections.js';
import { inScopeSql, regionPrefixSql } from './scope-sql.js';
import type { Transaction } from './unit-of-work.js';

export type FindingRow = typeof findings.$inferSelect;

export interface UnmergedDetection {
  detection: DetectionRow;
  capture: Record<string, unknown> | null;
  width: number | null;
  height: number | null;
  /** When its photo was registered: the capture time of a photo without an EXIF time. */
  imageCreatedAt: Date;
}

export interface FindingViewWithPhoto {
  detection: DetectionRow;
  rank: number;
  imageId: string;
  /** Null until the photo is processed; a view's photo always is. */
  sha256: string | null;
}

export interface QueueFilter {
  scope: Scope;
  /** Narrower than the scope's region, when asked for. */
  regionPrefix: string;
  /** The caller: findings of flights they flew are not theirs to decide. */
  excludeFlownBy: string;
  /** Flights the caller put photos into: not theirs to decide either. */
  excludeFlights?: readonly string[] | undefined;
  flightId?: string | undefined;
  siteId?: string | undefined;
  hazardCode?: string | undefined;
  severity?: 'major' | 'general' | undefined;
  minScore?: number | undefined;
}

export interface QueueRow {
  finding: FindingRow;
  detection: DetectionRow;
  imageFilename: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  siteName: string | null;
}

function queueConditions(filter: QueueFilter): Array<SQL | undefined> {
  return [
    eq(findings.organisationId, filter.scope.organisationId),
    eq(findings.status, 'pending'),
    regionPrefixSql(findings.regionCode, filter.regionPrefix),
    sql`${findings.flownBy} IS DISTINCT FROM ${filter.excludeFlownBy}::uuid`,
    filter.excludeFlights?.length ? notInArray(findings.flightId, [...filter.excludeFlights]) : undefined,
    filter.flightId ? eq(findings.flightId, filter.flightId) : undefined,
    filter.siteId ? eq(findings.siteId, filter.siteId) : undefined,
    filter.minScore !== undefined ? gte(findings.bestScore, filter.minScore) : undefined,
  ];
}

export class FindingRepository {
  constructor(private readonly db: Database) {}

  /**
   * Flagged, undecided detections of the flight's processed photos that no finding holds yet,
   * except those of the classes given (not live for the flight's organisation): these stay as they
   * are, so a later merge takes them once their class is enabled.
   */
  async unmerged(flightId: string, exceptClasses: readonly string[] = []): Promise<UnmergedDetection[]> {
    return this.db
      .select({
        detection: detections,
        capture: images.capture,
        width: images.width,
        height: images.height,
        imageCreatedAt: images.createdAt,
      })
      .from(detections)
      .innerJoin(images, eq(images.id, detections.imageId))
      .leftJoin(findingViews, eq(findingViews.detectionId, detections.id))
      .where(
        and(
          eq(images.flightId, flightId),
          eq(images.status, 'processed'),
          eq(detections.state, 'flagged'),
          isNull(findingViews.detectionId),
          exceptClasses.length ? notInArray(detections.className, [...exceptClasses]) : undefined,
        ),
      )
      .orderBy(detections.imageId, detections.ordinal) as Promise<UnmergedDetection[]>;
  }

  /** The organisation a flight belongs to (its findings are attributed to that organisation's sites). */
  /** Findings waiting for a reviewer, everywhere, and when the oldest of them arrived. */
  async backlog(): Promise<{ pending: number; oldest: Date | null }> {
    const [row] = await this.db
      .select({ pending: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${findings.createdAt})` })
      .from(findings)
      .where(eq(findings.status, 'pending'));
    return { pending: row?.pending ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
  }

  async organisationOfFlight(flightId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ organisationId: flights.organisationId })
      .from(flights)
      .where(eq(flights.id, flightId))
      .limit(1);
    return row?.organisationId;
  }

  /**
   * Stores findings and their views (domain/findings.ts made them); a detection already merged makes
   * it fail, not duplicate.
   */
  async insertWithViews(tx: Transaction, records: readonly FindingRecord[]): Promise<FindingRow[]> {
    if (records.length === 0) return [];
    const rows = records.map(({ views: _views, ...finding }) => ({ id: randomUUID(), ...finding }));
    const created = await tx.insert(findings).values(rows).returning();
    const views = records.flatMap((r, i) => r.views.map((v) => ({ findingId: rows[i]!.id, ...v })));
    await this.insertViews(tx, views);
    return created;
  }

  /** Adds views to a finding locked by the caller, and records how many it has now. */
  async appendViews(
    tx: Transaction,
    findingId: string,
    views: readonly RankedView[],
    viewCount: number,
  ): Promise<void> {
    await this.insertViews(
      tx,
      views.map((v) => ({ findingId, ...v })),
    );
    await tx.update(findings).set({ viewCount }).where(eq(findings.id, findingId));
  }

  private async insertViews(tx: Transaction, views: ReadonlyArray<typeof findingViews.$inferInsert>): Promise<void> {
    // Batches keep each statement's parameter count well under PostgreSQL's limit.
    for (let i = 0; i < views.length; i += 1000) await tx.insert(findingViews).values(views.slice(i, i + 1000));
  }

  /**
   * Findings of a hazard in the organisation within a box of `radiusM` around a place, from other
   * flights; those a reviewer rejected were no hazard and do not count. In the caller's transaction,
   * after an organisation-wide lock (`lockRecurrence`), so two merges do not link past each other.
   */
  async nearOtherFlights(
    tx: Transaction,
    organisationId: string,
    hazardCode: string,
    at: { lat: number; lon: number },
    radiusM: number,
    excludeFlightId: string,
  ): Promise<FindingRow[]> {
    const dLat = radiusM / 111_320;
    const dLon = radiusM / (111_320 * Math.max(0.01, Math.cos((at.lat * Math.PI) / 180)));
    return tx
      .select()
      .from(findings)
      .where(
        and(
          eq(findings.organisationId, organisationId),
          eq(findings.hazardCode, hazardCode),
          sql`${findings.lat} BETWEEN ${at.lat - dLat} AND ${at.lat + dLat}`,
          sql`${findings.lon} BETWEEN ${at.lon - dLon} AND ${at.lon + dLon}`,
          ne(findings.flightId, excludeFlightId),
          ne(findings.status, 'rejected'),
        ),
      )
      .limit(1000);
  }

  /** Serialises recurrence linking within an organisation until the transaction ends. */
  async lockRecurrence(tx: Transaction, organisationId: string): Promise<void> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`recurrence:${organisationId}`}))`);
  }

  async setRecurringOf(tx: Transaction, id: string, recurringOf: string | null): Promise<void> {
    await tx.update(findings).set({ recurringOf }).where(eq(findings.id, id));
  }

  /** Later sightings that point to these findings (their `recurringOf`), in the order they were taken. */
  async recurrencesOf(ids: readonly string[]): Promise<FindingRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(findings)
      .where(inArray(findings.recurringOf, [...ids]))
      .orderBy(sql`coalesce(${findings.capturedAt}, ${findings.createdAt})`, findings.id);
  }

  /** Findings the photo's detections are views of. */
  async showingImage(imageId: string): Promise<FindingRow[]> {
    const rows = await this.db
      .selectDistinct({ finding: findings })
      .from(findingViews)
      .innerJoin(detections, eq(detections.id, findingViews.detectionId))
      .innerJoin(findings, eq(findings.id, findingViews.findingId))
      .where(eq(detections.imageId, imageId));
    return rows.map((r) => r.finding);
  }

  async listForFlight(flightId: string): Promise<FindingRow[]> {
    return this.db
      .select()
      .from(findings)
      .where(eq(findings.flightId, flightId))
      .orderBy(desc(findings.bestScore), asc(findings.id));
  }

  async get(id: string): Promise<FindingRow | undefined> {
    const [row] = await this.db.select().from(findings).where(eq(findings.id, id)).limit(1);
    return row;
  }

  /** The finding a detection is a view of. */
  async ofDetection(detectionId: string): Promise<FindingRow | undefined> {
    const [row] = await this.db
      .select({ finding: findings })
      .from(findingViews)
      .innerJoin(findings, eq(findings.id, findingViews.findingId))
      .where(eq(findingViews.detectionId, detectionId))
      .limit(1);
    return row?.finding;
  }

  /**
   * The finding, locked until the transaction ends: a decision and a late view's arrival take this
   * lock first, so they happen one at a time and never deadlock on the finding's views.
   */
  async lock(tx: Transaction, id: string): Promise<FindingRow | undefined> {
    const [row] = await tx.select().from(findings).where(eq(findings.id, id)).for('update').limit(1);
    return row;
  }

  /** The finding when it is in the scope, locked as `lock` locks it. */
  async lockInScope(tx: Transaction, id: string, scope: Scope): Promise<FindingRow | undefined> {
    const [row] = await tx
      .select()
      .from(findings)
      .where(and(eq(findings.id, id), inScopeSql(findings, scope)))
      .for('update')
      .limit(1);
    return row;
  }

  /** Records the finding's decision and gives its lease back. */
  async markDecided(tx: Transaction, id: string, status: FindingStatus, now: Date): Promise<FindingRow> {
    const [row] = await tx
      .update(findings)
      .set({ status, decidedAt: now, leaseUserId: null, leaseHolder: null, leaseExpiresAt: null })
      .where(eq(findings.id, id))
      .returning();
    return row!;
  }

  /** The views of one finding, best first, with the photo each is on. */
  async viewsWithPhotos(tx: Transaction, findingId: string): Promise<FindingViewWithPhoto[]> {
    return tx
      .select({ detection: detections, rank: findingViews.rank, sha256: images.sha256, imageId: images.id })
      .from(findingViews)
      .innerJoin(detections, eq(detections.id, findingViews.detectionId))
      .innerJoin(images, eq(images.id, detections.imageId))
      .where(eq(findingViews.findingId, findingId))
      .orderBy(findingViews.rank);
  }

  async getInScope(id: string, scope: Scope): Promise<FindingRow | undefined> {
    const [row] = await this.db
      .select()
      .from(findings)
      .where(and(eq(findings.id, id), inScopeSql(findings, scope)))
      .limit(1);
    return row;
  }

  /**
   * Pending findings in the caller's reach, best score first, keyset-paginated on (score, id), each
   * with its best view and that view's photo. Findings of flights the caller flew are left out:
   * they may not decide them.
   */
  async queue(filter: QueueFilter, limit: number, after?: { score: number; id: string }): Promise<QueueRow[]> {
    const where = and(
      ...queueConditions(filter),
      filter.hazardCode ? eq(findings.hazardCode, filter.hazardCode) : undefined,
      filter.severity ? eq(findings.severity, filter.severity) : undefined,
      after ? sql`(${findings.bestScore}, ${findings.id}) < (${after.score}::real, ${after.id}::uuid)` : undefined,
    );
    return this.db
      .select({
        finding: findings,
        detection: detections,
        imageFilename: images.originalFilename,
        imageWidth: images.width,
        imageHeight: images.height,
        siteName: sites.name,
      })
      .from(findings)
      .innerJoin(detections, eq(detections.id, findings.bestDetectionId))
      .innerJoin(images, eq(images.id, detections.imageId))
      .leftJoin(sites, eq(sites.id, findings.siteId))
      .where(where)
      .orderBy(desc(findings.bestScore), desc(findings.id))
      .limit(limit);
  }

  /** Pending findings in reach per hazard and severity, under every filter but those two. */
  async queueFacets(
    filter: QueueFilter,
  ): Promise<Array<{ hazardCode: string; className: string; severity: string; count: number }>> {
    return this.db
      .select({
        hazardCode: findings.hazardCode,
        className: findings.className,
        severity: findings.severity,
        count: sql<number>`count(*)::int`,
      })
      .from(findings)
      .where(and(...queueConditions(filter)))
      .groupBy(findings.hazardCode, findings.className, findings.severity);
  }

  /**
   * Takes or renews the lease on a pending finding unless someone else holds it; returns the row as
   * it is afterwards (the caller reads who holds it from there).
   */
  async takeLease(
    id: string,
    user: { id: string; name: string },
    until: Date,
    now: Date,
  ): Promise<{ taken: boolean; row: FindingRow | undefined }> {
    const [taken] = await this.db
      .update(findings)
      .set({ leaseUserId: user.id, leaseHolder: user.name, leaseExpiresAt: until })
      .where(
        and(
          eq(findings.id, id),
          eq(findings.status, 'pending'),
          or(
            isNull(findings.leaseUserId),
            eq(findings.leaseUserId, user.id),
            sql`${findings.leaseExpiresAt} <= ${now.toISOString()}::timestamptz`,
          ),
        ),
      )
      .returning();
    if (taken) return { taken: true, row: taken };
    return { taken: false, row: await this.get(id) };
  }

  /** Gives a lease back; only its holder can. */
  async releaseLease(id: string, userId: string): Promise<boolean> {
    const rows = await this.db
      .update(findings)
      .set({ leaseUserId: null, leaseHolder: null, leaseExpiresAt: null })
      .where(and(eq(findings.id, id), eq(findings.leaseUserId, userId)))
      .returning({ id: findings.id });
    return rows.length > 0;
  }

  /** The views of findings, best first, with their detections. */
  async views(
    findingIds: readonly string[],
  ): Promise<Array<{ findingId: string; rank: number; merit: number; detection: DetectionRow }>> {
    if (findingIds.length === 0) return [];
    return this.db
      .select({
        findingId: findingViews.findingId,
        rank: findingViews.rank,
        merit: findingViews.merit,
        detection: detections,
      })
      .from(findingViews)
      .innerJoin(detections, eq(detections.id, findingViews.detectionId))
      .where(inArray(findingViews.findingId, [...findingIds]))
      .orderBy(findingViews.findingId, findingViews.rank);
  }
}

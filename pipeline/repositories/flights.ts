import { randomUUID } from 'node:crypto';
import { and, desc, eq, getTableColumns, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { flights, images, uploadRejections, uploadTickets, users } from '../db/schema.js';
import type { ImageStatus } from '../domain/images.js';
import type { Scope } from '../domain/scope.js';
import { inScopeSql } from './scope-sql.js';
import type { Executor, Transaction } from './unit-of-work.js';

/**
 * A flight as people know it: besides its own columns, the name of the person who created it (the
 * operator), so no page has to show a flight by its id. Null for flights made before people had names.
 */
export type FlightRow = typeof flights.$inferSelect & { operatorName: string | null };
export type UploadRejectionRow = typeof uploadRejections.$inferSelect;

const flightColumns = {
  ...getTableColumns(flights),
  operatorName: sql<string | null>`(SELECT ${users.name} FROM ${users} WHERE ${users.id} = ${flights.createdByUser})`,
};

export class FlightRepository {
  constructor(private readonly db: Database) {}

  async create(input: {
    name: string;
    siteName?: string | undefined;
    notes?: string | undefined;
    createdBy: string;
    createdByUser: string;
    organisationId: string;
    regionCode: string;
  }): Promise<FlightRow> {
    const [row] = await this.db
      .insert(flights)
      .values({
        id: randomUUID(),
        name: input.name,
        siteName: input.siteName ?? null,
        notes: input.notes ?? null,
        status: 'open',
        createdBy: input.createdBy,
        createdByUser: input.createdByUser,
        organisationId: input.organisationId,
        regionCode: input.regionCode,
      })
      .returning(flightColumns);
    return row!;
  }

  /**
   * Locks the flight row so that case openings for it happen one at a time: two confirmations at one
   * site never open two cases. NO KEY UPDATE, so photos and findings of the flight (which take KEY
   * SHARE through their foreign key) are not held up meanwhile.
   */
  async lockForCases(tx: Transaction, id: string): Promise<void> {
    await tx.select({ id: flights.id }).from(flights).where(eq(flights.id, id)).for('no key update');
  }

  /** Any flight, whoever's: for the worker and ingestion, which act for the system. */
  async get(id: string, executor: Executor = this.db): Promise<FlightRow | undefined> {
    const [row] = await executor.select(flightColumns).from(flights).where(eq(flights.id, id)).limit(1);
    return row;
  }

  /** The flight when the caller may see it. */
  async getInScope(id: string, scope: Scope): Promise<FlightRow | undefined> {
    const [row] = await this.db
      .select(flightColumns)
      .from(flights)
      .where(and(eq(flights.id, id), inScopeSql(flights, scope)))
      .limit(1);
    return row;
  }

  /** Newest first; `before` is the created_at/id cursor of the last row of the previous page. */
  async list(scope: Scope, limit: number, before?: { createdAt: Date; id: string }): Promise<FlightRow[]> {
    const where = and(
      inScopeSql(flights, scope),
      before
        ? sql`(${flights.createdAt}, ${flights.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`
        : undefined,
    );
    return this.db
      .select(flightColumns)
      .from(flights)
      .where(where)
      .orderBy(desc(flights.createdAt), desc(flights.id))
      .limit(limit);
  }

  async complete(id: string): Promise<FlightRow | undefined> {
    const [row] = await this.db
      .update(flights)
      .set({ status: 'completed', completedAt: sql`coalesce(${flights.completedAt}, now())` })
      .where(eq(flights.id, id))
      .returning(flightColumns);
    return row;
  }

  /**
   * Completed flights, finished within `withinDays`, whose photos are all settled and that still
   * hold flagged detections in no finding: their merge may have been lost or failed for good. The
   * number of settled photos makes the merge job's id.
   */
  async awaitingMerge(withinDays: number, limit: number): Promise<Array<{ flightId: string; settled: number }>> {
    return this.db
      .select({
        flightId: flights.id,
        settled: sql<number>`(SELECT count(*)::int FROM ${images} i WHERE i.flight_id = ${flights.id}
          AND i.status IN ('processed', 'failed', 'duplicate'))`,
      })
      .from(flights)
      .where(
        and(
          eq(flights.status, 'completed'),
          sql`${flights.completedAt} > now() - make_interval(days => ${withinDays})`,
          sql`NOT EXISTS (SELECT 1 FROM ${images} i WHERE i.flight_id = ${flights.id}
                AND i.status IN ('registered', 'queued', 'processing'))`,
          sql`EXISTS (SELECT 1 FROM ${images} i
                JOIN detections d ON d.image_id = i.id AND d.state = 'flagged'
                LEFT JOIN finding_views v ON v.detection_id = d.id
                WHERE i.flight_id = ${flights.id} AND i.status = 'processed' AND v.detection_id IS NULL)`,
        ),
      )
      .orderBy(flights.completedAt)
      .limit(limit);
  }

  async imageCounts(flightId: string): Promise<Partial<Record<ImageStatus, number>>> {
    const rows = await this.db
      .select({ status: images.status, count: sql<number>`count(*)::int` })
      .from(images)
      .where(eq(images.flightId, flightId))
      .groupBy(images.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  async failures(
    flightId: string,
    limit = 100,
  ): Promise<Array<{ imageId: string; filename: string | null; reason: string | null; discardedAt: Date | null }>> {
    return (
      this.db
        .select({
          imageId: images.id,
          filename: images.originalFilename,
          reason: images.failureReason,
          discardedAt: images.discardedAt,
        })
        .from(images)
        .where(and(eq(images.flightId, flightId), eq(images.status, 'failed')))
        // The id breaks ties, so the same failures come in the same order and the status's ETag holds.
        .orderBy(images.createdAt, images.id)
        .limit(limit)
    );
  }

  /**
   * Records who asked to upload these bytes into the flight (presigned PUTs carry no person), and
   * the size and name they declared; asking again updates both.
   */
  async recordUploadTickets(
    flightId: string,
    userId: string,
    files: ReadonlyArray<{ sha256: string; sizeBytes: number; filename: string }>,
  ): Promise<void> {
    if (files.length === 0) return;
    const bySha = new Map(files.map((f) => [f.sha256, f]));
    await this.db
      .insert(uploadTickets)
      .values(
        [...bySha.values()].map((f) => ({
          flightId,
          sha256: f.sha256,
          userId,
          sizeBytes: f.sizeBytes,
          filename: f.filename,
        })),
      )
      .onConflictDoUpdate({
        target: [uploadTickets.flightId, uploadTickets.sha256, uploadTickets.userId],
        set: { sizeBytes: sql`excluded.size_bytes`, filename: sql`excluded.filename` },
      });
  }

  /**
   * What the tickets for these bytes declared: the largest size (so a prefix of the photo is seen as
   * short whoever asked) and a name. Undefined fields when no ticket said.
   */
  async declaredUpload(
    flightId: string,
    sha256: string,
  ): Promise<{ sizeBytes: number | undefined; filename: string | undefined }> {
    const [row] = await this.db
      .select({
        sizeBytes: sql<number | null>`max(${uploadTickets.sizeBytes})`,
        filename: sql<string | null>`max(${uploadTickets.filename})`,
      })
      .from(uploadTickets)
      .where(and(eq(uploadTickets.flightId, flightId), eq(uploadTickets.sha256, sha256)));
    return { sizeBytes: row?.sizeBytes ?? undefined, filename: row?.filename ?? undefined };
  }

  /** Keeps why an object was not taken as a photo (the latest reason per key). */
  async recordUploadRejection(input: {
    flightId: string;
    objectKey: string;
    sha256: string | undefined;
    filename: string | undefined;
    sizeBytes: number;
    reason: string;
  }): Promise<void> {
    const values = {
      flightId: input.flightId,
      objectKey: input.objectKey,
      sha256: input.sha256 ?? null,
      filename: input.filename ?? null,
      sizeBytes: input.sizeBytes,
      reason: input.reason,
    };
    await this.db
      .insert(uploadRejections)
      .values(values)
      .onConflictDoUpdate({
        target: [uploadRejections.flightId, uploadRejections.objectKey],
        set: { ...values, rejectedAt: sql`now()` },
      });
  }

  /** Rejected uploads of the flight that no good upload of the same key has since made good. */
  async uploadRejections(flightId: string): Promise<UploadRejectionRow[]> {
    return this.db
      .select()
      .from(uploadRejections)
      .where(
        and(
          eq(uploadRejections.flightId, flightId),
          sql`NOT EXISTS (SELECT 1 FROM ${images} i WHERE i.flight_id = ${uploadRejections.flightId}
                AND i.object_key = ${uploadRejections.objectKey})`,
        ),
      )
      .orderBy(uploadRejections.rejectedAt, uploadRejections.objectKey)
      .limit(1000);
  }

  /**
   * The people who flew the flight or put photos into it, through the API or by a presigned upload:
   * separation of duties keeps them from deciding it.
   */
  async people(flightId: string): Promise<string[]> {
    const flight = await this.get(flightId);
    const uploaders = await this.db
      .selectDistinct({ user: images.uploadedByUser })
      .from(images)
      .where(and(eq(images.flightId, flightId), isNotNull(images.uploadedByUser)));
    const ticketed = await this.db
      .selectDistinct({ user: uploadTickets.userId })
      .from(uploadTickets)
      .where(eq(uploadTickets.flightId, flightId));
    return [
      ...new Set(
        [flight?.createdByUser ?? null, ...uploaders.map((u) => u.user), ...ticketed.map((u) => u.user)].filter(
          (u): u is string => u !== null,
        ),
      ),
    ];
  }

  /** The flights a person put photos into (beyond those they created). */
  async uploadedTo(userId: string): Promise<string[]> {
    const direct = await this.db
      .selectDistinct({ flight: images.flightId })
      .from(images)
      .where(eq(images.uploadedByUser, userId));
    const ticketed = await this.db
      .selectDistinct({ flight: uploadTickets.flightId })
      .from(uploadTickets)
      .where(eq(uploadTickets.userId, userId));
    return [...new Set([...direct, ...ticketed].map((r) => r.flight))];
  }
}

import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, like, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { detections, findings, findingViews, flights, images } from '../db/schema.js';
import type { RegisteredVia } from '../domain/images.js';
import type { Scope } from '../domain/scope.js';
import { inScopeSql } from './scope-sql.js';
import type { Executor, Transaction } from './unit-of-work.js';

export type ImageRow = typeof images.$inferSelect;

interface RegisterInput {
  flightId: string;
  objectKey: string;
  sha256: string;
  sizeBytes: number;
  etag: string | undefined;
  originalFilename: string | undefined;
  via: RegisteredVia;
  /** The person who put it in, when known (uploads through the API). */
  uploadedByUser?: string | undefined;
}

/**
 * The SQL of "the caller may see this photo", for a query that joins `images` to its `flights`: the
 * flight is in their scope, or the photo shows a finding that is. Whatever hangs off a photo (its
 * missed-hazard marks) is visible by the same rule.
 */
export function imageInScopeSql(scope: Scope): SQL {
  return and(
    eq(flights.organisationId, scope.organisationId),
    sql`(${inScopeSql(flights, scope)} OR EXISTS (SELECT 1 FROM ${detections} JOIN ${findingViews} ON ${findingViews.detectionId} = ${detections.id} JOIN ${findings} ON ${findings.id} = ${findingViews.findingId} WHERE ${detections.imageId} = ${images.id} AND ${inScopeSql(findings, scope)}))`,
  )!;
}

export interface ImageFacts {
  sha256: string;
  sizeBytes: number;
  width: number;
  height: number;
  capture: Record<string, unknown>;
  /** Ground footprint ring, or why the photo could not be placed on the ground. */
  footprint: Array<{ lat: number; lon: number }> | null;
  geoReason: string | null;
}

export class ImageRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts the image unless the flight already has this key or these bytes; either way returns the
   * one row that stands for them. Safe under races: the unique indexes decide, not a prior read.
   */
  async register(input: RegisterInput): Promise<{ image: ImageRow; created: boolean }> {
    const inserted = await this.db
      .insert(images)
      .values({
        id: randomUUID(),
        flightId: input.flightId,
        objectKey: input.objectKey,
        sha256: input.sha256,
        sizeBytes: input.sizeBytes,
        etag: input.etag ?? null,
        originalFilename: input.originalFilename ?? null,
        status: 'registered',
        registeredVia: input.via,
        uploadedByUser: input.uploadedByUser ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { image: inserted[0], created: true };
    const [existing] = await this.db
      .select()
      .from(images)
      .where(
        and(
          eq(images.flightId, input.flightId),
          sql`(${images.objectKey} = ${input.objectKey} OR ${images.sha256} = ${input.sha256})`,
        ),
      )
      .orderBy(sql`(${images.objectKey} = ${input.objectKey}) DESC`)
      .limit(1);
    if (!existing) throw new Error(`image ${input.objectKey} neither inserted nor found`);
    return { image: existing, created: false };
  }

  async get(id: string, executor: Executor = this.db): Promise<ImageRow | undefined> {
    const [row] = await executor.select().from(images).where(eq(images.id, id)).limit(1);
    return row;
  }

  /**
   * The image when the caller may see it: its flight is in their scope, or it shows a finding that
   * is (a county's people see the photos of their sites in a city-wide flight). `throughFlight`
   * says which: seen only through a finding, the photo's other detections stay hidden.
   */
  async getInScope(id: string, scope: Scope): Promise<(ImageRow & { throughFlight: boolean }) | undefined> {
    const [row] = await this.db
      .select({ image: images, throughFlight: sql<boolean>`${inScopeSql(flights, scope)}` })
      .from(images)
      .innerJoin(flights, eq(flights.id, images.flightId))
      .where(and(eq(images.id, id), imageInScopeSql(scope)))
      .limit(1);
    return row && { ...row.image, throughFlight: row.throughFlight };
  }

  /** The image and the organisation its flight belongs to (whose sites its detections are attributed to). */
  async withOrganisation(id: string): Promise<{ image: ImageRow; organisationId: string } | undefined> {
    const [row] = await this.db
      .select({ image: images, organisationId: flights.organisationId })
      .from(images)
      .innerJoin(flights, eq(flights.id, images.flightId))
      .where(eq(images.id, id))
      .limit(1);
    return row;
  }

  async byIds(ids: readonly string[]): Promise<ImageRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(images)
      .where(inArray(images.id, [...ids]));
  }

  async keysUnder(prefix: string): Promise<Set<string>> {
    const rows = await this.db
      .select({ key: images.objectKey })
      .from(images)
      .where(like(images.objectKey, `${prefix.replace(/[%_\\]/g, '\\$&')}%`));
    return new Set(rows.map((r) => r.key));
  }

  async listByFlight(flightId: string): Promise<ImageRow[]> {
    return this.db
      .select()
      .from(images)
      .where(eq(images.flightId, flightId))
      .orderBy(images.originalFilename, images.createdAt);
  }

  /** Moves registered images to queued (after their job was added); processed ones stay. */
  async markQueued(id: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: 'queued' })
      .where(and(eq(images.id, id), inArray(images.status, ['registered'])));
  }

  async markProcessing(id: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: 'processing' })
      .where(and(eq(images.id, id), inArray(images.status, ['registered', 'queued', 'processing'])));
  }

  /** Records a failure unless the image already finished (a late report must not undo a result). */
  async markFailedIfUnfinished(id: string, reason: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: 'failed', failureReason: reason, processedAt: new Date() })
      .where(and(eq(images.id, id), inArray(images.status, ['registered', 'queued', 'processing'])));
  }

  /** Records what processing learnt of the photo and that it is processed. */
  async markProcessed(tx: Transaction, id: string, facts: ImageFacts): Promise<void> {
    await tx
      .update(images)
      .set({
        status: 'processed',
        sha256: facts.sha256,
        sizeBytes: facts.sizeBytes,
        width: facts.width,
        height: facts.height,
        capture: facts.capture,
        footprint: facts.footprint,
        geoReason: facts.geoReason,
        processedAt: new Date(),
        failureReason: null,
      })
      .where(eq(images.id, id));
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: 'failed', failureReason: reason, processedAt: new Date() })
      .where(eq(images.id, id));
  }

  async setFilenameIfMissing(id: string, filename: string): Promise<void> {
    await this.db
      .update(images)
      .set({ originalFilename: filename })
      .where(and(eq(images.id, id), isNull(images.originalFilename)));
  }

  /** Images not yet finished: never queued (a crash between insert and enqueue), or whose job was lost. */
  async unfinished(prefix: string): Promise<ImageRow[]> {
    return this.db
      .select()
      .from(images)
      .where(
        and(
          inArray(images.status, ['registered', 'queued', 'processing']),
          like(images.objectKey, `${prefix.replace(/[%_\\]/g, '\\$&')}%`),
        ),
      );
  }
}

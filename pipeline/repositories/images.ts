import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNotNull, isNull, like, lt, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.js';
import { detections, findings, findingViews, flights, images } from '../db/schema.js';
import type { ImageStatus, RegisteredVia } from '../domain/images.js';
import type { FlagReason, HoldDecision, SameBytes } from '../domain/ingest-rules.js';
import type { FailureKind } from '../domain/recovery.js';
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
  /** Why the photo is flagged (no position; outside the region but processed on a person's word); null: not flagged. */
  flagReason: FlagReason | null;
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

  /** Which of these contents the flight already has an image of. */
  async sha256sIn(flightId: string, sha256s: readonly string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    const rows = await this.db
      .select({ sha256: images.sha256 })
      .from(images)
      .where(and(eq(images.flightId, flightId), inArray(images.sha256, [...sha256s])));
    return new Set(rows.map((r) => r.sha256).filter((s): s is string => s !== null));
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
  async markFailedIfUnfinished(id: string, reason: string, kind: FailureKind): Promise<boolean> {
    const updated = await this.db
      .update(images)
      .set({ status: 'failed', failureReason: reason, failureKind: kind, processedAt: new Date() })
      .where(and(eq(images.id, id), inArray(images.status, ['registered', 'queued', 'processing'])))
      .returning({ id: images.id });
    return updated.length > 0;
  }

  /**
   * Photos the recovery sweeper must look at: not settled yet, or failed for a passing reason with
   * automatic retries left. Oldest first, so a large backlog is worked through in order.
   */
  async needingRecovery(maxAttempts: number, limit: number): Promise<ImageRow[]> {
    return this.db
      .select()
      .from(images)
      .where(
        or(
          inArray(images.status, ['registered', 'queued', 'processing']),
          and(
            eq(images.status, 'failed'),
            eq(images.failureKind, 'transient'),
            lt(images.recoveryAttempts, maxAttempts),
          ),
        ),
      )
      .orderBy(images.createdAt, images.id)
      .limit(limit);
  }

  /**
   * Puts a photo back in the queue's hands, counting the automatic retry; only from the status the
   * sweeper saw, so two sweepers cannot both count one retry.
   */
  async requeueForRecovery(id: string, from: ImageStatus, now: Date): Promise<boolean> {
    const updated = await this.db
      .update(images)
      .set({
        status: 'queued',
        failureReason: null,
        failureKind: null,
        processedAt: null,
        recoveryAttempts: sql`${images.recoveryAttempts} + 1`,
        lastRecoveryAt: now,
      })
      .where(and(eq(images.id, id), eq(images.status, from)))
      .returning({ id: images.id });
    return updated.length > 0;
  }

  /** Photos by status, everywhere (for metrics). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ status: images.status, count: sql<number>`count(*)::int` })
      .from(images)
      .groupBy(images.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  /** Failed photos of flights the caller may see, newest failure first, with their flight's name. */
  async failedInScope(
    scope: Scope,
    limit: number,
    flightId?: string,
  ): Promise<Array<ImageRow & { flightName: string; flightStatus: string }>> {
    const rows = await this.db
      .select({ image: images, flightName: flights.name, flightStatus: flights.status })
      .from(images)
      .innerJoin(flights, eq(flights.id, images.flightId))
      .where(
        and(
          eq(images.status, 'failed'),
          eq(flights.organisationId, scope.organisationId),
          inScopeSql(flights, scope),
          flightId === undefined ? undefined : eq(images.flightId, flightId),
        ),
      )
      .orderBy(sql`${images.processedAt} DESC NULLS LAST`, images.id)
      .limit(limit);
    return rows.map((r) => ({ ...r.image, flightName: r.flightName, flightStatus: r.flightStatus }));
  }

  /** A person looked at a failure and let it be: no automatic retry will touch it again. */
  async discard(id: string, reason: string, now: Date): Promise<boolean> {
    const updated = await this.db
      .update(images)
      .set({ failureKind: 'permanent', failureReason: reason, discardedAt: now })
      .where(and(eq(images.id, id), eq(images.status, 'failed')))
      .returning({ id: images.id });
    return updated.length > 0;
  }

  /** A person asked for another try: the automatic retries start over. */
  async requeueByRequest(id: string): Promise<boolean> {
    const updated = await this.db
      .update(images)
      .set({
        status: 'queued',
        failureReason: null,
        failureKind: null,
        processedAt: null,
        recoveryAttempts: 0,
        discardedAt: null,
      })
      .where(and(eq(images.id, id), eq(images.status, 'failed')))
      .returning({ id: images.id });
    return updated.length > 0;
  }

  /** The photo's status, its row locked until the transaction ends (so two runs store one result). */
  async lockStatus(tx: Transaction, id: string): Promise<ImageStatus | undefined> {
    const [row] = await tx.select({ status: images.status }).from(images).where(eq(images.id, id)).for('update');
    return row?.status;
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
        flagReason: facts.flagReason,
        processedAt: new Date(),
        failureReason: null,
      })
      .where(eq(images.id, id));
  }

  /** The photo can never be processed (unreadable, changed bytes): no automatic retry. */
  async markFailedForGood(id: string, reason: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: 'failed', failureReason: reason, failureKind: 'permanent', processedAt: new Date() })
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

  /** Photos of the organisation with these bytes, in any flight (for the duplicate rule). */
  async sameBytes(organisationId: string, sha256: string): Promise<SameBytes[]> {
    return this.db
      .select({
        imageId: images.id,
        flightId: images.flightId,
        status: images.status,
        processedAt: images.processedAt,
      })
      .from(images)
      .innerJoin(flights, eq(flights.id, images.flightId))
      .where(and(eq(images.sha256, sha256), eq(flights.organisationId, organisationId)))
      .limit(100);
  }

  /**
   * Links the photo to the processed copy of its bytes: it takes that copy's facts (same bytes, same
   * size and place) and settles as `duplicate`, with no detections of its own.
   */
  async markDuplicate(
    tx: Transaction,
    id: string,
    original: ImageRow,
    capture: Record<string, unknown>,
  ): Promise<void> {
    await tx
      .update(images)
      .set({
        status: 'duplicate',
        duplicateOf: original.id,
        width: original.width,
        height: original.height,
        capture,
        footprint: original.footprint,
        geoReason: original.geoReason,
        flagReason: original.flagReason,
        processedAt: new Date(),
        failureReason: null,
      })
      .where(eq(images.id, id));
  }

  /** Holds a photo taken outside the region: stored, not detected, until a person decides. */
  async markHeld(tx: Transaction, id: string, capture: Record<string, unknown>): Promise<void> {
    await tx
      .update(images)
      .set({ status: 'held', flagReason: 'outside_region', capture, processedAt: new Date(), failureReason: null })
      .where(eq(images.id, id));
  }

  /**
   * Records a person's decision on a held photo, only while it is held and undecided or left
   * (a photo left can still be processed later; one being processed cannot be left). `process` puts
   * it back in the queue's hands.
   */
  async decideHold(
    id: string,
    decision: HoldDecision,
    by: string,
    note: string | undefined,
    now: Date,
  ): Promise<ImageRow | undefined> {
    const [row] = await this.db
      .update(images)
      .set({
        holdDecision: decision,
        holdDecidedBy: by,
        holdDecidedAt: now,
        holdNote: note ?? null,
        ...(decision === 'process' ? { status: 'queued' as const, processedAt: null } : {}),
      })
      .where(and(eq(images.id, id), eq(images.status, 'held'), sql`${images.holdDecision} IS DISTINCT FROM 'process'`))
      .returning();
    return row;
  }

  /** Photos of the flight flagged on arrival, held, or linked to a copy elsewhere, with that copy's flight. */
  async flaggedInFlight(
    flightId: string,
    limit = 500,
  ): Promise<Array<ImageRow & { duplicateOfFlightId: string | null }>> {
    const original = alias(images, 'original');
    const rows = await this.db
      .select({ image: images, duplicateOfFlightId: original.flightId })
      .from(images)
      .leftJoin(original, eq(original.id, images.duplicateOf))
      .where(
        and(
          eq(images.flightId, flightId),
          or(isNotNull(images.flagReason), inArray(images.status, ['duplicate', 'held'])),
        ),
      )
      .orderBy(images.createdAt, images.id)
      .limit(limit);
    return rows.map((r) => ({ ...r.image, duplicateOfFlightId: r.duplicateOfFlightId }));
  }
}

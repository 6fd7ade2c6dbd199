import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { flights, images, missedHazards } from '../db/schema.js';
import type { Scope } from '../domain/scope.js';
import { imageInScopeSql } from './images.js';
import type { Transaction } from './unit-of-work.js';

export type MissedHazardRow = typeof missedHazards.$inferSelect;

export type MissedHazardListing = MissedHazardRow & {
  imageSha256: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  flightId: string;
};

interface NewMissedHazard {
  organisationId: string;
  imageId: string;
  findingId: string | null;
  className: string;
  box: readonly [number, number, number, number];
  note: string | null;
  reviewer: { userId: string; name: string };
}

/** Hazards reviewers saw and the model did not: the labels the next model is trained with. */
export class MissedHazardRepository {
  constructor(private readonly db: Database) {}

  async insert(tx: Transaction, input: NewMissedHazard): Promise<MissedHazardRow> {
    const [x1, y1, x2, y2] = input.box;
    const [row] = await tx
      .insert(missedHazards)
      .values({
        id: randomUUID(),
        organisationId: input.organisationId,
        imageId: input.imageId,
        findingId: input.findingId,
        className: input.className,
        x1,
        y1,
        x2,
        y2,
        note: input.note,
        reviewerUserId: input.reviewer.userId,
        reviewerName: input.reviewer.name,
      })
      .returning();
    return row!;
  }

  /**
   * The marks on photos the caller may see, oldest first, with each photo's hash and size (what a
   * training set needs). A mark shows where its photo does: the organisation alone would hand a
   * county the marks of every other region.
   */
  async list(
    scope: Scope,
    options: {
      flightId?: string | undefined;
      imageId?: string | undefined;
      limit: number;
      after?: { createdAt: Date; id: string } | undefined;
    },
  ): Promise<MissedHazardListing[]> {
    const rows = await this.db
      .select({
        mark: missedHazards,
        imageSha256: images.sha256,
        imageWidth: images.width,
        imageHeight: images.height,
        flightId: images.flightId,
      })
      .from(missedHazards)
      .innerJoin(images, eq(images.id, missedHazards.imageId))
      .innerJoin(flights, eq(flights.id, images.flightId))
      .where(
        and(
          eq(missedHazards.organisationId, scope.organisationId),
          imageInScopeSql(scope),
          options.flightId ? eq(images.flightId, options.flightId) : undefined,
          options.imageId ? eq(missedHazards.imageId, options.imageId) : undefined,
          options.after
            ? sql`(${missedHazards.createdAt}, ${missedHazards.id}) > (${options.after.createdAt.toISOString()}::timestamptz, ${options.after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(asc(missedHazards.createdAt), asc(missedHazards.id))
      .limit(options.limit);
    return rows.map((r) => ({
      ...r.mark,
      imageSha256: r.imageSha256,
      imageWidth: r.imageWidth,
      imageHeight: r.imageHeight,
      flightId: r.flightId,
    }));
  }
}

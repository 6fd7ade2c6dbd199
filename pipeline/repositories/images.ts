import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, like, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { images } from '../db/schema.js';
import type { RegisteredVia } from '../domain/images.js';

export type ImageRow = typeof images.$inferSelect;

export interface RegisterInput {
  flightId: string;
  objectKey: string;
  sha256: string;
  sizeBytes: number;
  etag: string | undefined;
  originalFilename: string | undefined;
  via: RegisteredVia;
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
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { image: inserted[0], created: true };
    const [existing] = await this.db
      .select()
      .from(images)
      .where(and(eq(images.flightId, input.flightId), sql`(${images.objectKey} = ${input.objectKey} OR ${images.sha256} = ${input.sha256})`))
      .orderBy(sql`(${images.objectKey} = ${input.objectKey}) DESC`)
      .limit(1);
    if (!existing) throw new Error(`image ${input.objectKey} neither inserted nor found`);
    return { image: existing, created: false };
  }

  async get(id: string): Promise<ImageRow | undefined> {
    const [row] = await this.db.select().from(images).where(eq(images.id, id)).limit(1);
    return row;
  }

  async keysUnder(prefix: string): Promise<Set<string>> {
    const rows = await this.db.select({ key: images.objectKey }).from(images).where(like(images.objectKey, `${prefix.replace(/[%_\\]/g, '\\$&')}%`));
    return new Set(rows.map((r) => r.key));
  }

  async listByFlight(flightId: string): Promise<ImageRow[]> {
    return this.db.select().from(images).where(eq(images.flightId, flightId)).orderBy(images.originalFilename, images.createdAt);
  }

  /** Moves registered images to queued (after their job was added); processed ones stay. */
  async markQueued(id: string): Promise<void> {
    await this.db.update(images).set({ status: 'queued' }).where(and(eq(images.id, id), inArray(images.status, ['registered'])));
  }

  async markProcessing(id: string): Promise<void> {
    await this.db.update(images).set({ status: 'processing' }).where(and(eq(images.id, id), inArray(images.status, ['registered', 'queued', 'processing'])));
  }

  /** Records a failure unless the image already finished (a late report must not undo a result). */
  async markFailedIfUnfinished(id: string, reason: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: 'failed', failureReason: reason, processedAt: new Date() })
      .where(and(eq(images.id, id), inArray(images.status, ['registered', 'queued', 'processing'])));
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await this.db.update(images).set({ status: 'failed', failureReason: reason, processedAt: new Date() }).where(eq(images.id, id));
  }

  async setFilenameIfMissing(id: string, filename: string): Promise<void> {
    await this.db.update(images).set({ originalFilename: filename }).where(and(eq(images.id, id), isNull(images.originalFilename)));
  }

  /** Images not yet finished: never queued (a crash between insert and enqueue), or whose job was lost. */
  async unfinished(prefix: string): Promise<ImageRow[]> {
    return this.db
      .select()
      .from(images)
      .where(and(inArray(images.status, ['registered', 'queued', 'processing']), like(images.objectKey, `${prefix.replace(/[%_\\]/g, '\\$&')}%`)));
  }

}

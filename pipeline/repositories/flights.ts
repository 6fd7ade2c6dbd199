import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { flights, images } from '../db/schema.js';
import type { ImageStatus } from '../domain/images.js';

export type FlightRow = typeof flights.$inferSelect;

export class FlightRepository {
  constructor(private readonly db: Database) {}

  async create(input: { name: string; siteName?: string | undefined; notes?: string | undefined; createdBy: string }): Promise<FlightRow> {
    const [row] = await this.db
      .insert(flights)
      .values({ id: randomUUID(), name: input.name, siteName: input.siteName ?? null, notes: input.notes ?? null, status: 'open', createdBy: input.createdBy })
      .returning();
    return row!;
  }

  async get(id: string): Promise<FlightRow | undefined> {
    const [row] = await this.db.select().from(flights).where(eq(flights.id, id)).limit(1);
    return row;
  }

  /** Newest first; `before` is the created_at/id cursor of the last row of the previous page. */
  async list(limit: number, before?: { createdAt: Date; id: string }): Promise<FlightRow[]> {
    const where = before
      ? sql`(${flights.createdAt}, ${flights.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`
      : undefined;
    return this.db.select().from(flights).where(where).orderBy(desc(flights.createdAt), desc(flights.id)).limit(limit);
  }

  async complete(id: string): Promise<FlightRow | undefined> {
    const [row] = await this.db
      .update(flights)
      .set({ status: 'completed', completedAt: sql`coalesce(${flights.completedAt}, now())` })
      .where(eq(flights.id, id))
      .returning();
    return row;
  }

  async imageCounts(flightId: string): Promise<Partial<Record<ImageStatus, number>>> {
    const rows = await this.db
      .select({ status: images.status, count: sql<number>`count(*)::int` })
      .from(images)
      .where(eq(images.flightId, flightId))
      .groupBy(images.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  async failures(flightId: string, limit = 100): Promise<Array<{ imageId: string; filename: string | null; reason: string | null }>> {
    return this.db
      .select({ imageId: images.id, filename: images.originalFilename, reason: images.failureReason })
      .from(images)
      .where(and(eq(images.flightId, flightId), eq(images.status, 'failed')))
      .orderBy(images.createdAt)
      .limit(limit);
  }
}


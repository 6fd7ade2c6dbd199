import { randomUUID } from 'node:crypto';
import { asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { reviews } from '../db/schema.js';
import type { Transaction } from './unit-of-work.js';

export type ReviewRow = typeof reviews.$inferSelect;

type NewReview = Omit<typeof reviews.$inferInsert, 'id' | 'createdAt'>;

/** Reviewers' decisions, one per detection (a unique index, so a second insert fails). */
export class ReviewRepository {
  constructor(private readonly db: Database) {}

  async ofDetection(tx: Transaction, detectionId: string): Promise<ReviewRow | undefined> {
    const [row] = await tx.select().from(reviews).where(eq(reviews.detectionId, detectionId)).limit(1);
    return row;
  }

  async insert(tx: Transaction, review: NewReview): Promise<ReviewRow> {
    const [row] = await tx
      .insert(reviews)
      .values({ id: randomUUID(), ...review })
      .returning();
    return row!;
  }

  async ofDetections(detectionIds: readonly string[]): Promise<ReviewRow[]> {
    if (detectionIds.length === 0) return [];
    return this.db
      .select()
      .from(reviews)
      .where(inArray(reviews.detectionId, [...detectionIds]))
      .orderBy(asc(reviews.createdAt));
  }
}

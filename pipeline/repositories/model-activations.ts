import { randomUUID } from 'node:crypto';
import { desc } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { modelActivations } from '../db/schema.js';
import type { Transaction } from './unit-of-work.js';

export type ModelActivationRow = typeof modelActivations.$inferSelect;

interface NewModelActivation {
  modelName: string;
  modelVersion: string;
  sha256: string;
  directory: string;
  activatedBy: string;
  note: string | null;
}

/** The history of model switches; the newest row is the model processes start with. */
export class ModelActivationRepository {
  constructor(private readonly db: Database) {}

  async insert(tx: Transaction, input: NewModelActivation): Promise<ModelActivationRow> {
    const [row] = await tx
      .insert(modelActivations)
      .values({ id: randomUUID(), ...input })
      .returning();
    return row!;
  }

  async newest(): Promise<ModelActivationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(modelActivations)
      .orderBy(desc(modelActivations.activatedAt), desc(modelActivations.id))
      .limit(1);
    return row;
  }

  /** Newest first. */
  async list(limit = 100): Promise<ModelActivationRow[]> {
    return this.db
      .select()
      .from(modelActivations)
      .orderBy(desc(modelActivations.activatedAt), desc(modelActivations.id))
      .limit(limit);
  }
}

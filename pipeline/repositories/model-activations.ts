import { randomUUID } from 'node:crypto';
import { desc } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { modelActivations } from '../db/schema.js';
import type { AuditEntry, AuditRepository } from './audit.js';

export type ModelActivationRow = typeof modelActivations.$inferSelect;

export interface NewModelActivation {
  modelName: string;
  modelVersion: string;
  sha256: string;
  directory: string;
  activatedBy: string;
  note: string | null;
}

/** The history of model switches; the newest row is the model processes start with. */
export class ModelActivationRepository {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepository,
  ) {}

  /** Records a switch and its audit entry together: a switch without its entry never happened. */
  async add(input: NewModelActivation, entry: (row: ModelActivationRow, previous: ModelActivationRow | undefined) => AuditEntry): Promise<{ row: ModelActivationRow; previous: ModelActivationRow | undefined }> {
    return this.db.transaction(async (tx) => {
      const [previous] = await tx.select().from(modelActivations).orderBy(desc(modelActivations.activatedAt), desc(modelActivations.id)).limit(1);
      const [row] = await tx.insert(modelActivations).values({ id: randomUUID(), ...input }).returning();
      await this.audit.append(entry(row!, previous), tx);
      return { row: row!, previous };
    });
  }

  async newest(): Promise<ModelActivationRow | undefined> {
    const [row] = await this.db.select().from(modelActivations).orderBy(desc(modelActivations.activatedAt), desc(modelActivations.id)).limit(1);
    return row;
  }

  /** Newest first. */
  async list(limit = 100): Promise<ModelActivationRow[]> {
    return this.db.select().from(modelActivations).orderBy(desc(modelActivations.activatedAt), desc(modelActivations.id)).limit(limit);
  }
}

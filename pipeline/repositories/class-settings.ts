import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { classSettings } from '../db/schema.js';
import type { AuditEntry, AuditRepository } from './audit.js';

export type ClassSettingRow = typeof classSettings.$inferSelect;

export interface NewClassSetting {
  organisationId: string;
  modelName: string;
  className: string;
  enabled: boolean;
  note: string;
  changedBy: { userId: string; name: string };
}

/** Organisations' overrides of the classes a model ships enabled or disabled. */
export class ClassSettingRepository {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepository,
  ) {}

  async forOrganisation(organisationId: string, modelName: string): Promise<ClassSettingRow[]> {
    return this.db
      .select()
      .from(classSettings)
      .where(and(eq(classSettings.organisationId, organisationId), eq(classSettings.modelName, modelName)));
  }

  /**
   * Sets the organisation's override and records it in the audit trail in one transaction, so no
   * class goes live (or stops) without the entry that says who did it and why.
   */
  async set(input: NewClassSetting, audit: (previous: ClassSettingRow | undefined) => AuditEntry): Promise<ClassSettingRow> {
    return this.db.transaction(async (tx) => {
      const key = and(eq(classSettings.organisationId, input.organisationId), eq(classSettings.modelName, input.modelName), eq(classSettings.className, input.className));
      // Locked: the audit entry names the override it replaced, not one another admin just wrote.
      const [previous] = await tx.select().from(classSettings).where(key).for('update');
      const values = { enabled: input.enabled, note: input.note, changedByUser: input.changedBy.userId, changedByName: input.changedBy.name, changedAt: new Date() };
      const [row] = await tx
        .insert(classSettings)
        .values({ organisationId: input.organisationId, modelName: input.modelName, className: input.className, ...values })
        .onConflictDoUpdate({ target: [classSettings.organisationId, classSettings.modelName, classSettings.className], set: values })
        .returning();
      await this.audit.append(audit(previous), tx);
      return row!;
    });
  }
}

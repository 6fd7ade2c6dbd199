import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { classSettings } from '../db/schema.js';
import type { Transaction } from './unit-of-work.js';

export type ClassSettingRow = typeof classSettings.$inferSelect;

interface ClassKey {
  organisationId: string;
  modelName: string;
  className: string;
}

interface NewClassSetting extends ClassKey {
  enabled: boolean;
  note: string;
  changedBy: { userId: string; name: string };
}

const keyOf = (key: ClassKey) =>
  and(
    eq(classSettings.organisationId, key.organisationId),
    eq(classSettings.modelName, key.modelName),
    eq(classSettings.className, key.className),
  );

/** Organisations' overrides of the classes a model ships enabled or disabled. */
export class ClassSettingRepository {
  constructor(private readonly db: Database) {}

  async forOrganisation(organisationId: string, modelName: string): Promise<ClassSettingRow[]> {
    return this.db
      .select()
      .from(classSettings)
      .where(and(eq(classSettings.organisationId, organisationId), eq(classSettings.modelName, modelName)));
  }

  /** The organisation's override of the class, locked until the transaction ends (when there is one). */
  async lock(tx: Transaction, key: ClassKey): Promise<ClassSettingRow | undefined> {
    const [row] = await tx.select().from(classSettings).where(keyOf(key)).for('update');
    return row;
  }

  /** Sets the organisation's override of the class, replacing the one it had. */
  async upsert(tx: Transaction, input: NewClassSetting): Promise<ClassSettingRow> {
    const values = {
      enabled: input.enabled,
      note: input.note,
      changedByUser: input.changedBy.userId,
      changedByName: input.changedBy.name,
      changedAt: new Date(),
    };
    const [row] = await tx
      .insert(classSettings)
      .values({
        organisationId: input.organisationId,
        modelName: input.modelName,
        className: input.className,
        ...values,
      })
      .onConflictDoUpdate({
        target: [classSettings.organisationId, classSettings.modelName, classSettings.className],
        set: values,
      })
      .returning();
    return row!;
  }
}

import type { Database } from '../db/client.js';
import { auditLog } from '../db/schema.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  detail?: Record<string, unknown>;
}

type Executor = Pick<Database, 'insert'>;

/** Append-only: the table refuses updates and deletes (a trigger in the migration). */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  async append(entry: AuditEntry, executor: Executor = this.db): Promise<void> {
    await executor.insert(auditLog).values({ ...entry, detail: entry.detail ?? null });
  }
}

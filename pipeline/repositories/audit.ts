import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { auditHead, auditLog } from '../db/schema.js';
import { type ChainedEntry, chainHash, entryBody } from '../domain/audit-chain.js';
import { sha256Hex } from '../evidence/signing.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  detail?: Record<string, unknown>;
}

type Executor = Pick<Database, 'insert' | 'select' | 'update'>;

/**
 * Append-only (a trigger refuses updates and deletes) and hash-chained: each entry is hashed with
 * the one before it, under a lock on the chain's head row, in the caller's transaction when given.
 */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  async append(entry: AuditEntry, executor?: Executor): Promise<void> {
    if (executor) return this.appendIn(executor, entry);
    await this.db.transaction((tx) => this.appendIn(tx, entry));
  }

  private async appendIn(tx: Executor, entry: AuditEntry): Promise<void> {
    // The head row lock orders appends: the chain has exactly one next entry at a time.
    const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
    if (!head) throw new Error('audit_head is missing: the audit chain cannot be extended');
    // Stored as JSON: hash exactly what reads back (dates become strings, undefined disappears).
    const detail =
      entry.detail === undefined ? null : (JSON.parse(JSON.stringify(entry.detail)) as Record<string, unknown>);
    const at = new Date();
    const body = {
      at: at.toISOString(),
      actor: entry.actor,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      detail,
    };
    const hash = chainHash(head.lastHash, entryBody(body), sha256Hex);
    const [row] = await tx
      .insert(auditLog)
      .values({ ...entry, detail, at, prevHash: head.lastHash, hash })
      .returning({ id: auditLog.id });
    await tx
      .update(auditHead)
      .set({ entries: head.entries + 1, lastId: row!.id, lastHash: hash })
      .where(eq(auditHead.id, 1));
  }

  /** The chained entries about some subjects (by type, their ids), in order, and the chain's head now. */
  async entriesAbout(
    subjects: Record<string, readonly string[]>,
  ): Promise<{ entries: ChainedEntry[]; head: { entries: number; lastHash: string } }> {
    const clauses = Object.entries(subjects)
      .filter(([, ids]) => ids.length > 0)
      .map(([type, ids]) => and(eq(auditLog.subjectType, type), inArray(auditLog.subjectId, [...ids])));
    const rows = clauses.length
      ? await this.db
          .select()
          .from(auditLog)
          .where(and(isNotNull(auditLog.hash), or(...clauses)))
          .orderBy(asc(auditLog.id))
      : [];
    const [head] = await this.db.select().from(auditHead).where(eq(auditHead.id, 1));
    return { entries: rows.map(toChained), head: { entries: head?.entries ?? 0, lastHash: head?.lastHash ?? '' } };
  }

  /**
   * The head row and the entry it points at. `consistent` is false when the row names an entry that
   * is missing or has another hash: such a head must not be signed.
   */
  async head(): Promise<{ entries: number; hash: string; id: number; at: string; consistent: boolean }> {
    const [head] = await this.db.select().from(auditHead).where(eq(auditHead.id, 1));
    if (!head || head.entries === 0 || head.lastId === null)
      return { entries: 0, hash: head?.lastHash ?? '', id: 0, at: '', consistent: true };
    const [entry] = await this.db
      .select({ at: auditLog.at, hash: auditLog.hash })
      .from(auditLog)
      .where(eq(auditLog.id, head.lastId));
    return {
      entries: head.entries,
      hash: head.lastHash,
      id: head.lastId,
      at: entry?.at.toISOString() ?? '',
      consistent: entry?.hash === head.lastHash,
    };
  }

  /** The chained entries in order, the count of entries from before the chain, and the head. */
  async readChain(): Promise<{
    entries: ChainedEntry[];
    unchained: number;
    head: { entries: number; lastHash: string };
  }> {
    const rows = await this.db.select().from(auditLog).where(isNotNull(auditLog.hash)).orderBy(asc(auditLog.id));
    const [legacy] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(isNull(auditLog.hash));
    const [head] = await this.db.select().from(auditHead).where(eq(auditHead.id, 1));
    return {
      entries: rows.map(toChained),
      unchained: legacy?.n ?? 0,
      head: { entries: head?.entries ?? 0, lastHash: head?.lastHash ?? '' },
    };
  }
}

function toChained(r: typeof auditLog.$inferSelect): ChainedEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    detail: r.detail,
    prevHash: r.prevHash!,
    hash: r.hash!,
  };
}

import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { caseEvents, caseFindings, findingRevisions } from '../db/schema.js';
import type { CaseEventRow, CaseFindingRow } from './cases.js';
import type { Transaction } from './unit-of-work.js';

export type RevisionRow = typeof findingRevisions.$inferSelect;
type NewRevision = Omit<typeof findingRevisions.$inferInsert, 'id' | 'createdAt'>;

/**
 * Revised decisions, and the changes a revision makes to a finding's case link. The link statements
 * live here rather than in CaseRepository because only a revision ever takes a finding out of a
 * case or changes its hazard there; everything else about cases only adds.
 */
export class RevisionRepository {
  constructor(private readonly db: Database) {}

  async insert(tx: Transaction, revision: NewRevision, at: Date): Promise<RevisionRow> {
    const [row] = await tx
      .insert(findingRevisions)
      .values({ id: randomUUID(), ...revision, createdAt: at })
      .returning();
    return row!;
  }

  async ofFinding(findingId: string): Promise<RevisionRow[]> {
    return this.db
      .select()
      .from(findingRevisions)
      .where(eq(findingRevisions.findingId, findingId))
      .orderBy(asc(findingRevisions.createdAt), asc(findingRevisions.id));
  }

  /** The latest revision of a finding, read in the transaction that locked it. */
  async latest(tx: Transaction, findingId: string): Promise<RevisionRow | undefined> {
    const [row] = await tx
      .select()
      .from(findingRevisions)
      .where(eq(findingRevisions.findingId, findingId))
      .orderBy(sql`${findingRevisions.createdAt} DESC`, sql`${findingRevisions.id} DESC`)
      .limit(1);
    return row;
  }

  async caseLinkOf(tx: Transaction, findingId: string): Promise<CaseFindingRow | undefined> {
    const [row] = await tx.select().from(caseFindings).where(eq(caseFindings.findingId, findingId)).limit(1);
    return row;
  }

  async currentCaseId(findingId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ caseId: caseFindings.caseId })
      .from(caseFindings)
      .where(eq(caseFindings.findingId, findingId))
      .limit(1);
    return row?.caseId;
  }

  async linksOfCase(tx: Transaction, caseId: string): Promise<CaseFindingRow[]> {
    return tx.select().from(caseFindings).where(eq(caseFindings.caseId, caseId));
  }

  async removeCaseLink(tx: Transaction, findingId: string): Promise<void> {
    await tx.delete(caseFindings).where(eq(caseFindings.findingId, findingId));
  }

  async relabelCaseLink(
    tx: Transaction,
    findingId: string,
    hazard: { className: string; hazardCode: string; severity: string },
  ): Promise<void> {
    await tx.update(caseFindings).set(hazard).where(eq(caseFindings.findingId, findingId));
  }

  /** The events of some cases that name a finding in their detail (opened, added, removed, relabelled). */
  async caseEventsAbout(caseIds: readonly string[], findingId: string): Promise<CaseEventRow[]> {
    if (caseIds.length === 0) return [];
    return this.db
      .select()
      .from(caseEvents)
      .where(and(inArray(caseEvents.caseId, [...caseIds]), sql`${caseEvents.detail} ->> 'findingId' = ${findingId}`))
      .orderBy(asc(caseEvents.id));
  }
}

import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { caseAttachments, caseEvents, caseFindings, cases, flights, sites } from '../db/schema.js';
import type { CaseEventKind, CaseStatus, DismissalReason, NewCase } from '../domain/cases.js';
import type { Principal } from '../domain/roles.js';
import type { Scope } from '../domain/scope.js';
import { inScopeSql, regionPrefixSql } from './scope-sql.js';
import type { Transaction } from './unit-of-work.js';

export type CaseRow = typeof cases.$inferSelect;
export type CaseFindingRow = typeof caseFindings.$inferSelect;
export type CaseEventRow = typeof caseEvents.$inferSelect;
export type AttachmentRow = typeof caseAttachments.$inferSelect;

export interface CaseFilter {
  scope: Scope;
  /** The caller's region, narrowed by the one asked for. */
  regionPrefix: string;
  siteId?: string | undefined;
  flightId?: string | undefined;
  /** Part of the name of the flight that found it, any case. */
  flightName?: string | undefined;
  /** Part of the liable site's name or credit code, any case. */
  enterprise?: string | undefined;
  hazardCode?: string | undefined;
  severity?: 'major' | 'general' | undefined;
  statuses?: readonly CaseStatus[] | undefined;
  overdue?: boolean | undefined;
  /** Filed at or after / at or before. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** [west, south, east, north] in WGS-84 degrees. */
  bbox?: readonly [number, number, number, number] | undefined;
  number?: number | undefined;
  /** Only cases with a position (for maps). */
  placedOnly?: boolean | undefined;
}

/**
 * Sort orders the case list offers. Each is a keyset: the cursor carries the key of the last row,
 * so pages never skip or repeat rows while cases are added.
 */
export const CASE_SORTS = {
  '-createdAt': {
    direction: 'desc',
    keys: [{ expr: sql`${cases.createdAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.createdAt.toISOString() }],
  },
  createdAt: {
    direction: 'asc',
    keys: [{ expr: sql`${cases.createdAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.createdAt.toISOString() }],
  },
  '-updatedAt': {
    direction: 'desc',
    keys: [{ expr: sql`${cases.updatedAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.updatedAt.toISOString() }],
  },
  // Soonest deadline first; cases without one after all that have one.
  dueAt: {
    direction: 'asc',
    keys: [
      {
        expr: sql`coalesce(${cases.dueAt}, 'infinity'::timestamptz)`,
        cast: 'timestamptz',
        of: (c: CaseRow) => (c.dueAt ? c.dueAt.toISOString() : 'infinity'),
      },
    ],
  },
  // Major before general, newest first within each.
  severity: {
    direction: 'desc',
    keys: [
      {
        expr: sql`(CASE ${cases.severity} WHEN 'major' THEN 1 ELSE 0 END)`,
        cast: 'int',
        of: (c: CaseRow) => (c.severity === 'major' ? 1 : 0),
      },
      { expr: sql`${cases.createdAt}`, cast: 'timestamptz', of: (c: CaseRow) => c.createdAt.toISOString() },
    ],
  },
} as const satisfies Record<
  string,
  { direction: 'asc' | 'desc'; keys: ReadonlyArray<{ expr: SQL; cast: string; of: (c: CaseRow) => string | number }> }
>;
export type CaseSort = keyof typeof CASE_SORTS;

export interface CaseKey {
  values: Array<string | number>;
  id: string;
}

export interface CaseListRow {
  case: CaseRow;
  site: { id: string; name: string; creditCode: string; regionCode: string } | null;
}

type CaseChanges = Partial<Omit<typeof cases.$inferInsert, 'id' | 'number'>>;
type NewCaseFinding = typeof caseFindings.$inferInsert;
type NewAttachment = Omit<typeof caseAttachments.$inferInsert, 'id'>;

/** An entry in a case's history, by the person who made it. */
interface CaseEventInput {
  kind: CaseEventKind;
  actor: Principal;
  fromStatus?: CaseStatus | undefined;
  toStatus?: CaseStatus | undefined;
  note?: string | undefined;
  reason?: DismissalReason | undefined;
  dueAt?: Date | undefined;
  detail?: Record<string, unknown> | undefined;
  at: Date;
}

/**
 * Cases, their findings, history and attachments. Plain data access: the services decide what
 * changes (domain/cases.ts) and run these statements in the transaction they open.
 */
export class CaseRepository {
  constructor(private readonly db: Database) {}

  /** The case, locked until the transaction ends, so lifecycle steps on it happen one at a time. */
  async lockInScope(tx: Transaction, id: string, scope: Scope): Promise<CaseRow | undefined> {
    const [row] = await tx
      .select()
      .from(cases)
      .where(and(eq(cases.id, id), inScopeSql(cases, scope)))
      .for('update')
      .limit(1);
    return row;
  }

  /** The newest filed case of a site for a flight, locked: the one a confirmed finding may join. */
  async lockNewestFiled(tx: Transaction, flightId: string, siteId: string): Promise<CaseRow | undefined> {
    const [row] = await tx
      .select()
      .from(cases)
      .where(and(eq(cases.flightId, flightId), eq(cases.siteId, siteId), eq(cases.status, 'filed')))
      .orderBy(desc(cases.createdAt))
      .limit(1)
      .for('update');
    return row;
  }

  /** The case a decided detection went into, if any. */
  async ofDetection(tx: Transaction, detectionId: string): Promise<CaseRow | undefined> {
    const [link] = await tx.select().from(caseFindings).where(eq(caseFindings.detectionId, detectionId)).limit(1);
    const [row] = link ? await tx.select().from(cases).where(eq(cases.id, link.caseId)).limit(1) : [];
    return row;
  }

  async insert(tx: Transaction, values: NewCase): Promise<CaseRow> {
    const [row] = await tx
      .insert(cases)
      .values({ id: randomUUID(), ...values })
      .returning();
    return row!;
  }

  async update(tx: Transaction, id: string, changes: CaseChanges): Promise<CaseRow> {
    const [row] = await tx.update(cases).set(changes).where(eq(cases.id, id)).returning();
    return row!;
  }

  async addFinding(tx: Transaction, link: NewCaseFinding): Promise<void> {
    await tx.insert(caseFindings).values(link);
  }

  async addEvent(tx: Transaction, caseId: string, e: CaseEventInput): Promise<CaseEventRow> {
    const [row] = await tx
      .insert(caseEvents)
      .values({
        caseId,
        kind: e.kind,
        fromStatus: e.fromStatus ?? null,
        toStatus: e.toStatus ?? null,
        actorUserId: e.actor.userId,
        actorName: e.actor.name,
        actorRole: e.actor.role,
        note: e.note ?? null,
        reason: e.reason ?? null,
        dueAt: e.dueAt ?? null,
        detail: e.detail ?? null,
        at: e.at,
      })
      .returning();
    return row!;
  }

  /** Those of the attachments named that are the case's own (in no particular order). */
  async attachmentsAmong(tx: Transaction, caseId: string, ids: readonly string[]): Promise<AttachmentRow[]> {
    if (ids.length === 0) return [];
    return tx
      .select()
      .from(caseAttachments)
      .where(and(eq(caseAttachments.caseId, caseId), inArray(caseAttachments.id, [...ids])));
  }

  async attachmentWithSha256(tx: Transaction, caseId: string, sha256: string): Promise<AttachmentRow | undefined> {
    const [row] = await tx
      .select()
      .from(caseAttachments)
      .where(and(eq(caseAttachments.caseId, caseId), eq(caseAttachments.sha256, sha256)))
      .limit(1);
    return row;
  }

  async insertAttachment(tx: Transaction, attachment: NewAttachment): Promise<AttachmentRow> {
    const [row] = await tx
      .insert(caseAttachments)
      .values({ id: randomUUID(), ...attachment })
      .returning();
    return row!;
  }

  async get(id: string, scope: Scope): Promise<CaseRow | undefined> {
    const [row] = await this.db
      .select()
      .from(cases)
      .where(and(eq(cases.id, id), inScopeSql(cases, scope)))
      .limit(1);
    return row;
  }

  async findingsOf(caseId: string): Promise<CaseFindingRow[]> {
    return this.db
      .select()
      .from(caseFindings)
      .where(eq(caseFindings.caseId, caseId))
      .orderBy(asc(caseFindings.addedAt), asc(caseFindings.detectionId));
  }

  async eventsOf(caseId: string): Promise<CaseEventRow[]> {
    return this.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId)).orderBy(asc(caseEvents.id));
  }

  async attachmentsOf(caseId: string): Promise<AttachmentRow[]> {
    return this.db
      .select()
      .from(caseAttachments)
      .where(eq(caseAttachments.caseId, caseId))
      .orderBy(asc(caseAttachments.createdAt), asc(caseAttachments.id));
  }

  async attachment(caseId: string, attachmentId: string): Promise<AttachmentRow | undefined> {
    const [row] = await this.db
      .select()
      .from(caseAttachments)
      .where(and(eq(caseAttachments.caseId, caseId), eq(caseAttachments.id, attachmentId)))
      .limit(1);
    return row;
  }

  /** The cases (with their sites) matching a filter, in a sort order, after a keyset. */
  async list(
    filter: CaseFilter,
    sort: CaseSort,
    limit: number,
    after: CaseKey | undefined,
    now: Date,
  ): Promise<CaseListRow[]> {
    const order = CASE_SORTS[sort];
    const keys = [...order.keys.map((k) => k.expr), sql`${cases.id}`];
    const keyset = after
      ? sql`(${sql.join(keys, sql`, `)}) ${sql.raw(order.direction === 'desc' ? '<' : '>')} (${sql.join([...order.keys.map((k, i) => sql`${after.values[i]}::${sql.raw(k.cast)}`), sql`${after.id}::uuid`], sql`, `)})`
      : undefined;
    const rows = await this.db
      .select({ case: cases, siteName: sites.name, siteCreditCode: sites.creditCode, siteRegion: sites.regionCode })
      .from(cases)
      .leftJoin(sites, eq(sites.id, cases.siteId))
      .where(and(...filterConditions(filter, now), keyset))
      .orderBy(...keys.map((k) => (order.direction === 'desc' ? desc(k) : asc(k))))
      .limit(limit);
    return rows.map((r) => ({
      case: r.case,
      site:
        r.case.siteId && r.siteName !== null
          ? { id: r.case.siteId, name: r.siteName, creditCode: r.siteCreditCode!, regionCode: r.siteRegion! }
          : null,
    }));
  }

  /** Whether a cursor's key fits the sort (a forged one must be refused, not reach SQL casts). */
  fitsSort(key: CaseKey, sort: CaseSort): boolean {
    const keys = CASE_SORTS[sort].keys;
    return (
      key.values.length === keys.length &&
      keys.every((k, i) => {
        const v = key.values[i];
        return k.cast === 'int'
          ? Number.isInteger(v)
          : typeof v === 'string' && (v === 'infinity' || !Number.isNaN(Date.parse(v)));
      })
    );
  }

  keyOf(row: CaseRow, sort: CaseSort): CaseKey {
    return { values: CASE_SORTS[sort].keys.map((k) => k.of(row)), id: row.id };
  }

  /** Counts by status, hazard, region and month of filing (in `timeZone`), and how many are overdue. */
  async summary(
    filter: CaseFilter,
    timeZone: string,
    now: Date,
  ): Promise<{
    total: number;
    overdue: number;
    byStatus: Record<string, number>;
    byHazard: Record<string, number>;
    byRegion: Record<string, number>;
    byMonth: Record<string, number>;
  }> {
    const where = and(...filterConditions(filter, now));
    // Inlined, not a parameter: GROUP BY must see the very expression the select list has.
    if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone))
      throw new Error(`time zone ${JSON.stringify(timeZone)} is not an IANA name`);
    const month = sql<string>`to_char(${cases.createdAt} AT TIME ZONE '${sql.raw(timeZone)}', 'YYYY-MM')`;
    const grouped = await this.db
      .select({
        status: cases.status,
        region: cases.regionCode,
        month,
        count: sql<number>`count(*)::int`,
        overdue: sql<number>`(count(*) FILTER (WHERE ${cases.status} = 'rectification_due' AND ${cases.dueAt} < ${now.toISOString()}::timestamptz))::int`,
        grouping: sql<number>`GROUPING(${cases.status}, ${cases.regionCode}, ${month})`,
      })
      .from(cases)
      .where(where)
      .groupBy(sql`GROUPING SETS ((${cases.status}), (${cases.regionCode}), (${month}), ())`);
    const hazards = await this.db
      .select({ hazard: sql<string>`h.code`, count: sql<number>`count(*)::int` })
      .from(sql`${cases} CROSS JOIN LATERAL unnest(${cases.hazardCodes}) AS h(code)`)
      .where(where)
      .groupBy(sql`h.code`);
    const byStatus: Record<string, number> = {};
    const byRegion: Record<string, number> = {};
    const byMonth: Record<string, number> = {};
    let total = 0;
    let overdue = 0;
    for (const g of grouped) {
      // GROUPING() sets a bit per column left out of the set: 0b011 is "by status" and so on.
      if (g.grouping === 0b011) byStatus[g.status] = g.count;
      else if (g.grouping === 0b101) byRegion[g.region] = g.count;
      else if (g.grouping === 0b110) byMonth[g.month] = g.count;
      else if (g.grouping === 0b111) {
        total = g.count;
        overdue = g.overdue;
      }
    }
    return {
      total,
      overdue,
      byStatus,
      byHazard: Object.fromEntries(hazards.map((h) => [h.hazard, h.count])),
      byRegion,
      byMonth,
    };
  }
}

function filterConditions(filter: CaseFilter, now: Date): Array<SQL | undefined> {
  return [
    eq(cases.organisationId, filter.scope.organisationId),
    regionPrefixSql(cases.regionCode, filter.regionPrefix),
    filter.siteId ? eq(cases.siteId, filter.siteId) : undefined,
    filter.flightId ? eq(cases.flightId, filter.flightId) : undefined,
    // Subqueries rather than joins: the summary counts cases, and a join would have to be repeated there.
    filter.flightName
      ? sql`${cases.flightId} IN (SELECT ${flights.id} FROM ${flights} WHERE ${flights.organisationId} = ${filter.scope.organisationId} AND ${flights.name} ILIKE ${containing(filter.flightName)})`
      : undefined,
    filter.enterprise
      ? sql`${cases.siteId} IN (SELECT ${sites.id} FROM ${sites} WHERE ${sites.organisationId} = ${filter.scope.organisationId} AND (${sites.name} ILIKE ${containing(filter.enterprise)} OR ${sites.creditCode} ILIKE ${containing(filter.enterprise)}))`
      : undefined,
    filter.hazardCode ? sql`${cases.hazardCodes} @> ARRAY[${filter.hazardCode}]::text[]` : undefined,
    filter.severity ? eq(cases.severity, filter.severity) : undefined,
    filter.statuses?.length ? inArray(cases.status, [...filter.statuses]) : undefined,
    filter.overdue === true
      ? sql`(${cases.status} = 'rectification_due' AND ${cases.dueAt} < ${now.toISOString()}::timestamptz)`
      : undefined,
    filter.overdue === false
      ? sql`NOT (${cases.status} = 'rectification_due' AND ${cases.dueAt} IS NOT NULL AND ${cases.dueAt} < ${now.toISOString()}::timestamptz)`
      : undefined,
    filter.from ? gte(cases.createdAt, filter.from) : undefined,
    filter.to ? lte(cases.createdAt, filter.to) : undefined,
    filter.bbox
      ? sql`${cases.lon} BETWEEN ${filter.bbox[0]} AND ${filter.bbox[2]} AND ${cases.lat} BETWEEN ${filter.bbox[1]} AND ${filter.bbox[3]}`
      : undefined,
    filter.number !== undefined ? eq(cases.number, filter.number) : undefined,
    filter.placedOnly ? sql`${cases.lat} IS NOT NULL AND ${cases.lon} IS NOT NULL` : undefined,
  ];
}

/** An ILIKE pattern matching text that contains `part` literally (its % and _ are not wildcards). */
function containing(part: string): string {
  return `%${part.replace(/[\\%_]/g, '\\$&')}%`;
}

import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { siteParts, sites } from '../db/schema.js';
import type { Scope } from '../domain/scope.js';
import { type Ring, type SiteGeometry, siteParts as partsOf } from '../domain/sites.js';
import { inScopeSql, regionPrefixSql } from './scope-sql.js';
import type { Executor, Transaction } from './unit-of-work.js';

export type SiteRow = typeof sites.$inferSelect;

export interface NewSite {
  organisationId: string;
  name: string;
  creditCode: string;
  industry: string;
  regionCode: string;
  contact: Record<string, unknown>;
  geometry: SiteGeometry;
}

export interface SiteRef {
  id: string;
  name: string;
  creditCode: string;
  regionCode: string;
}

/** PostgreSQL geometric literals: x is longitude, y latitude. */
const polygonLiteral = (ring: Ring) => `(${ring.map(([lon, lat]) => `(${lon},${lat})`).join(',')})`;
function boxLiteral(ring: Ring): string {
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return `(${Math.max(...lons)},${Math.max(...lats)}),(${Math.min(...lons)},${Math.min(...lats)})`;
}

export class SiteRepository {
  constructor(private readonly db: Database) {}

  /** The credit codes among these that the organisation has registered already. */
  async takenCodes(organisationId: string, codes: readonly string[], executor: Executor = this.db): Promise<string[]> {
    if (codes.length === 0) return [];
    const taken = await executor
      .select({ code: sites.creditCode })
      .from(sites)
      .where(and(eq(sites.organisationId, organisationId), inArray(sites.creditCode, [...codes])));
    return taken.map((t) => t.code);
  }

  /**
   * Inserts the organisation's sites with their outline parts. A credit code it already has fails
   * the statement (a unique index): see isUniqueViolation.
   */
  async insertAll(
    tx: Transaction,
    organisationId: string,
    input: readonly Omit<NewSite, 'organisationId'>[],
  ): Promise<SiteRow[]> {
    const created: SiteRow[] = [];
    // Batches keep each statement's parameter count well under PostgreSQL's limit.
    for (let i = 0; i < input.length; i += 500) {
      const batch = input.slice(i, i + 500).map((s) => ({ ...s, organisationId, id: randomUUID() }));
      created.push(...(await tx.insert(sites).values(batch).returning()));
      const parts = batch.flatMap((s) =>
        partsOf(s.geometry).map((p, part) => ({
          siteId: s.id,
          part,
          polygon: p.polygon,
          hole: p.hole,
          outline: polygonLiteral(p.ring),
          bounds: boxLiteral(p.ring),
        })),
      );
      for (let j = 0; j < parts.length; j += 1000) await tx.insert(siteParts).values(parts.slice(j, j + 1000));
    }
    return created;
  }

  /** The region of each of these sites, by id. */
  async regionsOf(ids: readonly string[], executor: Executor = this.db): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await executor
      .select({ id: sites.id, regionCode: sites.regionCode })
      .from(sites)
      .where(inArray(sites.id, [...ids]));
    return new Map(rows.map((r) => [r.id, r.regionCode]));
  }

  async get(id: string): Promise<SiteRow | undefined> {
    const [row] = await this.db.select().from(sites).where(eq(sites.id, id)).limit(1);
    return row;
  }

  async getInScope(id: string, scope: Scope): Promise<SiteRow | undefined> {
    const [row] = await this.db
      .select()
      .from(sites)
      .where(and(eq(sites.id, id), inScopeSql(sites, scope)))
      .limit(1);
    return row;
  }

  async byIds(ids: readonly string[]): Promise<SiteRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(sites)
      .where(inArray(sites.id, [...ids]));
  }

  /** Oldest first within one organisation and a region prefix (province "41", city "4101" or county "410105"). */
  async list(options: {
    organisationId: string;
    regionPrefix: string;
    limit: number;
    after?: { createdAt: Date; id: string } | undefined;
  }): Promise<SiteRow[]> {
    const where = and(
      eq(sites.organisationId, options.organisationId),
      regionPrefixSql(sites.regionCode, options.regionPrefix),
      options.after
        ? sql`(${sites.createdAt}, ${sites.id}) > (${options.after.createdAt.toISOString()}::timestamptz, ${options.after.id}::uuid)`
        : undefined,
    );
    return this.db.select().from(sites).where(where).orderBy(asc(sites.createdAt), asc(sites.id)).limit(options.limit);
  }

  /**
   * The organisation's sites within a region prefix, nearest a WGS-84 point first by the boxes of
   * their outlines (in degrees, so only a shortlist: the caller measures the outlines themselves).
   */
  async nearestByBounds(options: {
    organisationId: string;
    regionPrefix: string;
    lat: number;
    lon: number;
    limit: number;
  }): Promise<SiteRow[]> {
    const point = sql`${`(${options.lon},${options.lat})`}::point`;
    const gap = sql<number>`(SELECT min(${siteParts.bounds} <-> ${point}) FROM ${siteParts} WHERE ${siteParts.siteId} = ${sites.id} AND NOT ${siteParts.hole})`;
    return this.db
      .select()
      .from(sites)
      .where(
        and(eq(sites.organisationId, options.organisationId), regionPrefixSql(sites.regionCode, options.regionPrefix)),
      )
      .orderBy(sql`${gap} NULLS LAST`, asc(sites.id))
      .limit(options.limit);
  }

  /**
   * The organisation's site (within a region, when given) whose outline contains the point, the smallest when outlines nest (a workshop inside
   * an industrial park), or undefined. The box index finds candidates; holes exclude.
   */
  async attribute(organisationId: string, lat: number, lon: number, regionPrefix = ''): Promise<SiteRef | undefined> {
    const point = sql`${`(${lon},${lat})`}::point`;
    const [row] = await this.db
      .select({ id: sites.id, name: sites.name, creditCode: sites.creditCode, regionCode: sites.regionCode })
      .from(siteParts)
      .innerJoin(sites, eq(sites.id, siteParts.siteId))
      .where(
        and(
          eq(sites.organisationId, organisationId),
          regionPrefixSql(sites.regionCode, regionPrefix),
          eq(siteParts.hole, false),
          sql`${siteParts.bounds} && box(${point}, ${point})`,
          sql`${siteParts.outline} @> ${point}`,
          sql`NOT EXISTS (SELECT 1 FROM site_parts h WHERE h.site_id = ${siteParts.siteId} AND h.polygon = ${siteParts.polygon} AND h.hole AND h.bounds && box(${point}, ${point}) AND h.outline @> ${point})`,
        ),
      )
      .orderBy(sql`area(${siteParts.bounds})`, asc(sites.id))
      .limit(1);
    return row;
  }
}

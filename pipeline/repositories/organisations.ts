import { randomUUID } from 'node:crypto';
import { and, asc, eq, not, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.js';
import { cases, findings, flights, missedHazards, organisations, sites, users } from '../db/schema.js';
import type { RegionBoundary } from '../domain/ingest-rules.js';
import type { Role } from '../domain/roles.js';
import type { Scope } from '../domain/scope.js';
import { inScopeSql } from './scope-sql.js';
import type { Executor, Transaction } from './unit-of-work.js';

export type OrganisationRow = typeof organisations.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/** The bureaus using the system and the people in them. */
export class OrganisationRepository {
  constructor(private readonly db: Database) {}

  async create(name: string, regionCode: string): Promise<OrganisationRow> {
    const [row] = await this.db.insert(organisations).values({ id: randomUUID(), name, regionCode }).returning();
    return row!;
  }

  async list(): Promise<OrganisationRow[]> {
    return this.db.select().from(organisations).orderBy(asc(organisations.createdAt), asc(organisations.id));
  }

  async get(id: string): Promise<OrganisationRow | undefined> {
    const [row] = await this.db.select().from(organisations).where(eq(organisations.id, id)).limit(1);
    return row;
  }

  /** The organisation's region: its code and, when recorded, its boundary on the map. */
  async region(id: string): Promise<Pick<OrganisationRow, 'regionCode' | 'regionBoundary'> | undefined> {
    const [row] = await this.db
      .select({ regionCode: organisations.regionCode, regionBoundary: organisations.regionBoundary })
      .from(organisations)
      .where(eq(organisations.id, id))
      .limit(1);
    return row;
  }

  /** Records (or, with null, removes) the organisation's boundary. */
  async setRegionBoundary(id: string, boundary: RegionBoundary | null): Promise<OrganisationRow | undefined> {
    const [row] = await this.db
      .update(organisations)
      .set({ regionBoundary: boundary })
      .where(eq(organisations.id, id))
      .returning();
    return row;
  }

  async byName(name: string): Promise<OrganisationRow | undefined> {
    const [row] = await this.db.select().from(organisations).where(eq(organisations.name, name)).limit(1);
    return row;
  }

  /** The person of that name in the organisation, created on first use. */
  async userNamed(organisationId: string, name: string, regionCode: string): Promise<UserRow> {
    await this.db.insert(users).values({ id: randomUUID(), organisationId, name, regionCode }).onConflictDoNothing();
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.organisationId, organisationId), eq(users.name, name)))
      .limit(1);
    return row!;
  }

  /** Gives the person a role they may not have had (the CLI's `token create` grants as it issues). */
  async grantRole(userId: string, role: Role): Promise<void> {
    await this.db
      .update(users)
      .set({ roles: sql`array_append(${users.roles}, ${role}::text)` })
      .where(and(eq(users.id, userId), not(sql`${role}::text = ANY(${users.roles})`)));
  }

  /** The people within the scope, by name. */
  async listUsers(scope: Scope): Promise<UserRow[]> {
    return this.db.select().from(users).where(inScopeSql(users, scope)).orderBy(asc(users.name), asc(users.id));
  }

  /** A person within the scope; locked until the transaction ends when `lock` is set. */
  async userInScope(executor: Executor, scope: Scope, id: string, lock = false): Promise<UserRow | undefined> {
    const query = executor
      .select()
      .from(users)
      .where(and(eq(users.id, id), inScopeSql(users, scope)))
      .limit(1);
    const [row] = lock ? await query.for('update') : await query;
    return row;
  }

  /** A new person; undefined when the organisation already has someone of that name. */
  async createUser(
    tx: Executor,
    input: { organisationId: string; name: string; regionCode: string; roles: Role[] },
  ): Promise<UserRow | undefined> {
    const [row] = await tx
      .insert(users)
      .values({ id: randomUUID(), ...input })
      .onConflictDoNothing()
      .returning();
    return row;
  }

  async setRoles(tx: Transaction, id: string, roles: Role[]): Promise<UserRow> {
    const [row] = await tx.update(users).set({ roles }).where(eq(users.id, id)).returning();
    return row!;
  }

  /**
   * Moves everything of one organisation into another (the default organisation's rows after an
   * upgrade, into the bureau they belong to). Regions left empty ('' = everywhere) take the
   * receiving organisation's, so its people, whose regions lie within it, can reach them. In the
   * caller's transaction: all of it moves or none.
   */
  async moveAll(tx: Transaction, fromId: string, to: OrganisationRow): Promise<Record<string, number>> {
    const moved: Record<string, number> = {};
    const region = (column: AnyPgColumn) => sql`CASE WHEN ${column} = '' THEN ${to.regionCode} ELSE ${column} END`;
    moved.users = (
      await tx
        .update(users)
        .set({ organisationId: to.id, regionCode: region(users.regionCode) })
        .where(eq(users.organisationId, fromId))
        .returning({ id: users.id })
    ).length;
    moved.flights = (
      await tx
        .update(flights)
        .set({ organisationId: to.id, regionCode: region(flights.regionCode) })
        .where(eq(flights.organisationId, fromId))
        .returning({ id: flights.id })
    ).length;
    moved.sites = (
      await tx
        .update(sites)
        .set({ organisationId: to.id })
        .where(eq(sites.organisationId, fromId))
        .returning({ id: sites.id })
    ).length;
    moved.findings = (
      await tx
        .update(findings)
        .set({ organisationId: to.id, regionCode: region(findings.regionCode) })
        .where(eq(findings.organisationId, fromId))
        .returning({ id: findings.id })
    ).length;
    moved.cases = (
      await tx
        .update(cases)
        .set({ organisationId: to.id, regionCode: region(cases.regionCode) })
        .where(eq(cases.organisationId, fromId))
        .returning({ id: cases.id })
    ).length;
    moved.missedHazards = (
      await tx
        .update(missedHazards)
        .set({ organisationId: to.id })
        .where(eq(missedHazards.organisationId, fromId))
        .returning({ id: missedHazards.id })
    ).length;
    return moved;
  }
}

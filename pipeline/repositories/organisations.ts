import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { organisations, users } from '../db/schema.js';

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

  async byName(name: string): Promise<OrganisationRow | undefined> {
    const [row] = await this.db.select().from(organisations).where(eq(organisations.name, name)).limit(1);
    return row;
  }

  /** The person of that name in the organisation, created on first use. */
  async userNamed(organisationId: string, name: string, regionCode: string): Promise<UserRow> {
    await this.db.insert(users).values({ id: randomUUID(), organisationId, name, regionCode }).onConflictDoNothing();
    const [row] = await this.db.select().from(users).where(and(eq(users.organisationId, organisationId), eq(users.name, name))).limit(1);
    return row!;
  }

  async users(organisationId: string): Promise<UserRow[]> {
    return this.db.select().from(users).where(eq(users.organisationId, organisationId)).orderBy(asc(users.name));
  }
}

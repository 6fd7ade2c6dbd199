import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiTokens, organisations, users } from '../db/schema.js';
import type { Principal, Role } from '../domain/roles.js';

interface TokenListing {
  id: string;
  name: string;
  role: string;
  organisation: string;
  regionCode: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** API tokens are shown once and stored only as their sha256; each belongs to one person. */
export class TokenRepository {
  constructor(private readonly db: Database) {}

  async create(userId: string, name: string, role: Role): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `hs_${randomBytes(24).toString('base64url')}`;
    await this.db.insert(apiTokens).values({ id, name, role, userId, tokenHash: hashToken(token) });
    return { id, token };
  }

  async findActive(token: string): Promise<Principal | undefined> {
    const [row] = await this.db
      .select({
        id: apiTokens.id,
        role: apiTokens.role,
        userId: users.id,
        name: users.name,
        organisationId: users.organisationId,
        organisationName: organisations.name,
        regionCode: users.regionCode,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
      .limit(1);
    return row
      ? {
          tokenId: row.id,
          userId: row.userId,
          name: row.name,
          role: row.role,
          organisationId: row.organisationId,
          organisationName: row.organisationName,
          regionCode: row.regionCode,
        }
      : undefined;
  }

  async list(): Promise<TokenListing[]> {
    return this.db
      .select({
        id: apiTokens.id,
        name: users.name,
        role: apiTokens.role,
        organisation: organisations.name,
        regionCode: users.regionCode,
        createdAt: apiTokens.createdAt,
        revokedAt: apiTokens.revokedAt,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .orderBy(apiTokens.createdAt);
  }

  async revoke(id: string): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.length > 0;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

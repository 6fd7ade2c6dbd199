import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiTokens } from '../db/schema.js';
import type { Principal, Role } from '../domain/roles.js';

/** API tokens are shown once and stored only as their sha256. */
export class TokenRepository {
  constructor(private readonly db: Database) {}

  async create(name: string, role: Role): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `hs_${randomBytes(24).toString('base64url')}`;
    await this.db.insert(apiTokens).values({ id, name, role, tokenHash: hashToken(token) });
    return { id, token };
  }

  async findActive(token: string): Promise<Principal | undefined> {
    const [row] = await this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
      .limit(1);
    return row ? { tokenId: row.id, name: row.name, role: row.role as Role } : undefined;
  }

  async list(): Promise<Array<{ id: string; name: string; role: string; createdAt: Date; revokedAt: Date | null }>> {
    return this.db
      .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role, createdAt: apiTokens.createdAt, revokedAt: apiTokens.revokedAt })
      .from(apiTokens)
      .orderBy(apiTokens.createdAt);
  }

  async revoke(id: string): Promise<boolean> {
    const rows = await this.db.update(apiTokens).set({ revokedAt: new Date() }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning({ id: apiTokens.id });
    return rows.length > 0;
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

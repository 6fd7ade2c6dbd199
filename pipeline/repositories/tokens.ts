import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiTokens, organisations, users } from '../db/schema.js';
import type { Principal, Role } from '../domain/roles.js';
import type { Scope } from '../domain/scope.js';
import type { TokenLifecycle } from '../domain/tokens.js';
import { inScopeSql } from './scope-sql.js';
import type { Executor, Transaction } from './unit-of-work.js';

interface TokenListing {
  id: string;
  name: string;
  role: string;
  organisation: string;
  regionCode: string;
  createdAt: Date;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  replacedBy: string | null;
}

interface ScopedTokenListing extends Omit<TokenListing, 'organisation' | 'role'> {
  userId: string;
  role: Role;
}

/** A stored token as authentication and rotation see it: who it is for, and its lifecycle. */
interface TokenRecord extends TokenLifecycle {
  principal: Principal;
  lastUsedAt: Date | null;
}

/** API tokens are shown once and stored only as their sha256; each belongs to one person. */
export class TokenRepository {
  constructor(private readonly db: Database) {}

  async create(
    userId: string,
    name: string,
    role: Role,
    expiresAt: Date | null,
    executor: Executor = this.db,
  ): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `hs_${randomBytes(24).toString('base64url')}`;
    await executor.insert(apiTokens).values({ id, name, role, userId, tokenHash: hashToken(token), expiresAt });
    return { id, token };
  }

  /** The token with this secret, whatever its state (the caller decides what an expired one means). */
  async findBySecret(token: string): Promise<TokenRecord | undefined> {
    return this.findWhere(this.db, eq(apiTokens.tokenHash, hashToken(token)));
  }

  async byId(id: string): Promise<TokenRecord | undefined> {
    return this.findWhere(this.db, eq(apiTokens.id, id));
  }

  /** A token by id, locked until the transaction ends (rotation reads and retires it). */
  async lockById(tx: Transaction, id: string): Promise<TokenRecord | undefined> {
    return this.findWhere(tx, eq(apiTokens.id, id), true);
  }

  private async findWhere(executor: Executor, where: ReturnType<typeof eq>, lock = false) {
    const query = executor
      .select({
        id: apiTokens.id,
        role: apiTokens.role,
        createdAt: apiTokens.createdAt,
        expiresAt: apiTokens.expiresAt,
        revokedAt: apiTokens.revokedAt,
        replacedBy: apiTokens.replacedBy,
        lastUsedAt: apiTokens.lastUsedAt,
        userId: users.id,
        name: users.name,
        organisationId: users.organisationId,
        organisationName: organisations.name,
        regionCode: users.regionCode,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .where(where)
      .limit(1);
    const [row] = lock ? await query.for('update', { of: apiTokens }) : await query;
    return row
      ? {
          principal: {
            tokenId: row.id,
            userId: row.userId,
            name: row.name,
            role: row.role,
            organisationId: row.organisationId,
            organisationName: row.organisationName,
            regionCode: row.regionCode,
          },
          createdAt: row.createdAt,
          expiresAt: row.expiresAt,
          revokedAt: row.revokedAt,
          replacedBy: row.replacedBy,
          lastUsedAt: row.lastUsedAt,
        }
      : undefined;
  }

  /**
   * Records a use, unless one was recorded since `notBefore`: of several processes or requests
   * racing in the same minute, one changes the row and the rest change nothing.
   */
  async recordUse(id: string, at: Date, notBefore: Date): Promise<void> {
    await this.db
      .update(apiTokens)
      .set({ lastUsedAt: at })
      .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, notBefore))));
  }

  /** Ends a rotated token's life: now (revokedAt) or at the end of its grace (expiresAt). */
  async retire(
    tx: Transaction,
    id: string,
    replacedBy: string,
    retire: { revokedAt: Date } | { expiresAt: Date },
  ): Promise<void> {
    await tx
      .update(apiTokens)
      .set({ replacedBy, ...retire })
      .where(eq(apiTokens.id, id));
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
        expiresAt: apiTokens.expiresAt,
        lastUsedAt: apiTokens.lastUsedAt,
        replacedBy: apiTokens.replacedBy,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .orderBy(apiTokens.createdAt);
  }

  /** The tokens of the people within the scope (of one person when `userId` is given); never a secret. */
  async listInScope(scope: Scope, userId?: string): Promise<ScopedTokenListing[]> {
    return this.db
      .select({
        id: apiTokens.id,
        userId: apiTokens.userId,
        name: users.name,
        role: apiTokens.role,
        regionCode: users.regionCode,
        createdAt: apiTokens.createdAt,
        revokedAt: apiTokens.revokedAt,
        expiresAt: apiTokens.expiresAt,
        lastUsedAt: apiTokens.lastUsedAt,
        replacedBy: apiTokens.replacedBy,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(inScopeSql(users, scope), userId === undefined ? undefined : eq(apiTokens.userId, userId)))
      .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
  }

  /** Revokes the person's tokens for these roles that are not revoked yet; their ids. */
  async revokeForRoles(tx: Transaction, userId: string, roles: Role[], at: Date): Promise<string[]> {
    if (roles.length === 0) return [];
    const rows = await tx
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.userId, userId), inArray(apiTokens.role, roles), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.map((r) => r.id);
  }

  async revoke(id: string, at: Date = new Date(), executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.length > 0;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

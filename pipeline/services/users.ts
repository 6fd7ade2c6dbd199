import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import type { Principal, Role } from '../domain/roles.js';
import { REGION_PREFIX, regionWithin, scopeOf } from '../domain/scope.js';
import { type TokenState, tokenState } from '../domain/tokens.js';
import { checkTokenRole, normaliseRoles, planRoleChange, summariseTokens } from '../domain/users.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { OrganisationRepository, UserRow } from '../repositories/organisations.js';
import type { TokenRepository } from '../repositories/tokens.js';
import type { UnitOfWork } from '../repositories/unit-of-work.js';
import type { TokenService } from './tokens.js';

interface UserServiceOptions {
  tokens: TokenRepository;
  /** Issues and rotates tokens: the same steps and audit entries as the CLI's. */
  issuer: Pick<TokenService, 'issue' | 'rotateLocked'>;
  organisations: OrganisationRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
  now?: (() => Date) | undefined;
}

interface UserView {
  id: string;
  name: string;
  regionCode: string;
  roles: Role[];
  createdAt: Date;
  tokens: { usable: number; nextExpiry: Date | null; lastUsedAt: Date | null };
}

interface TokenView {
  id: string;
  userId: string;
  name: string;
  role: Role;
  regionCode: string;
  state: TokenState;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  replacedBy: string | null;
}

interface IssuedToken {
  id: string;
  userId: string;
  role: Role;
  /** The secret, shown once. */
  token: string;
  expiresAt: Date | null;
}

/**
 * An organisation's administrators manage its people and their tokens: within their organisation
 * and region only (anyone else's is "not found"), every change audited. The organisation and its
 * first administrator come from the CLI (`hazardscope org create`, `token create`).
 */
export class UserService {
  private readonly tokens: TokenRepository;
  private readonly issuer: UserServiceOptions['issuer'];
  private readonly organisations: OrganisationRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;
  private readonly now: () => Date;

  constructor(options: UserServiceOptions) {
    this.tokens = options.tokens;
    this.issuer = options.issuer;
    this.organisations = options.organisations;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
    this.now = options.now ?? (() => new Date());
  }

  async listUsers(admin: Principal): Promise<UserView[]> {
    const scope = scopeOf(admin);
    const [people, tokens] = await Promise.all([this.organisations.listUsers(scope), this.tokens.listInScope(scope)]);
    const now = this.now();
    return people.map((user) =>
      view(
        user,
        summariseTokens(
          tokens.filter((t) => t.userId === user.id),
          now,
        ),
      ),
    );
  }

  async createUser(
    admin: Principal,
    input: { name: string; regionCode?: string | undefined; roles: Role[] },
  ): Promise<UserView> {
    const name = input.name.trim();
    if (!name) throw new UnprocessableError('a person needs a name', { field: 'name' });
    const regionCode = input.regionCode ?? admin.regionCode;
    if (!REGION_PREFIX.test(regionCode))
      throw new UnprocessableError(`region "${regionCode}" is not a 2-, 4- or 6-digit region code`, {
        field: 'regionCode',
      });
    if (!regionWithin(regionCode, admin.regionCode))
      throw new UnprocessableError(
        `region ${regionCode} lies outside your region (${admin.regionCode || 'the whole country'})`,
        { field: 'regionCode' },
      );
    const roles = normaliseRoles(input.roles);
    return this.unitOfWork.withTransaction(async (tx) => {
      const created = await this.organisations.createUser(tx, {
        organisationId: admin.organisationId,
        name,
        regionCode,
        roles,
      });
      if (!created) throw new ConflictError(`${admin.organisationName} already has a person named "${name}"`);
      await this.audit.append(
        {
          actor: actorOf(admin),
          action: 'user.created',
          subjectType: 'user',
          subjectId: created.id,
          detail: { name, regionCode, roles, organisationId: admin.organisationId, byUserId: admin.userId },
        },
        tx,
      );
      return view(created, { usable: 0, nextExpiry: null, lastUsedAt: null });
    });
  }

  /** Sets the person's roles; their tokens for a role taken away are revoked in the same step. */
  async setRoles(admin: Principal, userId: string, requested: Role[]): Promise<UserView & { revokedTokens: string[] }> {
    const scope = scopeOf(admin);
    const changed = await this.unitOfWork.withTransaction(async (tx) => {
      const user = await this.organisations.userInScope(tx, scope, userId, true);
      if (!user) throw new NotFoundError(`no person ${userId}`);
      const plan = planRoleChange({ actorUserId: admin.userId, targetUserId: user.id, current: user.roles, requested });
      const updated = await this.organisations.setRoles(tx, user.id, plan.roles);
      const revokedTokens = await this.tokens.revokeForRoles(tx, user.id, plan.removed, this.now());
      if (plan.added.length || plan.removed.length)
        await this.audit.append(
          {
            actor: actorOf(admin),
            action: 'user.roles_changed',
            subjectType: 'user',
            subjectId: user.id,
            detail: {
              roles: plan.roles,
              added: plan.added,
              removed: plan.removed,
              revokedTokens,
              byUserId: admin.userId,
            },
          },
          tx,
        );
      return { updated, revokedTokens };
    });
    const tokens = await this.tokens.listInScope(scope, userId);
    return { ...view(changed.updated, summariseTokens(tokens, this.now())), revokedTokens: changed.revokedTokens };
  }

  /** A new token for one of the person's roles; the secret is in the answer and nowhere else. */
  async issueToken(
    admin: Principal,
    userId: string,
    input: { role: Role; expiresInSeconds: number | null },
  ): Promise<IssuedToken> {
    const scope = scopeOf(admin);
    return this.unitOfWork.withTransaction(async (tx) => {
      // Locked, so a role taken away at the same moment cannot leave a token for it behind.
      const user = await this.organisations.userInScope(tx, scope, userId, true);
      if (!user) throw new NotFoundError(`no person ${userId}`);
      checkTokenRole(user.roles, input.role, user.name);
      const now = this.now();
      const expiresAt =
        input.expiresInSeconds === null ? null : new Date(now.getTime() + input.expiresInSeconds * 1000);
      const created = await this.issuer.issue(
        { userId: user.id, name: user.name, organisationId: user.organisationId, regionCode: user.regionCode },
        input.role,
        expiresAt,
        { actor: actorOf(admin), detail: { byUserId: admin.userId } },
        tx,
      );
      return { id: created.id, userId: user.id, role: input.role, token: created.token, expiresAt };
    });
  }

  async listTokens(admin: Principal, userId?: string): Promise<TokenView[]> {
    const now = this.now();
    return (await this.tokens.listInScope(scopeOf(admin), userId)).map((t) => ({ ...t, state: tokenState(t, now) }));
  }

  /** Revokes a token of someone within reach; revoking a revoked one changes nothing and says so. */
  async revokeToken(
    admin: Principal,
    tokenId: string,
  ): Promise<{ id: string; revokedAt: Date; alreadyRevoked: boolean }> {
    return this.unitOfWork.withTransaction(async (tx) => {
      const token = await this.lockInScope(tx, admin, tokenId);
      if (token.revokedAt) return { id: tokenId, revokedAt: token.revokedAt, alreadyRevoked: true };
      const now = this.now();
      await this.tokens.revoke(tokenId, now, tx);
      await this.audit.append(
        {
          actor: actorOf(admin),
          action: 'token.revoked',
          subjectType: 'api_token',
          subjectId: tokenId,
          detail: { userId: token.principal.userId, role: token.principal.role, byUserId: admin.userId },
        },
        tx,
      );
      return { id: tokenId, revokedAt: now, alreadyRevoked: false };
    });
  }

  /**
   * A new secret for someone's token (what `hazardscope token rotate --server` does): the same
   * rules as rotating one's own, checked to be within the administrator's reach first.
   */
  async rotateToken(
    admin: Principal,
    tokenId: string,
    options: { graceSeconds: number; expiresInSeconds?: number | null | undefined },
  ): Promise<{ id: string; token: string; expiresAt: Date | null; previous: { id: string; validUntil: Date } }> {
    return this.unitOfWork.withTransaction(async (tx) => {
      const old = await this.lockInScope(tx, admin, tokenId);
      return this.issuer.rotateLocked(
        tx,
        old,
        options,
        { actor: actorOf(admin), detail: { byUserId: admin.userId } },
        'issue a new one',
      );
    });
  }

  private async lockInScope(tx: Parameters<TokenRepository['lockById']>[0], admin: Principal, tokenId: string) {
    const token = await this.tokens.lockById(tx, tokenId);
    const owner = token?.principal;
    if (
      !token ||
      !owner ||
      owner.organisationId !== admin.organisationId ||
      !regionWithin(owner.regionCode, admin.regionCode)
    )
      throw new NotFoundError(`no token ${tokenId}`);
    return token;
  }
}

function view(user: UserRow, tokens: UserView['tokens']): UserView {
  return {
    id: user.id,
    name: user.name,
    regionCode: user.regionCode,
    roles: normaliseRoles(user.roles),
    createdAt: user.createdAt,
    tokens,
  };
}

function actorOf(admin: Principal): string {
  return `${admin.role}:${admin.name}`;
}

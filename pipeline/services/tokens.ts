import { ConflictError, NotFoundError, UnauthenticatedError, UnprocessableError } from '../domain/errors.js';
import type { Principal, Role } from '../domain/roles.js';
import { REGION_PREFIX, regionWithin } from '../domain/scope.js';
import { LAST_USED_RESOLUTION_MS, lastUseIsStale, planRotation, tokenStanding } from '../domain/tokens.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { OrganisationRepository, OrganisationRow } from '../repositories/organisations.js';
import type { TokenRepository } from '../repositories/tokens.js';
import type { Transaction, UnitOfWork } from '../repositories/unit-of-work.js';

interface NewToken {
  /** The person's name; one person may hold tokens for several roles. */
  name: string;
  role: Role;
  /** Organisation id or name; may be left out while there is only one organisation. */
  organisation?: string | undefined;
  /** Where in the organisation's jurisdiction the person works; the organisation's own by default. */
  regionCode?: string | undefined;
  /** When the token stops working; null or left out: never. */
  expiresAt?: Date | null | undefined;
}

interface RotationOptions {
  /** How long the old token keeps working beside the new one; 0 retires it at once. */
  graceSeconds: number;
  /** The new token's lifetime; left out: the old one's; null: none. */
  expiresInSeconds?: number | null | undefined;
}

interface Rotated {
  id: string;
  /** The new secret, shown once. */
  token: string;
  expiresAt: Date | null;
  previous: { id: string; validUntil: Date };
}

/** A token read and locked in the caller's transaction. */
type LockedToken = NonNullable<Awaited<ReturnType<TokenRepository['lockById']>>>;

/** Who made a token change, for the audit trail; `detail` is added to the entry's own. */
interface Audited {
  actor: string;
  detail?: Record<string, unknown>;
}

interface TokenServiceOptions {
  tokens: TokenRepository;
  organisations: OrganisationRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
  now?: (() => Date) | undefined;
}

/** Organisations, people and their API tokens. */
export class TokenService {
  private readonly tokens: TokenRepository;
  private readonly organisations: OrganisationRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;
  private readonly now: () => Date;
  /**
   * When this process last recorded each token's use. The row says the same across processes; this
   * keeps a burst of requests within the minute from each sending the (no-op) update.
   */
  private readonly recordedUse = new Map<string, number>();

  constructor(options: TokenServiceOptions) {
    this.tokens = options.tokens;
    this.organisations = options.organisations;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
    this.now = options.now ?? (() => new Date());
  }

  async createOrganisation(name: string, regionCode: string, actor: string): Promise<OrganisationRow> {
    if (!REGION_PREFIX.test(regionCode))
      throw new UnprocessableError(
        `region "${regionCode}" is not a 2-, 4- or 6-digit region code (or empty for the whole country)`,
      );
    if (await this.organisations.byName(name))
      throw new UnprocessableError(`an organisation named "${name}" already exists`);
    const created = await this.organisations.create(name, regionCode);
    await this.audit.append({
      actor,
      action: 'organisation.created',
      subjectType: 'organisation',
      subjectId: created.id,
      detail: { name, regionCode },
    });
    return created;
  }

  /** Hands what the upgrade put into the default organisation to the bureau it belongs to. */
  async adoptDefault(
    organisation: string,
    actor: string,
  ): Promise<{ organisation: OrganisationRow; moved: Record<string, number> }> {
    const target = await this.resolveOrganisation(organisation);
    if (target.id === DEFAULT_ORGANISATION_ID)
      throw new UnprocessableError('name the organisation to move the default organisation’s records into');
    const moved = await this.unitOfWork.withTransaction((tx) =>
      this.organisations.moveAll(tx, DEFAULT_ORGANISATION_ID, target),
    );
    await this.audit.append({
      actor,
      action: 'organisation.adopted_default',
      subjectType: 'organisation',
      subjectId: target.id,
      detail: { from: DEFAULT_ORGANISATION_ID, moved },
    });
    return { organisation: target, moved };
  }

  listOrganisations(): Promise<OrganisationRow[]> {
    return this.organisations.list();
  }

  async create(
    input: NewToken,
    actor: string,
  ): Promise<{
    id: string;
    token: string;
    userId: string;
    organisation: OrganisationRow;
    regionCode: string;
    expiresAt: Date | null;
  }> {
    const organisation = await this.resolveOrganisation(input.organisation);
    const regionCode = input.regionCode ?? organisation.regionCode;
    if (!REGION_PREFIX.test(regionCode))
      throw new UnprocessableError(`region "${regionCode}" is not a 2-, 4- or 6-digit region code`);
    if (!regionWithin(regionCode, organisation.regionCode))
      throw new UnprocessableError(
        `region ${regionCode} lies outside ${organisation.name}'s jurisdiction (${organisation.regionCode || 'the whole country'})`,
      );
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt <= this.now())
      throw new UnprocessableError('a new token must expire in the future', { field: 'expiresAt' });
    const user = await this.organisations.userNamed(organisation.id, input.name, regionCode);
    // Issuing from the CLI (bootstrap, PostgreSQL installs) gives the role as it goes; the API
    // issues only for roles the person already holds.
    await this.organisations.grantRole(user.id, input.role);
    const created = await this.issue(
      { userId: user.id, name: input.name, organisationId: organisation.id, regionCode: user.regionCode },
      input.role,
      expiresAt,
      { actor },
    );
    return { ...created, userId: user.id, organisation, regionCode: user.regionCode, expiresAt };
  }

  /**
   * The principal a secret stands for. Expired, revoked and rotated-out tokens are refused with the
   * reason, so their holder knows what to do. Use is recorded at most once a minute per token.
   */
  async authenticate(token: string): Promise<Principal> {
    const record = await this.tokens.findBySecret(token);
    if (!record) throw new UnauthenticatedError('unknown API token');
    const now = this.now();
    const standing = tokenStanding(record, now);
    if (!standing.usable) throw new UnauthenticatedError(standing.reason);
    const id = record.principal.tokenId;
    const recordedHere = this.recordedUse.get(id);
    if (
      lastUseIsStale(record.lastUsedAt, now) &&
      (recordedHere === undefined || now.getTime() - recordedHere >= LAST_USED_RESOLUTION_MS)
    ) {
      this.recordedUse.set(id, now.getTime());
      await this.tokens.recordUse(id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
    }
    return record.principal;
  }

  list() {
    return this.tokens.list();
  }

  /** The caller's own token: when it was made, when it expires, when it was last used. */
  async describe(
    tokenId: string,
  ): Promise<{ id: string; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null }> {
    const found = await this.tokens.byId(tokenId);
    if (!found) throw new NotFoundError(`no token ${tokenId}`);
    return { id: tokenId, createdAt: found.createdAt, expiresAt: found.expiresAt, lastUsedAt: found.lastUsedAt };
  }

  async revoke(id: string, actor: string): Promise<boolean> {
    const revoked = await this.tokens.revoke(id, this.now());
    if (revoked) await this.audit.append({ actor, action: 'token.revoked', subjectType: 'api_token', subjectId: id });
    return revoked;
  }

  /**
   * A new secret for the same person and role. The old one is revoked at once, or keeps working
   * for `graceSeconds` so clients can switch over. An expired token may be rotated (that is how its
   * holder gets a new one); a revoked or already rotated one may not.
   */
  async rotate(id: string, options: RotationOptions, actor: string): Promise<Rotated> {
    return this.unitOfWork.withTransaction(async (tx) => {
      const old = await this.tokens.lockById(tx, id);
      if (!old) throw new NotFoundError(`no token ${id}`);
      return this.rotateLocked(tx, old, options, { actor }, 'make a new one with token create');
    });
  }

  /**
   * A new token for one of a person's roles, audited: the CLI's `token create` and an
   * administrator's issue through the API alike. `tx`: the caller's transaction, if it has one.
   */
  async issue(
    person: { userId: string; name: string; organisationId: string; regionCode: string },
    role: Role,
    expiresAt: Date | null,
    audited: Audited,
    tx?: Transaction,
  ): Promise<{ id: string; token: string }> {
    const created = await this.tokens.create(person.userId, person.name, role, expiresAt, tx);
    await this.audit.append(
      {
        actor: audited.actor,
        action: 'token.created',
        subjectType: 'api_token',
        subjectId: created.id,
        detail: {
          name: person.name,
          role,
          organisationId: person.organisationId,
          userId: person.userId,
          regionCode: person.regionCode,
          expiresAt: expiresAt?.toISOString() ?? null,
          ...audited.detail,
        },
      },
      tx,
    );
    return created;
  }

  /**
   * Rotates a token the caller has locked in `tx` and found within its reach (one's own, or an
   * administrator's person). `remedy`: what to do instead when the token is revoked.
   */
  async rotateLocked(
    tx: Transaction,
    old: LockedToken,
    options: RotationOptions,
    audited: Audited,
    remedy: string,
  ): Promise<Rotated> {
    const id = old.principal.tokenId;
    if (old.replacedBy) throw new ConflictError(`token ${id} was already rotated; rotate its successor`);
    if (old.revokedAt) throw new ConflictError(`token ${id} is revoked; ${remedy}`);
    const now = this.now();
    let plan;
    try {
      plan = planRotation(old, now, options);
    } catch (error) {
      if (error instanceof RangeError) throw new UnprocessableError(error.message, { field: 'graceSeconds' });
      throw error;
    }
    const { principal } = old;
    const created = await this.tokens.create(
      principal.userId,
      principal.name,
      principal.role,
      plan.successorExpiresAt,
      tx,
    );
    await this.tokens.retire(tx, id, created.id, plan.retire);
    const validUntil = 'revokedAt' in plan.retire ? plan.retire.revokedAt : plan.retire.expiresAt;
    await this.audit.append(
      {
        actor: audited.actor,
        action: 'token.rotated',
        subjectType: 'api_token',
        subjectId: id,
        detail: {
          successorId: created.id,
          userId: principal.userId,
          role: principal.role,
          graceSeconds: options.graceSeconds,
          oldValidUntil: validUntil.toISOString(),
          expiresAt: plan.successorExpiresAt?.toISOString() ?? null,
          ...audited.detail,
        },
      },
      tx,
    );
    return { id: created.id, token: created.token, expiresAt: plan.successorExpiresAt, previous: { id, validUntil } };
  }

  /** An organisation by id or name; the only one when none is named and there is just one. */
  async resolveOrganisation(ref: string | undefined): Promise<OrganisationRow> {
    const all = await this.organisations.list();
    if (ref === undefined) {
      // The default organisation stands in only while no other exists.
      const real = all.filter((o) => o.id !== DEFAULT_ORGANISATION_ID);
      if (real.length === 0) return all.find((o) => o.id === DEFAULT_ORGANISATION_ID)!;
      if (real.length === 1) return real[0]!;
      throw new UnprocessableError(
        `there are ${real.length} organisations: name one (${real.map((o) => o.name).join(', ')})`,
      );
    }
    const found = all.find((o) => o.id === ref || o.name === ref);
    if (!found) throw new NotFoundError(`no organisation "${ref}"`);
    return found;
  }
}

/** Made by migration 0005; everything from before organisations belongs to it. */
export const DEFAULT_ORGANISATION_ID = '00000000-0000-4000-8000-000000000001';

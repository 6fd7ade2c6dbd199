import { NotFoundError, UnauthenticatedError, UnprocessableError } from '../domain/errors.js';
import type { Principal, Role } from '../domain/roles.js';
import { REGION_PREFIX, regionWithin } from '../domain/scope.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { OrganisationRepository, OrganisationRow } from '../repositories/organisations.js';
import type { TokenRepository } from '../repositories/tokens.js';
import type { UnitOfWork } from '../repositories/unit-of-work.js';

interface NewToken {
  /** The person's name; one person may hold tokens for several roles. */
  name: string;
  role: Role;
  /** Organisation id or name; may be left out while there is only one organisation. */
  organisation?: string | undefined;
  /** Where in the organisation's jurisdiction the person works; the organisation's own by default. */
  regionCode?: string | undefined;
}

interface TokenServiceOptions {
  tokens: TokenRepository;
  organisations: OrganisationRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
}

/** Organisations, people and their API tokens. */
export class TokenService {
  private readonly tokens: TokenRepository;
  private readonly organisations: OrganisationRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;

  constructor(options: TokenServiceOptions) {
    this.tokens = options.tokens;
    this.organisations = options.organisations;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
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
  ): Promise<{ id: string; token: string; userId: string; organisation: OrganisationRow; regionCode: string }> {
    const organisation = await this.resolveOrganisation(input.organisation);
    const regionCode = input.regionCode ?? organisation.regionCode;
    if (!REGION_PREFIX.test(regionCode))
      throw new UnprocessableError(`region "${regionCode}" is not a 2-, 4- or 6-digit region code`);
    if (!regionWithin(regionCode, organisation.regionCode))
      throw new UnprocessableError(
        `region ${regionCode} lies outside ${organisation.name}'s jurisdiction (${organisation.regionCode || 'the whole country'})`,
      );
    const user = await this.organisations.userNamed(organisation.id, input.name, regionCode);
    const created = await this.tokens.create(user.id, input.name, input.role);
    await this.audit.append({
      actor,
      action: 'token.created',
      subjectType: 'api_token',
      subjectId: created.id,
      detail: {
        name: input.name,
        role: input.role,
        organisationId: organisation.id,
        userId: user.id,
        regionCode: user.regionCode,
      },
    });
    return { ...created, userId: user.id, organisation, regionCode: user.regionCode };
  }

  async authenticate(token: string): Promise<Principal> {
    const principal = await this.tokens.findActive(token);
    if (!principal) throw new UnauthenticatedError('unknown or revoked API token');
    return principal;
  }

  list() {
    return this.tokens.list();
  }

  async revoke(id: string, actor: string): Promise<boolean> {
    const revoked = await this.tokens.revoke(id);
    if (revoked) await this.audit.append({ actor, action: 'token.revoked', subjectType: 'api_token', subjectId: id });
    return revoked;
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

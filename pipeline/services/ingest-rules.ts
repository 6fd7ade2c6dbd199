import { ForbiddenError, NotFoundError, ConflictError, UnprocessableError } from '../domain/errors.js';
import type { HoldDecision, RegionBoundary } from '../domain/ingest-rules.js';
import type { Principal } from '../domain/roles.js';
import { scopeOf } from '../domain/scope.js';
import { regionExtent } from '../domain/regions.js';
import { geometryProblems } from '../domain/sites.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { FindingRepository, FindingRow } from '../repositories/findings.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { OrganisationRepository } from '../repositories/organisations.js';
import type { JobQueue } from '../repositories/queue.js';
import { inScope } from '../domain/scope.js';

interface IngestRulesServiceOptions {
  images: ImageRepository;
  findings: Pick<FindingRepository, 'showingImage'>;
  organisations: Pick<OrganisationRepository, 'region' | 'setRegionBoundary'>;
  queue: Pick<JobQueue, 'rerun'>;
  audit: AuditRepository;
  /** The model a photo processed on a person's word is queued for. */
  modelSha256: string;
  now: () => Date;
}

/** A bureau's region as people see it: `name` is the province (or the country) its code lies in. */
interface RegionView {
  regionCode: string;
  name: string | null;
  boundary: RegionBoundary | null;
}

const regionView = (regionCode: string, boundary: RegionBoundary | null | undefined): RegionView => ({
  regionCode,
  name: regionExtent(regionCode)?.name ?? null,
  boundary: boundary ?? null,
});

/** Where a duplicate photo's review lives: the copy it links to and the findings that copy shows. */
interface DuplicateLink {
  imageId: string;
  flightId: string;
  /** Findings of the copy's detections that the caller may see. */
  findingIds: string[];
}

/**
 * The people's side of the ingest rules (domain/ingest-rules.ts; the worker applies them): the
 * bureau's boundary, the decision on a photo held outside it, and where a duplicate's review is.
 */
export class IngestRulesService {
  private readonly options: IngestRulesServiceOptions;

  constructor(options: IngestRulesServiceOptions) {
    this.options = options;
  }

  async region(principal: Principal): Promise<RegionView> {
    const region = await this.options.organisations.region(principal.organisationId);
    if (!region) throw new NotFoundError(`no organisation ${principal.organisationId}`);
    return regionView(region.regionCode, region.regionBoundary);
  }

  /**
   * Records the bureau's boundary (null removes it). Photos processed from now on are checked
   * against it; photos already settled are not judged again.
   */
  async setBoundary(principal: Principal, boundary: RegionBoundary | null): Promise<RegionView> {
    if (boundary) {
      const problems = geometryProblems(boundary);
      if (problems.length > 0)
        throw new UnprocessableError(`the boundary is not a usable outline: ${problems.join('; ')}`, {
          field: 'geometry',
          problems,
        });
    }
    const row = await this.options.organisations.setRegionBoundary(principal.organisationId, boundary);
    if (!row) throw new NotFoundError(`no organisation ${principal.organisationId}`);
    await this.options.audit.append({
      actor: `${principal.role}:${principal.name}`,
      action: boundary ? 'organisation.boundary_set' : 'organisation.boundary_removed',
      subjectType: 'organisation',
      subjectId: principal.organisationId,
      detail: { userId: principal.userId, type: boundary?.type ?? null },
    });
    return regionView(row.regionCode, row.regionBoundary);
  }

  /**
   * A person's decision on a photo held outside the region. Leaving it is the operator's call too
   * (a photo from the wrong card); processing it is an administrator's, with a note saying why:
   * its hazards would go to the bureau's reviewers and may become cases outside its jurisdiction.
   * A photo left can still be processed later; nothing is deleted either way.
   */
  async decideHold(
    principal: Principal,
    imageId: string,
    decision: HoldDecision,
    note: string | undefined,
  ): Promise<ImageRow> {
    const found = await this.options.images.getInScope(imageId, scopeOf(principal));
    if (!found?.throughFlight) throw new NotFoundError(`no image ${imageId}`);
    if (found.status !== 'held')
      throw new ConflictError(`image ${imageId} is ${found.status}, not held`, { status: found.status });
    if (decision === 'process' && principal.role !== 'admin')
      throw new ForbiddenError(
        'only an administrator may process a photo taken outside the bureau’s region; an operator may leave it',
      );
    if (decision === 'process' && !note?.trim())
      throw new UnprocessableError('say why a photo from outside the region is processed', { field: 'note' });
    const decided = await this.options.images.decideHold(imageId, decision, principal.userId, note, this.options.now());
    if (!decided) throw new ConflictError(`image ${imageId} was decided meanwhile`);
    if (decision === 'process')
      await this.options.queue.rerun('detect', {
        imageId,
        flightId: decided.flightId,
        sha256: decided.sha256!,
        modelSha256: this.options.modelSha256,
      });
    await this.options.audit.append({
      actor: `${principal.role}:${principal.name}`,
      action: decision === 'process' ? 'image.hold_processed' : 'image.hold_left',
      subjectType: 'image',
      subjectId: imageId,
      detail: { flightId: decided.flightId, reason: decided.flagReason, note: note ?? null, userId: principal.userId },
    });
    return decided;
  }

  /** For a duplicate photo: the copy it links to and that copy's findings the caller may see. */
  async duplicateLink(principal: Principal, image: ImageRow): Promise<DuplicateLink | null> {
    if (!image.duplicateOf) return null;
    const original = await this.options.images.get(image.duplicateOf);
    if (!original) return null;
    const scope = scopeOf(principal);
    const findings: FindingRow[] = await this.options.findings.showingImage(original.id);
    return {
      imageId: original.id,
      flightId: original.flightId,
      findingIds: findings.filter((f) => inScope(scope, f)).map((f) => f.id),
    };
  }
}

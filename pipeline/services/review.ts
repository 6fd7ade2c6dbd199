import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { checkNotHeldByAnother, checkSeparationOfDuties, type DecisionRequest, leaseState } from '../domain/review.js';
import type { Principal } from '../domain/roles.js';
import { inScope, narrowRegion, scopeOf } from '../domain/scope.js';
import type { HazardClass } from '../inference/load.js';
import type { CaseRepository, DecisionOutcome } from '../repositories/cases.js';
import type { DetectionRepository } from '../repositories/detections.js';
import type { FindingRepository, FindingRow, QueueFilter, QueueRow } from '../repositories/findings.js';
import type { FlightRepository } from '../repositories/flights.js';
import type { ImageRepository } from '../repositories/images.js';
import type { MissedHazardListing, MissedHazardRepository } from '../repositories/missed-hazards.js';

export type Clock = () => Date;

export interface QueueRequest {
  flightId?: string | undefined;
  siteId?: string | undefined;
  hazardCode?: string | undefined;
  severity?: 'major' | 'general' | undefined;
  minScore?: number | undefined;
  region?: string | undefined;
  limit: number;
  after?: { score: number; id: string } | undefined;
}

export interface QueueItem extends QueueRow {
  lease: { holder: string; expiresAt: Date; mine: boolean } | null;
}

export interface QueueCounts {
  /** Findings matching every filter. */
  total: number;
  /** Per hazard under every filter but the hazard; per severity under every filter but the severity. */
  byHazard: Array<{ hazardCode: string; className: string; count: number }>;
  bySeverity: Record<'major' | 'general', number>;
}

export interface LeaseView {
  findingId: string;
  holder: string;
  expiresAt: Date;
  mine: boolean;
}

/**
 * Human decisions on findings; nothing becomes a case without one. A reviewer leases the finding
 * they have open, so a second reviewer sees who holds it instead of deciding it too.
 */
export class ReviewService {
  constructor(
    private readonly findings: FindingRepository,
    private readonly cases: CaseRepository,
    private readonly flights: FlightRepository,
    private readonly images: ImageRepository,
    private readonly detections: DetectionRepository,
    private readonly missed: MissedHazardRepository,
    private readonly classes: readonly HazardClass[],
    private readonly leaseSeconds: number,
    private readonly now: Clock,
  ) {}

  async queue(principal: Principal, request: QueueRequest): Promise<{ items: QueueItem[]; counts: QueueCounts; next: { score: number; id: string } | undefined }> {
    const scope = scopeOf(principal);
    const regionPrefix = narrowRegion(scope, request.region);
    if (regionPrefix === null) return { items: [], counts: { total: 0, byHazard: [], bySeverity: { major: 0, general: 0 } }, next: undefined };
    const filter: QueueFilter = { scope, regionPrefix, excludeFlownBy: principal.userId, excludeFlights: await this.flights.uploadedTo(principal.userId), flightId: request.flightId, siteId: request.siteId, hazardCode: request.hazardCode, severity: request.severity, minScore: request.minScore };
    const [rows, facets] = await Promise.all([this.findings.queue(filter, request.limit + 1, request.after), this.findings.queueFacets(filter)]);
    const page = rows.slice(0, request.limit);
    const last = page.at(-1);
    const now = this.now();
    const items = page.map((row) => {
      const lease = leaseState({ userId: row.finding.leaseUserId, holder: row.finding.leaseHolder, expiresAt: row.finding.leaseExpiresAt }, principal.userId, now);
      return { ...row, lease: lease.kind === 'free' ? null : { holder: lease.kind === 'mine' ? principal.name : lease.holder, expiresAt: lease.expiresAt, mine: lease.kind === 'mine' } };
    });
    const byHazard = new Map<string, { hazardCode: string; className: string; count: number }>();
    const bySeverity = { major: 0, general: 0 };
    let total = 0;
    for (const f of facets) {
      const hazardMatches = !request.hazardCode || f.hazardCode === request.hazardCode;
      const severityMatches = !request.severity || f.severity === request.severity;
      if (hazardMatches && severityMatches) total += f.count;
      if (severityMatches) {
        const entry = byHazard.get(f.hazardCode) ?? { hazardCode: f.hazardCode, className: f.className, count: 0 };
        entry.count += f.count;
        byHazard.set(f.hazardCode, entry);
      }
      if (hazardMatches && (f.severity === 'major' || f.severity === 'general')) bySeverity[f.severity] += f.count;
    }
    return {
      items,
      counts: { total, byHazard: [...byHazard.values()].sort((a, b) => b.count - a.count || a.hazardCode.localeCompare(b.hazardCode)), bySeverity },
      next: rows.length > request.limit && last ? { score: last.finding.bestScore, id: last.finding.id } : undefined,
    };
  }

  /** Opens (or keeps open) a finding for the caller for the lease time; refused while someone else has it. */
  async lease(principal: Principal, findingId: string): Promise<LeaseView> {
    const finding = await this.pendingInScope(principal, findingId);
    await this.checkMayDecide(principal, finding);
    const now = this.now();
    const until = new Date(now.getTime() + this.leaseSeconds * 1000);
    const { taken, row } = await this.findings.takeLease(findingId, { id: principal.userId, name: principal.name }, until, now);
    if (!taken) {
      if (row && row.status !== 'pending') throw new ConflictError(`this finding was already decided: ${row.status}`, { status: row.status });
      checkNotHeldByAnother({ userId: row?.leaseUserId ?? null, holder: row?.leaseHolder ?? null, expiresAt: row?.leaseExpiresAt ?? null }, principal.userId, now);
      throw new ConflictError('the finding could not be leased; try again');
    }
    return { findingId, holder: principal.name, expiresAt: until, mine: true };
  }

  async release(principal: Principal, findingId: string): Promise<void> {
    const finding = await this.findings.getInScope(findingId, scopeOf(principal));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    await this.findings.releaseLease(findingId, principal.userId);
  }

  async decide(principal: Principal, findingId: string, request: DecisionRequest): Promise<DecisionOutcome> {
    const finding = await this.findings.getInScope(findingId, scopeOf(principal));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    await this.checkMayDecide(principal, finding);
    const classes = this.classes;
    return this.cases.decideFinding(
      findingId,
      scopeOf(principal),
      principal,
      request,
      classes.map((c) => c.name),
      (name) => {
        const cls = classes.find((c) => c.name === name)!;
        return { hazardCode: cls.hazardCode, severity: cls.severity };
      },
      this.now(),
    );
  }

  /**
   * The older route by detection: a finding is decided by its best view, so this is that finding's
   * decision; any other view is refused, naming the best one.
   */
  async decideDetection(principal: Principal, detectionId: string, request: DecisionRequest): Promise<DecisionOutcome> {
    const detection = await this.detections.get(detectionId);
    const image = detection && (await this.images.getInScope(detection.imageId, scopeOf(principal)));
    if (!detection || !image) throw new NotFoundError(`no detection ${detectionId}`);
    const finding = await this.findings.ofDetection(detectionId);
    if (!finding) throw new ConflictError(`detection ${detectionId} is not in a finding yet: its flight is still being processed, it is not flagged, or its class is not reviewed in your organisation`, { state: detection.state });
    // A photo can be visible while the finding it shows lies in another region: say nothing of it.
    if (!inScope(scopeOf(principal), finding)) throw new NotFoundError(`no detection ${detectionId}`);
    if (finding.bestDetectionId !== detectionId) {
      throw new ConflictError(`detection ${detectionId} is one view of finding ${finding.id}: decide the finding by its best view ${finding.bestDetectionId}`, { findingId: finding.id, bestDetectionId: finding.bestDetectionId });
    }
    return this.decide(principal, finding.id, request);
  }

  /** A hazard the model did not find, boxed by a reviewer on a photo: kept for retraining. */
  async markMissed(principal: Principal, imageId: string, input: { box: [number, number, number, number]; className: string; note?: string | undefined; findingId?: string | undefined }): Promise<MissedHazardListing> {
    const scope = scopeOf(principal);
    const image = await this.images.getInScope(imageId, scope);
    if (!image) throw new NotFoundError(`no image ${imageId}`);
    if (!image.width || !image.height) throw new ConflictError(`image ${imageId} is not processed yet (${image.status}): its size is not known`);
    const problems: string[] = [];
    if (!this.classes.some((c) => c.name === input.className)) problems.push(`className: unknown class "${input.className}"; one of ${this.classes.map((c) => c.name).join(', ')}`);
    const [x1, y1, x2, y2] = input.box;
    if (!(x1 < x2 && y1 < y2)) problems.push('box: x1 < x2 and y1 < y2 are needed');
    if (x1 < 0 || y1 < 0 || x2 > image.width || y2 > image.height) problems.push(`box: must lie within the photo (${image.width}×${image.height})`);
    if (x2 - x1 < 4 || y2 - y1 < 4) problems.push('box: at least 4 pixels wide and high');
    if (input.findingId && !(await this.findings.getInScope(input.findingId, scope))) problems.push(`findingId: no finding ${input.findingId}`);
    if (problems.length) throw new UnprocessableError(problems.join('; '), { problems });
    const row = await this.missed.add({ organisationId: principal.organisationId, imageId, findingId: input.findingId ?? null, className: input.className, box: input.box, note: input.note ?? null, reviewer: { userId: principal.userId, name: principal.name, role: principal.role } });
    return { ...row, imageSha256: image.sha256, imageWidth: image.width, imageHeight: image.height, flightId: image.flightId };
  }

  listMissed(principal: Principal, options: Parameters<MissedHazardRepository['list']>[1]) {
    return this.missed.list(scopeOf(principal), options);
  }

  private async pendingInScope(principal: Principal, findingId: string): Promise<FindingRow> {
    const finding = await this.findings.getInScope(findingId, scopeOf(principal));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    if (finding.status !== 'pending') throw new ConflictError(`this finding was already decided: ${finding.status}`, { status: finding.status });
    return finding;
  }

  private async checkMayDecide(principal: Principal, finding: FindingRow): Promise<void> {
    checkSeparationOfDuties(principal.userId, await this.flights.people(finding.flightId));
  }
}

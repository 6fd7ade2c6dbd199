import { placeConfirmedFinding } from '../domain/cases.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import {
  checkNotHeldByAnother,
  checkSeparationOfDuties,
  type DecisionRequest,
  decisionEffects,
  leaseState,
  reviewVerdict,
} from '../domain/review.js';
import type { Principal } from '../domain/roles.js';
import { inScope, narrowRegion, scopeOf } from '../domain/scope.js';
import type { HazardClass } from '../inference/load.js';
import type { AuditEntry, AuditRepository } from '../repositories/audit.js';
import type { CaseRepository, CaseRow } from '../repositories/cases.js';
import type { DetectionRepository, DetectionRow } from '../repositories/detections.js';
import type {
  FindingRepository,
  FindingRow,
  FindingViewWithPhoto,
  QueueFilter,
  QueueRow,
} from '../repositories/findings.js';
import type { FlightRepository } from '../repositories/flights.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { MissedHazardListing, MissedHazardRepository } from '../repositories/missed-hazards.js';
import type { ReviewRepository, ReviewRow } from '../repositories/reviews.js';
import type { Transaction, UnitOfWork } from '../repositories/unit-of-work.js';

export type Clock = () => Date;

interface QueueRequest {
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

interface QueueCounts {
  /** Findings matching every filter. */
  total: number;
  /** Per hazard under every filter but the hazard; per severity under every filter but the severity. */
  byHazard: Array<{ hazardCode: string; className: string; count: number }>;
  bySeverity: Record<'major' | 'general', number>;
}

interface LeaseView {
  findingId: string;
  holder: string;
  expiresAt: Date;
  mine: boolean;
}

export interface DecisionOutcome {
  review: ReviewRow;
  finding: FindingRow;
  caseRow: CaseRow | undefined;
  /** True when the finding joined the site's case for the flight rather than opening one. */
  joinedCase: boolean;
  alreadyRecorded: boolean;
}

interface ReviewServiceOptions {
  findings: FindingRepository;
  reviews: ReviewRepository;
  cases: CaseRepository;
  flights: FlightRepository;
  images: ImageRepository;
  detections: DetectionRepository;
  missed: MissedHazardRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
  /** The classes that flag hazards: what a finding may be relabelled to. */
  classes: readonly HazardClass[];
  leaseSeconds: number;
  now: Clock;
}

/**
 * Human decisions on findings; nothing becomes a case without one. A reviewer leases the finding
 * they have open, so a second reviewer sees who holds it instead of deciding it too.
 */
export class ReviewService {
  private readonly findings: FindingRepository;
  private readonly reviews: ReviewRepository;
  private readonly cases: CaseRepository;
  private readonly flights: FlightRepository;
  private readonly images: ImageRepository;
  private readonly detections: DetectionRepository;
  private readonly missed: MissedHazardRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;
  private readonly classes: readonly HazardClass[];
  private readonly leaseSeconds: number;
  private readonly now: Clock;

  constructor(options: ReviewServiceOptions) {
    this.findings = options.findings;
    this.reviews = options.reviews;
    this.cases = options.cases;
    this.flights = options.flights;
    this.images = options.images;
    this.detections = options.detections;
    this.missed = options.missed;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
    this.classes = options.classes;
    this.leaseSeconds = options.leaseSeconds;
    this.now = options.now;
  }

  async queue(
    principal: Principal,
    request: QueueRequest,
  ): Promise<{ items: QueueItem[]; counts: QueueCounts; next: { score: number; id: string } | undefined }> {
    const scope = scopeOf(principal);
    const regionPrefix = narrowRegion(scope, request.region);
    if (regionPrefix === null)
      return { items: [], counts: { total: 0, byHazard: [], bySeverity: { major: 0, general: 0 } }, next: undefined };
    const filter: QueueFilter = {
      scope,
      regionPrefix,
      excludeFlownBy: principal.userId,
      excludeFlights: await this.flights.uploadedTo(principal.userId),
      flightId: request.flightId,
      siteId: request.siteId,
      hazardCode: request.hazardCode,
      severity: request.severity,
      minScore: request.minScore,
    };
    const [rows, facets] = await Promise.all([
      this.findings.queue(filter, request.limit + 1, request.after),
      this.findings.queueFacets(filter),
    ]);
    const page = rows.slice(0, request.limit);
    const last = page.at(-1);
    const now = this.now();
    const items = page.map((row) => {
      const lease = leaseState(
        { userId: row.finding.leaseUserId, holder: row.finding.leaseHolder, expiresAt: row.finding.leaseExpiresAt },
        principal.userId,
        now,
      );
      return {
        ...row,
        lease:
          lease.kind === 'free'
            ? null
            : {
                holder: lease.kind === 'mine' ? principal.name : lease.holder,
                expiresAt: lease.expiresAt,
                mine: lease.kind === 'mine',
              },
      };
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
      counts: {
        total,
        byHazard: [...byHazard.values()].sort((a, b) => b.count - a.count || a.hazardCode.localeCompare(b.hazardCode)),
        bySeverity,
      },
      next: rows.length > request.limit && last ? { score: last.finding.bestScore, id: last.finding.id } : undefined,
    };
  }

  /** Opens (or keeps open) a finding for the caller for the lease time; refused while someone else has it. */
  async lease(principal: Principal, findingId: string): Promise<LeaseView> {
    const finding = await this.pendingInScope(principal, findingId);
    await this.checkMayDecide(principal, finding);
    const now = this.now();
    const until = new Date(now.getTime() + this.leaseSeconds * 1000);
    const { taken, row } = await this.findings.takeLease(
      findingId,
      { id: principal.userId, name: principal.name },
      until,
      now,
    );
    if (!taken) {
      if (row && row.status !== 'pending')
        throw new ConflictError(`this finding was already decided: ${row.status}`, { status: row.status });
      checkNotHeldByAnother(
        { userId: row?.leaseUserId ?? null, holder: row?.leaseHolder ?? null, expiresAt: row?.leaseExpiresAt ?? null },
        principal.userId,
        now,
      );
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
    const now = this.now();
    return this.unitOfWork.withTransaction((tx) => this.record(tx, principal, findingId, request, now));
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
    if (!finding)
      throw new ConflictError(
        `detection ${detectionId} is not in a finding yet: its flight is still being processed, it is not flagged, or its class is not reviewed in your organisation`,
        { state: detection.state },
      );
    // A photo can be visible while the finding it shows lies in another region: say nothing of it.
    if (!inScope(scopeOf(principal), finding)) throw new NotFoundError(`no detection ${detectionId}`);
    if (finding.bestDetectionId !== detectionId) {
      throw new ConflictError(
        `detection ${detectionId} is one view of finding ${finding.id}: decide the finding by its best view ${finding.bestDetectionId}`,
        { findingId: finding.id, bestDetectionId: finding.bestDetectionId },
      );
    }
    return this.decide(principal, finding.id, request);
  }

  /** A hazard the model did not find, boxed by a reviewer on a photo: kept for retraining. */
  async markMissed(
    principal: Principal,
    imageId: string,
    input: {
      box: [number, number, number, number];
      className: string;
      note?: string | undefined;
      findingId?: string | undefined;
    },
  ): Promise<MissedHazardListing> {
    const scope = scopeOf(principal);
    const image = await this.images.getInScope(imageId, scope);
    if (!image) throw new NotFoundError(`no image ${imageId}`);
    if (!image.width || !image.height)
      throw new ConflictError(`image ${imageId} is not processed yet (${image.status}): its size is not known`);
    const problems: string[] = [];
    if (!this.classes.some((c) => c.name === input.className))
      problems.push(
        `className: unknown class "${input.className}"; one of ${this.classes.map((c) => c.name).join(', ')}`,
      );
    const [x1, y1, x2, y2] = input.box;
    if (!(x1 < x2 && y1 < y2)) problems.push('box: x1 < x2 and y1 < y2 are needed');
    if (x1 < 0 || y1 < 0 || x2 > image.width || y2 > image.height)
      problems.push(`box: must lie within the photo (${image.width}×${image.height})`);
    if (x2 - x1 < 4 || y2 - y1 < 4) problems.push('box: at least 4 pixels wide and high');
    if (input.findingId && !(await this.findings.getInScope(input.findingId, scope)))
      problems.push(`findingId: no finding ${input.findingId}`);
    if (problems.length) throw new UnprocessableError(problems.join('; '), { problems });
    const findingId = input.findingId ?? null;
    const row = await this.unitOfWork.withTransaction(async (tx) => {
      const mark = await this.missed.insert(tx, {
        organisationId: principal.organisationId,
        imageId,
        findingId,
        className: input.className,
        box: input.box,
        note: input.note ?? null,
        reviewer: { userId: principal.userId, name: principal.name },
      });
      await this.audit.append(
        {
          actor: actorOf(principal),
          action: 'image.missed_hazard_marked',
          subjectType: 'image',
          subjectId: imageId,
          detail: { missedHazardId: mark.id, className: input.className, box: [x1, y1, x2, y2], findingId },
        },
        tx,
      );
      return mark;
    });
    return {
      ...row,
      imageSha256: image.sha256,
      imageWidth: image.width,
      imageHeight: image.height,
      flightId: image.flightId,
    };
  }

  listMissed(principal: Principal, options: Parameters<MissedHazardRepository['list']>[1]) {
    return this.missed.list(scopeOf(principal), options);
  }

  /**
   * Records a decision on a finding (made on its best view) and, when it confirms a hazard, puts it
   * into a case: the site's case for the flight while that is still only filed, a new one otherwise.
   * The finding row is locked first, so of two reviewers deciding at once exactly one wins, and
   * views of one finding never deadlock.
   */
  private async record(
    tx: Transaction,
    reviewer: Principal,
    findingId: string,
    request: DecisionRequest,
    now: Date,
  ): Promise<DecisionOutcome> {
    const finding = await this.findings.lockInScope(tx, findingId, scopeOf(reviewer));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    const detection = await this.detections.lock(tx, finding.bestDetectionId);
    if (!detection) throw new NotFoundError(`finding ${findingId} has lost its best view`);
    const existing = await this.reviews.ofDetection(tx, detection.id);
    const verdict = reviewVerdict({
      state: detection.state,
      // Reviews from before people were recorded name only the token.
      existing: existing && { ...existing, reviewerId: existing.reviewerUserId ?? existing.reviewerId },
      reviewerId: reviewer.userId,
      request,
      knownClasses: this.classes.map((c) => c.name),
      currentClass: detection.className,
      lease: { userId: finding.leaseUserId, holder: finding.leaseHolder, expiresAt: finding.leaseExpiresAt },
      now,
    });
    if (verdict === 'already-recorded')
      return {
        review: existing!,
        finding,
        caseRow: await this.cases.ofDetection(tx, detection.id),
        joinedCase: false,
        alreadyRecorded: true,
      };

    const views = await this.findings.viewsWithPhotos(tx, findingId);
    const effects = decisionEffects(
      request,
      detection,
      views.map((v) => v.detection),
      this.classes,
    );
    const review = await this.reviews.insert(tx, {
      detectionId: detection.id,
      findingId,
      reviewerId: reviewer.tokenId,
      reviewerUserId: reviewer.userId,
      reviewerName: reviewer.name,
      decision: request.decision,
      newClass: request.newClass ?? null,
      reason: request.reason ?? null,
      note: request.note ?? null,
    });
    await this.detections.setState(tx, effects.decidedViews, effects.state);
    const decided = await this.findings.markDecided(tx, findingId, effects.state, now);
    const actor = actorOf(reviewer);
    // Audit entries are written last: the chain's head row is the one lock every writer takes, so
    // taking it after the case rows keeps the lock order the same as in a case's transition.
    const decisionEntry: AuditEntry = {
      actor,
      action: `finding.${effects.state}`,
      subjectType: 'finding',
      subjectId: findingId,
      detail: {
        detectionId: detection.id,
        reviewId: review.id,
        userId: reviewer.userId,
        newClass: request.newClass ?? null,
        reason: request.reason ?? null,
        note: request.note ?? null,
        views: effects.decidedViews.length,
      },
    };
    if (!effects.forCase) {
      await this.audit.append(decisionEntry, tx);
      return { review, finding: decided, caseRow: undefined, joinedCase: false, alreadyRecorded: false };
    }

    const image = await this.images.get(detection.imageId, tx);
    if (!image) throw new Error(`detection ${detection.id} has lost its photo ${detection.imageId}`);
    const { className, hazardCode, severity } = effects.forCase;
    await this.flights.lockForCases(tx, finding.flightId);
    const open = finding.siteId ? await this.cases.lockNewestFiled(tx, finding.flightId, finding.siteId) : undefined;
    const placement = placeConfirmedFinding(open, finding, { hazardCode, severity }, reviewer.userId, now);
    const caseRow =
      placement.kind === 'join'
        ? await this.cases.update(tx, placement.caseId, placement.changes)
        : await this.cases.insert(tx, placement.values);
    await this.cases.addFinding(tx, {
      caseId: caseRow.id,
      findingId,
      detectionId: detection.id,
      className,
      hazardCode,
      severity,
      evidence: evidenceOf({ image, detection, review, reviewer, request, finding, views }),
      addedAt: now,
    });
    const detail = { findingId, hazardCode, reviewId: review.id };
    if (placement.kind === 'join') {
      await this.cases.addEvent(tx, caseRow.id, { kind: 'finding_added', actor: reviewer, detail, at: now });
      await this.audit.append(decisionEntry, tx);
      await this.audit.append(
        {
          actor,
          action: 'case.finding_added',
          subjectType: 'case',
          subjectId: caseRow.id,
          detail: { findingId, detectionId: detection.id, hazardCode },
        },
        tx,
      );
    } else {
      await this.cases.addEvent(tx, caseRow.id, {
        kind: 'opened',
        toStatus: 'filed',
        actor: reviewer,
        detail,
        at: now,
      });
      await this.audit.append(decisionEntry, tx);
      await this.audit.append(
        {
          actor,
          action: 'case.opened',
          subjectType: 'case',
          subjectId: caseRow.id,
          detail: { findingId, detectionId: detection.id, hazardCode, siteId: finding.siteId },
        },
        tx,
      );
    }
    return { review, finding: decided, caseRow, joinedCase: placement.kind === 'join', alreadyRecorded: false };
  }

  private async pendingInScope(principal: Principal, findingId: string): Promise<FindingRow> {
    const finding = await this.findings.getInScope(findingId, scopeOf(principal));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    if (finding.status !== 'pending')
      throw new ConflictError(`this finding was already decided: ${finding.status}`, { status: finding.status });
    return finding;
  }

  private async checkMayDecide(principal: Principal, finding: FindingRow): Promise<void> {
    checkSeparationOfDuties(principal.userId, await this.flights.people(finding.flightId));
  }
}

function actorOf(principal: Principal): string {
  return `${principal.role}:${principal.name}`;
}

/**
 * What the reviewer decided on, frozen into the case at the decision: the photo, the view, the
 * model, the review and the finding with all its views, so later changes to any of them do not
 * change the evidence.
 */
export function evidenceOf(input: {
  image: ImageRow;
  detection: DetectionRow;
  review: ReviewRow;
  reviewer: { name: string; userId: string | null };
  request: DecisionRequest;
  finding: FindingRow;
  views: readonly FindingViewWithPhoto[];
}): Record<string, unknown> {
  const { image, detection, review, reviewer, request, finding, views } = input;
  return {
    image: {
      id: image.id,
      objectKey: image.objectKey,
      sha256: image.sha256,
      width: image.width,
      height: image.height,
      capture: image.capture,
    },
    detection: {
      id: detection.id,
      className: detection.className,
      score: detection.score,
      threshold: detection.threshold,
      box: [detection.x1, detection.y1, detection.x2, detection.y2],
    },
    model: { name: detection.modelName, version: detection.modelVersion, sha256: detection.modelSha256 },
    review: {
      id: review.id,
      reviewer: reviewer.name,
      reviewerUserId: reviewer.userId,
      decision: request.decision,
      newClass: request.newClass ?? null,
      note: request.note ?? null,
      decidedAt: review.createdAt,
    },
    detectedAt: detection.createdAt,
    finding: {
      id: finding.id,
      position:
        finding.lat !== null && finding.lon !== null
          ? { lat: finding.lat, lon: finding.lon, errorM: finding.errorM }
          : null,
      siteId: finding.siteId,
      recurringOf: finding.recurringOf,
      views: views.map((v) => ({
        rank: v.rank,
        detectionId: v.detection.id,
        imageId: v.imageId,
        imageSha256: v.sha256,
        score: v.detection.score,
        box: [v.detection.x1, v.detection.y1, v.detection.x2, v.detection.y2],
      })),
    },
  };
}

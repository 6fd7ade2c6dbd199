import { placeConfirmedFinding } from '../domain/cases.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { checkSeparationOfDuties, type Decision, type FindingStatus } from '../domain/review.js';
import { caseAfterFindingsChange, planRevision, type RevisionCaseEffect } from '../domain/revisions.js';
import type { Principal } from '../domain/roles.js';
import { scopeOf } from '../domain/scope.js';
import type { HazardClass } from '../inference/load.js';
import type { AuditEntry, AuditRepository } from '../repositories/audit.js';
import type { CaseRepository, CaseRow } from '../repositories/cases.js';
import type { DetectionRepository } from '../repositories/detections.js';
import type { FindingRepository, FindingRow } from '../repositories/findings.js';
import type { FlightRepository } from '../repositories/flights.js';
import type { ImageRepository } from '../repositories/images.js';
import type { ReviewRepository } from '../repositories/reviews.js';
import type { RevisionRepository, RevisionRow } from '../repositories/revisions.js';
import type { Transaction, UnitOfWork } from '../repositories/unit-of-work.js';
import { type Clock, evidenceOf } from './review.js';

interface RevisionOutcome {
  revision: RevisionRow;
  finding: FindingRow;
  caseRow: CaseRow | undefined;
  caseEffect: RevisionCaseEffect | null;
}

interface RevisionServiceOptions {
  findings: FindingRepository;
  reviews: ReviewRepository;
  revisions: RevisionRepository;
  cases: CaseRepository;
  flights: FlightRepository;
  images: ImageRepository;
  detections: DetectionRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
  classes: readonly HazardClass[];
  now: Clock;
}

const DECIDED_STATES: ReadonlySet<string> = new Set(['confirmed', 'rejected', 'relabelled']);

/**
 * Revising a decision after it was made (domain/revisions.ts decides what is allowed), with the
 * finding's case kept in step; services/finding-history.ts tells the story afterwards.
 */
export class RevisionService {
  private readonly o: RevisionServiceOptions;

  constructor(options: RevisionServiceOptions) {
    this.o = options;
  }

  async revise(
    principal: Principal,
    findingId: string,
    request: { decision: Decision; label?: string | undefined; reason: string },
  ): Promise<RevisionOutcome> {
    const finding = await this.o.findings.getInScope(findingId, scopeOf(principal));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    checkSeparationOfDuties(principal.userId, await this.o.flights.people(finding.flightId));
    const now = this.o.now();
    return this.o.unitOfWork.withTransaction((tx) => this.record(tx, principal, findingId, request, now));
  }

  /**
   * Locks in the order a decision does (finding, best view, flight, case, audit head last), so a
   * revision and a decision that adds to the same case never deadlock.
   */
  private async record(
    tx: Transaction,
    principal: Principal,
    findingId: string,
    request: { decision: Decision; label?: string | undefined; reason: string },
    now: Date,
  ): Promise<RevisionOutcome> {
    const { findings, reviews, revisions, cases, flights, detections, audit } = this.o;
    const scope = scopeOf(principal);
    const finding = await findings.lockInScope(tx, findingId, scope);
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    const best = await detections.lock(tx, finding.bestDetectionId);
    if (!best) throw new NotFoundError(`finding ${findingId} has lost its best view`);
    const review = await reviews.ofDetection(tx, best.id);
    const latest = await revisions.latest(tx, findingId);
    await flights.lockForCases(tx, finding.flightId);
    const link = await revisions.caseLinkOf(tx, findingId);
    const caseNow = link ? await cases.lockInScope(tx, link.caseId, scope) : undefined;
    if (link && !caseNow)
      throw new ConflictError(`finding ${findingId} is in a case outside your region: someone there must revise it`, {
        caseId: link.caseId,
      });
    const plan = planRevision({
      status: finding.status,
      currentClass: link?.className ?? latest?.toClass ?? review?.newClass ?? best.className,
      detectedClass: best.className,
      caseNow: caseNow ?? null,
      actor: { role: principal.role, userId: principal.userId },
      deciderUserId: latest ? latest.actorUserId : review ? (review.reviewerUserId ?? review.reviewerId) : null,
      request,
      knownClasses: this.o.classes.map((c) => c.name),
    });

    const views = await findings.viewsWithPhotos(tx, findingId);
    await detections.setState(
      tx,
      views.filter((v) => DECIDED_STATES.has(v.detection.state)).map((v) => v.detection.id),
      plan.toStatus,
    );
    const decided = await findings.markDecided(tx, findingId, plan.toStatus, now);
    const actor = actorOf(principal);
    const caseAudit: AuditEntry[] = [];
    let caseRow: CaseRow | undefined;
    let caseEffect: RevisionCaseEffect | null = null;
    const hazardOf = (className: string) => {
      const c = this.o.classes.find((h) => h.name === className);
      // A class no longer among the model's keeps the hazard it was detected as.
      return c
        ? { className: c.name, hazardCode: c.hazardCode, severity: c.severity }
        : { className, hazardCode: best.hazardCode, severity: best.severity };
    };

    if ((plan.caseAction === 'leave' || plan.caseAction === 'relabel') && link && caseNow) {
      if (plan.caseAction === 'leave') await revisions.removeCaseLink(tx, findingId);
      else await revisions.relabelCaseLink(tx, findingId, hazardOf(plan.toClass!));
      const remaining = await revisions.linksOfCase(tx, caseNow.id);
      const after = caseAfterFindingsChange(caseNow, remaining, now);
      const detail = {
        findingId,
        hazardCode: link.hazardCode,
        fromClass: plan.fromClass,
        toClass: plan.toClass,
        reason: request.reason,
      };
      caseEffect = plan.caseAction === 'leave' ? (after.dismiss ? 'dismissed' : 'left') : 'relabelled';
      caseRow = await cases.update(tx, caseNow.id, {
        severity: after.severity,
        hazardCodes: after.hazardCodes,
        findingsCount: after.findingsCount,
        updatedAt: now,
        ...(after.dismiss ? { status: 'dismissed' as const, dismissalReason: 'not_a_violation' as const } : {}),
      });
      const kind = plan.caseAction === 'leave' ? 'finding_removed' : 'finding_relabelled';
      await cases.addEvent(tx, caseNow.id, { kind, actor: principal, note: request.reason, detail, at: now });
      caseAudit.push({ actor, action: `case.${kind}`, subjectType: 'case', subjectId: caseNow.id, detail });
      if (after.dismiss) {
        const why = { findingId, note: 'every finding of the case was revised to rejected' };
        await cases.addEvent(tx, caseNow.id, {
          kind: 'transition',
          fromStatus: caseNow.status,
          toStatus: 'dismissed',
          reason: 'not_a_violation',
          note: why.note,
          actor: principal,
          detail: why,
          at: now,
        });
        caseAudit.push({
          actor,
          action: 'case.dismissed',
          subjectType: 'case',
          subjectId: caseNow.id,
          detail: { from: caseNow.status, to: 'dismissed', reason: 'not_a_violation', ...why },
        });
      }
    } else if (plan.caseAction === 'place') {
      const hazard = hazardOf(plan.toClass!);
      const image = await this.o.images.get(best.imageId, tx);
      if (!image) throw new Error(`detection ${best.id} has lost its photo ${best.imageId}`);
      const open = finding.siteId ? await cases.lockNewestFiled(tx, finding.flightId, finding.siteId) : undefined;
      const placement = placeConfirmedFinding(open, finding, hazard, principal.userId, now);
      caseRow =
        placement.kind === 'join'
          ? await cases.update(tx, placement.caseId, placement.changes)
          : await cases.insert(tx, placement.values);
      caseEffect = placement.kind === 'join' ? 'joined' : 'opened';
      const evidence = review
        ? evidenceOf({
            image,
            detection: best,
            review,
            reviewer: { name: review.reviewerName, userId: review.reviewerUserId },
            request: {
              decision: review.decision,
              newClass: review.newClass ?? undefined,
              note: review.note ?? undefined,
            },
            finding,
            views,
          })
        : {};
      await cases.addFinding(tx, {
        caseId: caseRow.id,
        findingId,
        detectionId: best.id,
        ...hazard,
        // The evidence of the decision as first made, and the revision that put it here.
        evidence: {
          ...evidence,
          revision: {
            by: principal.name,
            userId: principal.userId,
            decision: request.decision,
            reason: request.reason,
            at: now,
          },
        },
        addedAt: now,
      });
      const detail = { findingId, hazardCode: hazard.hazardCode, toClass: hazard.className, reason: request.reason };
      await cases.addEvent(tx, caseRow.id, {
        kind: placement.kind === 'join' ? 'finding_added' : 'opened',
        ...(placement.kind === 'open' ? { toStatus: 'filed' as const } : {}),
        actor: principal,
        note: request.reason,
        detail,
        at: now,
      });
      caseAudit.push({
        actor,
        action: placement.kind === 'join' ? 'case.finding_added' : 'case.opened',
        subjectType: 'case',
        subjectId: caseRow.id,
        detail: { ...detail, detectionId: best.id, siteId: finding.siteId },
      });
    }

    const revision = await revisions.insert(
      tx,
      {
        findingId,
        fromStatus: finding.status as Exclude<FindingStatus, 'pending'>,
        toStatus: plan.toStatus,
        fromClass: plan.fromClass,
        toClass: plan.toClass,
        reason: request.reason.trim(),
        actorUserId: principal.userId,
        actorName: principal.name,
        actorRole: principal.role,
        caseId: caseRow?.id ?? null,
        caseEffect,
        removedLink: plan.caseAction === 'leave' && link ? { ...link, addedAt: link.addedAt.toISOString() } : null,
      },
      now,
    );
    // Audit entries last: the chain's head row is the lock every writer takes.
    await audit.append(
      {
        actor,
        action: 'finding.revised',
        subjectType: 'finding',
        subjectId: findingId,
        detail: {
          revisionId: revision.id,
          userId: principal.userId,
          from: finding.status,
          to: plan.toStatus,
          fromClass: plan.fromClass,
          toClass: plan.toClass,
          reason: revision.reason,
          caseId: caseRow?.id ?? null,
          caseEffect,
        },
      },
      tx,
    );
    for (const entry of caseAudit) await audit.append(entry, tx);
    return { revision, finding: decided, caseRow, caseEffect };
  }
}

function actorOf(principal: Principal): string {
  return `${principal.role}:${principal.name}`;
}

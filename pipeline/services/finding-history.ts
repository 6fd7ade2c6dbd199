import { caseReference } from '../domain/cases.js';
import { NotFoundError } from '../domain/errors.js';
import type { Decision, FindingStatus } from '../domain/review.js';
import { checkMayRevise, type HistoryKind } from '../domain/revisions.js';
import type { Principal } from '../domain/roles.js';
import { scopeOf } from '../domain/scope.js';
import type { CaseEventRow, CaseRepository } from '../repositories/cases.js';
import type { FindingRepository } from '../repositories/findings.js';
import type { ReviewRepository } from '../repositories/reviews.js';
import type { RevisionRepository } from '../repositories/revisions.js';

/** One entry of a finding's history, oldest first. Fields that do not apply to a kind are null. */
interface HistoryEvent {
  kind: HistoryKind;
  at: Date;
  actor: { name: string; role: string } | null;
  decision: Decision | null;
  fromStatus: FindingStatus | null;
  toStatus: FindingStatus | null;
  fromClass: string | null;
  toClass: string | null;
  /** A rejection's reason code, or a revision's reason in words. */
  reason: string | null;
  note: string | null;
  detection: { id: string; model: string; className: string; hazardCode: string; score: number } | null;
  case: { id: string; reference: string } | null;
}

interface FindingHistoryServiceOptions {
  findings: FindingRepository;
  reviews: ReviewRepository;
  revisions: RevisionRepository;
  cases: CaseRepository;
}

// Within one instant, the order things happen in a transaction.
const KIND_ORDER: Record<HistoryKind, number> = {
  detected: 0,
  decided: 1,
  revised: 2,
  case_left: 3,
  case_dismissed: 4,
  case_opened: 5,
  case_joined: 6,
  case_relabelled: 7,
};

/**
 * A finding's history, oldest first, told from what is stored: its views' detections, the review,
 * the revisions (services/revisions.ts) and the events of every case it was in that name it.
 */
export class FindingHistoryService {
  private readonly o: FindingHistoryServiceOptions;

  constructor(options: FindingHistoryServiceOptions) {
    this.o = options;
  }

  /** The history, and whether the caller may revise the decision that stands (checkMayRevise). */
  async history(principal: Principal, findingId: string): Promise<{ items: HistoryEvent[]; canRevise: boolean }> {
    const { findings, reviews, revisions, cases } = this.o;
    const finding = await findings.getInScope(findingId, scopeOf(principal));
    if (!finding) throw new NotFoundError(`no finding ${findingId}`);
    const views = await findings.views([findingId]);
    const [decisions, revised] = await Promise.all([
      reviews.ofDetections(views.map((v) => v.detection.id)),
      revisions.ofFinding(findingId),
    ]);
    // Every case the finding was ever in: the one it is in now, and those revisions took it out of.
    const caseIds = new Set(revised.flatMap((r) => (r.caseId ? [r.caseId] : [])));
    const current = await revisions.currentCaseId(findingId);
    if (current) caseIds.add(current);
    const caseRows = (await Promise.all([...caseIds].map((id) => cases.get(id, scopeOf(principal))))).flatMap((c) =>
      c ? [c] : [],
    );
    const events = await revisions.caseEventsAbout(
      caseRows.map((c) => c.id),
      findingId,
    );
    const empty = {
      actor: null,
      decision: null,
      fromStatus: null,
      toStatus: null,
      fromClass: null,
      toClass: null,
      reason: null,
      note: null,
      detection: null,
      case: null,
    };
    const history: Array<HistoryEvent & { sortAt: number }> = [];
    for (const { detection: d } of views)
      history.push({
        ...empty,
        kind: 'detected',
        at: d.createdAt,
        sortAt: d.createdAt.getTime(),
        detection: {
          id: d.id,
          model: `${d.modelName} ${d.modelVersion}`,
          className: d.className,
          hazardCode: d.hazardCode,
          score: d.score,
        },
      });
    const detectedClass = views.find((v) => v.detection.id === finding.bestDetectionId)?.detection.className ?? null;
    const reviewTimes = new Map<string, number>();
    for (const r of decisions) {
      reviewTimes.set(r.id, r.createdAt.getTime());
      history.push({
        ...empty,
        kind: 'decided',
        at: r.createdAt,
        sortAt: r.createdAt.getTime(),
        actor: { name: r.reviewerName, role: 'reviewer' },
        decision: r.decision,
        fromStatus: 'pending',
        toStatus: r.decision === 'confirm' ? 'confirmed' : r.decision === 'reject' ? 'rejected' : 'relabelled',
        fromClass: detectedClass,
        toClass: r.decision === 'reject' ? null : (r.newClass ?? detectedClass),
        reason: r.reason,
        note: r.note,
      });
    }
    for (const r of revised)
      history.push({
        ...empty,
        kind: 'revised',
        at: r.createdAt,
        sortAt: r.createdAt.getTime(),
        actor: { name: r.actorName, role: r.actorRole },
        decision: r.toStatus === 'confirmed' ? 'confirm' : r.toStatus === 'rejected' ? 'reject' : 'relabel',
        fromStatus: r.fromStatus,
        toStatus: r.toStatus,
        fromClass: r.fromClass,
        toClass: r.toClass,
        reason: r.reason,
      });
    for (const e of events) {
      const kind = caseKind(e);
      if (!kind) continue;
      const c = caseRows.find((row) => row.id === e.caseId)!;
      const detail = (e.detail ?? {}) as Record<string, unknown>;
      // A decision's case event is written with the service's clock and the review with the
      // database's: order them as the one transaction they came from.
      const sortAt =
        typeof detail.reviewId === 'string' ? (reviewTimes.get(detail.reviewId) ?? e.at.getTime()) : e.at.getTime();
      history.push({
        ...empty,
        kind,
        at: e.at,
        sortAt,
        actor: { name: e.actorName, role: e.actorRole },
        fromClass: typeof detail.fromClass === 'string' ? detail.fromClass : null,
        toClass: typeof detail.toClass === 'string' ? detail.toClass : null,
        note: e.note,
        case: { id: c.id, reference: caseReference(c.number) },
      });
    }
    const best = decisions.find((r) => r.detectionId === finding.bestDetectionId) ?? decisions[0];
    const latest = revised.at(-1);
    const decider = latest ? latest.actorUserId : best ? (best.reviewerUserId ?? best.reviewerId) : null;
    return {
      items: history
        .sort((a, b) => a.sortAt - b.sortAt || KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
        .map(({ sortAt: _sortAt, ...event }) => event),
      canRevise: finding.status !== 'pending' && mayRevise(principal, decider),
    };
  }
}

function caseKind(e: CaseEventRow): HistoryKind | undefined {
  switch (e.kind) {
    case 'opened':
      return 'case_opened';
    case 'finding_added':
      return 'case_joined';
    case 'finding_removed':
      return 'case_left';
    case 'finding_relabelled':
      return 'case_relabelled';
    case 'transition':
      return e.toStatus === 'dismissed' ? 'case_dismissed' : undefined;
    default:
      return undefined;
  }
}

function mayRevise(principal: Principal, decider: string | null): boolean {
  try {
    checkMayRevise(principal, decider);
    return true;
  } catch {
    return false;
  }
}

import { ConflictError, ForbiddenError, UnprocessableError } from './errors.js';
import type { Severity } from './taxonomy.js';

export const DETECTION_STATES = ['below_threshold', 'flagged', 'confirmed', 'rejected', 'relabelled'] as const;
export type DetectionState = (typeof DETECTION_STATES)[number];

export const DECISIONS = ['confirm', 'reject', 'relabel'] as const;
export type Decision = (typeof DECISIONS)[number];

/** A finding's review state: pending until its best view is decided, then as decided. */
export const FINDING_STATUSES = ['pending', 'confirmed', 'rejected', 'relabelled'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Why a reviewer rejects a finding; "other" needs a note. */
export const REJECT_REASONS = [
  'false_positive',
  'not_a_violation',
  'duplicate',
  'unclear_image',
  'outside_scope',
  'other',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface DecisionRequest {
  decision: Decision;
  newClass?: string | undefined;
  /** Required when rejecting. */
  reason?: RejectReason | undefined;
  note?: string | undefined;
}

export interface RecordedReview {
  decision: Decision;
  newClass: string | null;
  reviewerId: string;
}

function stateAfter(decision: Decision): DetectionState & FindingStatus {
  return decision === 'confirm' ? 'confirmed' : decision === 'reject' ? 'rejected' : 'relabelled';
}

/** Confirmed and relabelled detections become cases; rejected ones do not. */
function opensCase(decision: Decision): boolean {
  return decision !== 'reject';
}

/**
 * One decision per detection. The same reviewer repeating the same decision is a no-op (a retry
 * over a flaky network); anything else after a decision is a conflict, so of two reviewers deciding
 * at once exactly one wins. Only flagged detections can be decided.
 */
export function checkDecision(
  state: DetectionState,
  existing: RecordedReview | undefined,
  reviewerId: string,
  request: DecisionRequest,
  knownClasses: readonly string[],
  currentClass: string,
): 'record' | 'already-recorded' {
  if (request.decision === 'relabel') {
    if (!request.newClass) throw new UnprocessableError('relabel needs newClass', { field: 'newClass' });
    if (!knownClasses.includes(request.newClass)) {
      throw new UnprocessableError(`unknown class "${request.newClass}"`, { field: 'newClass', allowed: knownClasses });
    }
    if (request.newClass === currentClass)
      throw new UnprocessableError('relabel to the same class; confirm instead', { field: 'newClass' });
  } else if (request.newClass !== undefined) {
    throw new UnprocessableError(`newClass is only for relabel`, { field: 'newClass' });
  }
  if (request.decision === 'reject') {
    if (!request.reason)
      throw new UnprocessableError(`a rejection needs a reason: one of ${REJECT_REASONS.join(', ')}`, {
        field: 'reason',
        allowed: REJECT_REASONS,
      });
    if (request.reason === 'other' && !request.note?.trim())
      throw new UnprocessableError('say why in the note when the reason is "other"', { field: 'note' });
  } else if (request.reason !== undefined) {
    throw new UnprocessableError('a reason is only given when rejecting', { field: 'reason' });
  }
  if (existing) {
    if (
      existing.reviewerId === reviewerId &&
      existing.decision === request.decision &&
      (existing.newClass ?? undefined) === request.newClass
    )
      return 'already-recorded';
    throw new ConflictError(
      `this detection was already decided: ${existing.decision}${existing.newClass ? ` as ${existing.newClass}` : ''}`,
      {
        decision: existing.decision,
        newClass: existing.newClass,
      },
    );
  }
  if (state !== 'flagged')
    throw new ConflictError(`only flagged detections can be reviewed; this one is ${state}`, { state });
  return 'record';
}

interface Lease {
  userId: string | null;
  holder: string | null;
  expiresAt: Date | null;
}

/**
 * Whether a reviewer's decision on a finding is recorded, given its best view's state, the review
 * already recorded on it and the finding's lease: checkDecision's rules first, so a retry of one's
 * own decision is answered as recorded even while someone else holds the finding; a new decision
 * is refused while they do (checkNotHeldByAnother).
 */
export function reviewVerdict(input: {
  state: DetectionState;
  existing: RecordedReview | undefined;
  reviewerId: string;
  request: DecisionRequest;
  knownClasses: readonly string[];
  currentClass: string;
  lease: Lease;
  now: Date;
}): 'record' | 'already-recorded' {
  const verdict = checkDecision(
    input.state,
    input.existing,
    input.reviewerId,
    input.request,
    input.knownClasses,
    input.currentClass,
  );
  if (verdict === 'record') checkNotHeldByAnother(input.lease, input.reviewerId, input.now);
  return verdict;
}

interface HazardOfClass {
  name: string;
  hazardCode: string;
  severity: Severity;
}

interface DecisionEffects {
  /** What the finding and the views it decides become. */
  state: DetectionState & FindingStatus;
  /** The best view first, then every other view still waiting (flagged). */
  decidedViews: string[];
  /** The class and hazard the finding goes into a case as; undefined when it opens no case. */
  forCase: { className: string; hazardCode: string; severity: Severity } | undefined;
}

/**
 * What a recorded decision changes. Deciding a finding decides every view of it still waiting. A
 * confirmed finding keeps the hazard it was detected as (the model may have changed since); only a
 * relabel takes the mapping of the class it names.
 */
export function decisionEffects(
  request: DecisionRequest,
  best: { id: string; className: string; hazardCode: string; severity: Severity },
  views: ReadonlyArray<{ id: string; state: string }>,
  classes: readonly HazardOfClass[],
): DecisionEffects {
  const state = stateAfter(request.decision);
  const decidedViews = [best.id, ...views.filter((v) => v.id !== best.id && v.state === 'flagged').map((v) => v.id)];
  if (!opensCase(request.decision)) return { state, decidedViews, forCase: undefined };
  if (!request.newClass)
    return {
      state,
      decidedViews,
      forCase: { className: best.className, hazardCode: best.hazardCode, severity: best.severity },
    };
  const relabelled = classes.find((c) => c.name === request.newClass);
  // checkDecision admits only known classes, so this is a caller passing another list.
  if (!relabelled) throw new Error(`class ${request.newClass} is not among the hazard classes`);
  return {
    state,
    decidedViews,
    forCase: { className: relabelled.name, hazardCode: relabelled.hazardCode, severity: relabelled.severity },
  };
}

/** Who holds a finding open for review right now: nobody, the caller, or someone else until a time. */
export function leaseState(
  lease: Lease,
  userId: string,
  now: Date,
): { kind: 'free' } | { kind: 'mine'; expiresAt: Date } | { kind: 'other'; holder: string; expiresAt: Date } {
  if (!lease.userId || !lease.expiresAt || lease.expiresAt.getTime() <= now.getTime()) return { kind: 'free' };
  if (lease.userId === userId) return { kind: 'mine', expiresAt: lease.expiresAt };
  return { kind: 'other', holder: lease.holder ?? 'another reviewer', expiresAt: lease.expiresAt };
}

/** A decision or a lease is refused while another reviewer holds the finding. */
export function checkNotHeldByAnother(lease: Lease, userId: string, now: Date): void {
  const state = leaseState(lease, userId, now);
  if (state.kind === 'other') {
    throw new ConflictError(`${state.holder} has this finding open until ${state.expiresAt.toISOString()}`, {
      leaseHolder: state.holder,
      leaseExpiresAt: state.expiresAt.toISOString(),
    });
  }
}

/**
 * Separation of duties: the person who flew a flight, or put any of its photos in, does not decide
 * its findings.
 */
export function checkSeparationOfDuties(reviewerUserId: string, flightPeople: ReadonlyArray<string | null>): void {
  if (flightPeople.includes(reviewerUserId)) {
    throw new ForbiddenError('you flew this flight or uploaded its photos: another reviewer must decide its findings');
  }
}

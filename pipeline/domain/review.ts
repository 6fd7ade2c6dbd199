import { ConflictError, UnprocessableError } from './errors.js';

export const DETECTION_STATES = ['below_threshold', 'flagged', 'confirmed', 'rejected', 'relabelled'] as const;
export type DetectionState = (typeof DETECTION_STATES)[number];

export const DECISIONS = ['confirm', 'reject', 'relabel'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface DecisionRequest {
  decision: Decision;
  newClass?: string | undefined;
  note?: string | undefined;
}

export interface RecordedReview {
  decision: Decision;
  newClass: string | null;
  reviewerId: string;
}

export function stateAfter(decision: Decision): DetectionState {
  return decision === 'confirm' ? 'confirmed' : decision === 'reject' ? 'rejected' : 'relabelled';
}

/** Confirmed and relabelled detections become cases; rejected ones do not. */
export function opensCase(decision: Decision): boolean {
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
    if (request.newClass === currentClass) throw new UnprocessableError('relabel to the same class; confirm instead', { field: 'newClass' });
  } else if (request.newClass !== undefined) {
    throw new UnprocessableError(`newClass is only for relabel`, { field: 'newClass' });
  }
  if (existing) {
    if (existing.reviewerId === reviewerId && existing.decision === request.decision && (existing.newClass ?? undefined) === request.newClass) return 'already-recorded';
    throw new ConflictError(`this detection was already decided: ${existing.decision}${existing.newClass ? ` as ${existing.newClass}` : ''}`, {
      decision: existing.decision,
      newClass: existing.newClass,
    });
  }
  if (state !== 'flagged') throw new ConflictError(`only flagged detections can be reviewed; this one is ${state}`, { state });
  return 'record';
}

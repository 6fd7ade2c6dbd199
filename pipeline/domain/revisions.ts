/**
 * Revising a decision on a finding after it was made: who may, what it may become, and what that
 * does to the finding's case under the case lifecycle. Pure rules, no I/O.
 */
import { type CaseStatus, caseReference, graver } from './cases.js';
import { ConflictError, ForbiddenError, UnprocessableError } from './errors.js';
import type { Decision, FindingStatus } from './review.js';
import type { Role } from './roles.js';
import type { Severity } from './taxonomy.js';

export const REVISION_CASE_EFFECTS = ['left', 'dismissed', 'joined', 'opened', 'relabelled'] as const;
export type RevisionCaseEffect = (typeof REVISION_CASE_EFFECTS)[number];

/** What a finding's history is made of (services/revisions.ts builds it). */
export const HISTORY_KINDS = [
  'detected',
  'decided',
  'revised',
  'case_opened',
  'case_joined',
  'case_left',
  'case_relabelled',
  'case_dismissed',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

type DecidedStatus = Exclude<FindingStatus, 'pending'>;

interface RevisionRequest {
  decision: Decision;
  /** The class a relabel names. */
  label?: string | undefined;
  reason: string;
}

export interface RevisionInput {
  status: FindingStatus;
  /** The class the finding stands as now (the case link's), or as detected when it is in no case. */
  currentClass: string;
  /** The class its best view was detected as: what a confirmation means. */
  detectedClass: string;
  /** The case the finding is in now, if any. */
  caseNow: { number: number; status: CaseStatus } | null;
  actor: { role: Role; userId: string };
  /** Who made the decision that stands now (the review, or the latest revision). */
  deciderUserId: string | null;
  request: RevisionRequest;
  knownClasses: readonly string[];
}

/**
 * What a revision does: the finding's new status and class, and its case: `leave` the (filed) case
 * it is in, be `placed` into a case as a fresh confirmation is, `relabel` its hazard in the (filed)
 * case, or nothing.
 */
export interface RevisionPlan {
  toStatus: DecidedStatus;
  /** The class it stands as afterwards; null when rejected. */
  toClass: string | null;
  fromClass: string | null;
  caseAction: 'leave' | 'place' | 'relabel' | 'none';
}

/**
 * Who may revise: an admin any decision in their reach; a reviewer only the decision that stands
 * as their own (a second opinion from another reviewer goes through an admin, so two reviewers
 * cannot overturn each other back and forth). Nobody else.
 */
export function checkMayRevise(actor: { role: Role; userId: string }, deciderUserId: string | null): void {
  if (actor.role === 'admin') return;
  if (actor.role === 'reviewer') {
    if (deciderUserId !== null && deciderUserId === actor.userId) return;
    throw new ForbiddenError('a reviewer may revise only their own decision; ask an admin to revise this one');
  }
  throw new ForbiddenError('only an admin, or the reviewer who made the decision, may revise it');
}

function statusAfter(decision: Decision): DecidedStatus {
  return decision === 'confirm' ? 'confirmed' : decision === 'reject' ? 'rejected' : 'relabelled';
}

/** The case is still only filed: nothing was sent to the enterprise, so its findings may change. */
function checkCaseStillFiled(caseNow: { number: number; status: CaseStatus }, what: string): void {
  if (caseNow.status === 'filed') return;
  const ref = caseReference(caseNow.number);
  const why =
    caseNow.status === 'closed' || caseNow.status === 'dismissed'
      ? `case ${ref} is ${caseNow.status}: its record is final`
      : `case ${ref} is already ${caseNow.status}: the enterprise was notified of its findings as they are`;
  throw new ConflictError(`${why}, so ${what}`, { caseStatus: caseNow.status, caseReference: ref });
}

/**
 * Decides a revision: the role first (checkMayRevise), then the request, then whether the finding
 * and its case allow it. Only a finding that was decided can be revised, only to something else,
 * and a finding in a case that was notified (or ended) keeps its decision and hazard.
 */
export function planRevision(input: RevisionInput): RevisionPlan {
  const { request } = input;
  checkMayRevise(input.actor, input.deciderUserId);
  const problems: Array<{ field: string; message: string }> = [];
  if (!request.reason.trim()) problems.push({ field: 'reason', message: 'say why the decision is revised' });
  if (request.decision === 'relabel') {
    if (!request.label) problems.push({ field: 'label', message: 'a relabel names the class' });
    else if (!input.knownClasses.includes(request.label))
      problems.push({ field: 'label', message: `unknown class "${request.label}"` });
  } else if (request.label !== undefined) {
    problems.push({ field: 'label', message: 'a label is only given when relabelling' });
  }
  if (problems.length)
    throw new UnprocessableError(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });

  if (input.status === 'pending')
    throw new ConflictError('this finding is not decided yet: decide it instead of revising', { status: 'pending' });
  const toStatus = statusAfter(request.decision);
  const fromClass = input.status === 'rejected' ? null : input.currentClass;
  const toClass =
    request.decision === 'reject' ? null : request.decision === 'relabel' ? request.label! : input.detectedClass;
  if (toStatus === input.status && toClass === fromClass)
    throw new ConflictError(`this finding is already ${input.status}${toClass ? ` as ${toClass}` : ''}`, {
      status: input.status,
      className: fromClass,
    });
  if (fromClass !== null && toClass !== null && toClass === fromClass)
    throw new UnprocessableError(`label: the finding already stands as ${toClass}`, { field: 'label' });

  if (toStatus === 'rejected') {
    if (input.caseNow) checkCaseStillFiled(input.caseNow, 'the finding cannot leave it');
    return { toStatus, toClass, fromClass, caseAction: input.caseNow ? 'leave' : 'none' };
  }
  if (input.status === 'rejected' || !input.caseNow) return { toStatus, toClass, fromClass, caseAction: 'place' };
  checkCaseStillFiled(input.caseNow, 'the hazard of its finding cannot change');
  return { toStatus, toClass, fromClass, caseAction: 'relabel' };
}

interface CaseLink {
  hazardCode: string;
  severity: string;
}

/**
 * What a filed case becomes when its findings change (one left, or one's hazard changed): the
 * gravest remaining severity, every remaining hazard once, the count. A case no finding is left in
 * is dismissed as not a violation: nothing in it remains to enforce.
 */
export function caseAfterFindingsChange(
  current: { severity: Severity },
  remaining: readonly CaseLink[],
  now: Date,
): {
  severity: Severity;
  hazardCodes: string[];
  findingsCount: number;
  updatedAt: Date;
  dismiss: boolean;
} {
  if (remaining.length === 0)
    return { severity: current.severity, hazardCodes: [], findingsCount: 0, updatedAt: now, dismiss: true };
  const severity = remaining
    .map((l): Severity => (l.severity === 'major' ? 'major' : 'general'))
    .reduce((a, b) => graver(a, b));
  return {
    severity,
    hazardCodes: [...new Set(remaining.map((l) => l.hazardCode))].sort(),
    findingsCount: remaining.length,
    updatedAt: now,
    dismiss: false,
  };
}

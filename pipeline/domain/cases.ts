/**
 * Enforcement cases: one per site and flight, holding the findings a reviewer confirmed there, and
 * the lifecycle a regulator moves them through. Pure rules, no I/O.
 */
import { ConflictError, ForbiddenError, UnprocessableError } from './errors.js';
import type { Role } from './roles.js';

export const CASE_STATUSES = ['filed', 'notified', 'rectification_due', 'rectified', 'verified', 'closed', 'dismissed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses no transition leaves. */
export const FINAL_STATUSES: ReadonlySet<CaseStatus> = new Set(['closed', 'dismissed']);

export const CASE_EVENT_KINDS = ['opened', 'finding_added', 'transition', 'site_assigned', 'attachment_added'] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

export const DISMISSAL_REASONS = ['not_a_violation', 'duplicate', 'wrong_site', 'insufficient_evidence', 'enterprise_closed', 'other'] as const;
export type DismissalReason = (typeof DISMISSAL_REASONS)[number];

/** What a transition needs beyond the actor: the fields a regulator must fill in. */
interface TransitionRule {
  roles: readonly Role[];
  /** A rectification deadline in the future. */
  needsDueAt?: boolean;
  /** At least one file from the enterprise, or a note saying what was shown. */
  needsEvidence?: boolean;
  needsReason?: boolean;
  /** The liable site must be known (one cannot notify nobody). */
  needsSite?: boolean;
}

const REGULATOR: readonly Role[] = ['regulator'];

/**
 * filed → notified → rectification_due → rectified → verified → closed; a rectification that does
 * not hold sends the case back to rectification_due with a new deadline; any open case can be
 * dismissed with a reason.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, Partial<Record<CaseStatus, TransitionRule>>>> = {
  filed: { notified: { roles: REGULATOR, needsSite: true }, dismissed: { roles: REGULATOR, needsReason: true } },
  notified: { rectification_due: { roles: REGULATOR, needsDueAt: true }, dismissed: { roles: REGULATOR, needsReason: true } },
  rectification_due: { rectified: { roles: REGULATOR, needsEvidence: true }, dismissed: { roles: REGULATOR, needsReason: true } },
  rectified: { verified: { roles: REGULATOR }, rectification_due: { roles: REGULATOR, needsDueAt: true }, dismissed: { roles: REGULATOR, needsReason: true } },
  verified: { closed: { roles: REGULATOR }, dismissed: { roles: REGULATOR, needsReason: true } },
  closed: {},
  dismissed: {},
};

export interface TransitionRequest {
  to: CaseStatus;
  note?: string | undefined;
  dueAt?: Date | undefined;
  reason?: DismissalReason | undefined;
  attachmentCount: number;
}

/** The statuses a case can move to from `from`, in the order the lifecycle lists them. */
export function nextStatuses(from: CaseStatus): CaseStatus[] {
  return Object.keys(CASE_TRANSITIONS[from]) as CaseStatus[];
}

/**
 * Checks a transition; throws ConflictError when the lifecycle does not allow it from here,
 * ForbiddenError when the role may not make it, and UnprocessableError listing every missing field.
 */
export function checkTransition(from: CaseStatus, role: Role, request: TransitionRequest, context: { hasSite: boolean; now: Date }): void {
  const rule = CASE_TRANSITIONS[from][request.to];
  if (!rule) {
    const allowed = nextStatuses(from);
    throw new ConflictError(`a ${from} case cannot become ${request.to}${allowed.length ? `; it can become ${allowed.join(' or ')}` : '; it is final'}`, { status: from, allowed });
  }
  if (!rule.roles.includes(role)) throw new ForbiddenError(`only a ${rule.roles.join(' or ')} may move a case to ${request.to}`);
  const problems: Array<{ field: string; message: string }> = [];
  if (rule.needsSite && !context.hasSite) problems.push({ field: 'site', message: 'the case has no liable site yet: assign one before notifying' });
  if (rule.needsDueAt) {
    if (!request.dueAt) problems.push({ field: 'dueAt', message: `a rectification deadline is required to move to ${request.to}` });
    else if (request.dueAt.getTime() <= context.now.getTime()) problems.push({ field: 'dueAt', message: 'the rectification deadline must be in the future' });
  } else if (request.dueAt) {
    problems.push({ field: 'dueAt', message: `a deadline is only set when moving to rectification_due` });
  }
  if (rule.needsEvidence && request.attachmentCount === 0 && !request.note?.trim()) {
    problems.push({ field: 'attachmentIds', message: "record the enterprise's evidence of rectification: attach its files or describe it in the note" });
  }
  if (rule.needsReason) {
    if (!request.reason) problems.push({ field: 'reason', message: 'a dismissal needs a reason' });
    else if (request.reason === 'other' && !request.note?.trim()) problems.push({ field: 'note', message: 'say why in the note when the reason is "other"' });
  } else if (request.reason) {
    problems.push({ field: 'reason', message: 'a reason is only given when dismissing' });
  }
  if (!rule.needsEvidence && request.attachmentCount > 0) problems.push({ field: 'attachmentIds', message: 'attachments are recorded with the rectified step' });
  if (problems.length > 0) throw new UnprocessableError(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
}

/** A case is overdue while rectification is due and its deadline has passed. */
export function isOverdue(status: CaseStatus, dueAt: Date | null, now: Date): boolean {
  return status === 'rectification_due' && dueAt !== null && dueAt.getTime() < now.getTime();
}

/**
 * Where a newly confirmed finding goes: the site's case for the flight while it is still only filed
 * (nothing was sent to the enterprise yet); once notified, what was notified stays as it was and a
 * new case opens. Findings with no site each get a case of their own until a site is assigned.
 */
export function joinsExistingCase(existing: { status: CaseStatus; siteId: string | null } | undefined, siteId: string | null): boolean {
  return existing !== undefined && siteId !== null && existing.siteId === siteId && existing.status === 'filed';
}

export const SEVERITY_ORDER = { major: 0, general: 1 } as const;

/** The gravest of two severities. */
export function graver(a: 'major' | 'general', b: 'major' | 'general'): 'major' | 'general' {
  return SEVERITY_ORDER[a] <= SEVERITY_ORDER[b] ? a : b;
}

/** The number people quote: HS-000123. */
export function caseReference(number: number): string {
  return `HS-${String(number).padStart(6, '0')}`;
}

/**
 * Enforcement cases: one per site and flight, holding the findings a reviewer confirmed there, and
 * the lifecycle a regulator moves them through. Pure rules, no I/O.
 */
import { ConflictError, ForbiddenError, UnprocessableError } from './errors.js';
import type { Role } from './roles.js';
import type { Severity } from './taxonomy.js';

export const CASE_STATUSES = [
  'filed',
  'notified',
  'rectification_due',
  'rectified',
  'verified',
  'closed',
  'dismissed',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses no transition leaves. */
const FINAL_STATUSES: ReadonlySet<CaseStatus> = new Set(['closed', 'dismissed']);

export const CASE_EVENT_KINDS = [
  'opened',
  'finding_added',
  'transition',
  'site_assigned',
  'attachment_added',
  // A revised decision took a finding out of a filed case, or changed its hazard there (revisions.ts).
  'finding_removed',
  'finding_relabelled',
] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

export const DISMISSAL_REASONS = [
  'not_a_violation',
  'duplicate',
  'wrong_site',
  'insufficient_evidence',
  'enterprise_closed',
  'other',
] as const;
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
  notified: {
    rectification_due: { roles: REGULATOR, needsDueAt: true },
    dismissed: { roles: REGULATOR, needsReason: true },
  },
  rectification_due: {
    rectified: { roles: REGULATOR, needsEvidence: true },
    dismissed: { roles: REGULATOR, needsReason: true },
  },
  rectified: {
    verified: { roles: REGULATOR },
    rectification_due: { roles: REGULATOR, needsDueAt: true },
    dismissed: { roles: REGULATOR, needsReason: true },
  },
  verified: { closed: { roles: REGULATOR }, dismissed: { roles: REGULATOR, needsReason: true } },
  closed: {},
  dismissed: {},
};

interface TransitionRequest {
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
export function checkTransition(
  from: CaseStatus,
  role: Role,
  request: TransitionRequest,
  context: { hasSite: boolean; now: Date },
): void {
  const rule = CASE_TRANSITIONS[from][request.to];
  if (!rule) {
    const allowed = nextStatuses(from);
    throw new ConflictError(
      `a ${from} case cannot become ${request.to}${allowed.length ? `; it can become ${allowed.join(' or ')}` : '; it is final'}`,
      { status: from, allowed },
    );
  }
  if (!rule.roles.includes(role))
    throw new ForbiddenError(`only a ${rule.roles.join(' or ')} may move a case to ${request.to}`);
  const problems: Array<{ field: string; message: string }> = [];
  if (rule.needsSite && !context.hasSite)
    problems.push({ field: 'site', message: 'the case has no liable site yet: assign one before notifying' });
  if (rule.needsDueAt) {
    if (!request.dueAt)
      problems.push({ field: 'dueAt', message: `a rectification deadline is required to move to ${request.to}` });
    else if (request.dueAt.getTime() <= context.now.getTime())
      problems.push({ field: 'dueAt', message: 'the rectification deadline must be in the future' });
  } else if (request.dueAt) {
    problems.push({ field: 'dueAt', message: `a deadline is only set when moving to rectification_due` });
  }
  if (rule.needsEvidence && request.attachmentCount === 0 && !request.note?.trim()) {
    problems.push({
      field: 'attachmentIds',
      message: "record the enterprise's evidence of rectification: attach its files or describe it in the note",
    });
  }
  if (rule.needsReason) {
    if (!request.reason) problems.push({ field: 'reason', message: 'a dismissal needs a reason' });
    else if (request.reason === 'other' && !request.note?.trim())
      problems.push({ field: 'note', message: 'say why in the note when the reason is "other"' });
  } else if (request.reason) {
    problems.push({ field: 'reason', message: 'a reason is only given when dismissing' });
  }
  if (!rule.needsEvidence && request.attachmentCount > 0)
    problems.push({ field: 'attachmentIds', message: 'attachments are recorded with the rectified step' });
  if (problems.length > 0)
    throw new UnprocessableError(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
}

/** A transition as a regulator asks for it: the attachments it names are files already on the case. */
type CaseTransitionRequest = Omit<TransitionRequest, 'attachmentCount'> & { attachmentIds: readonly string[] };

/** What a case row becomes on a transition; a deadline and a dismissal reason change only with their step. */
interface TransitionChanges {
  status: CaseStatus;
  updatedAt: Date;
  dueAt?: Date | null;
  dismissalReason?: DismissalReason | null;
}

/**
 * Decides a transition: every attachment named must be among the case's own files (`found`, the
 * ids of those that are), then the lifecycle decides (checkTransition). Returns the changes to store.
 */
export function decideTransition(
  current: { status: CaseStatus; siteId: string | null },
  role: Role,
  request: CaseTransitionRequest,
  found: readonly string[],
  now: Date,
): TransitionChanges {
  const unknown = request.attachmentIds.filter((id) => !found.includes(id));
  if (unknown.length)
    throw new UnprocessableError(
      `attachments ${unknown.join(', ')} do not belong to this case; upload them to it first`,
      { field: 'attachmentIds', unknown },
    );
  checkTransition(
    current.status,
    role,
    { ...request, attachmentCount: found.length },
    { hasSite: current.siteId !== null, now },
  );
  return {
    status: request.to,
    updatedAt: now,
    ...(request.to === 'rectification_due' ? { dueAt: request.dueAt ?? null } : {}),
    ...(request.to === 'dismissed' ? { dismissalReason: request.reason ?? null } : {}),
  };
}

/** Once the enterprise may have been told which site is liable, that site stays. */
export function checkSiteAssignable(status: CaseStatus): void {
  if (status !== 'filed')
    throw new ConflictError(`the site of a ${status} case cannot change: the enterprise may already have been told`, {
      status,
    });
}

/** A closed or dismissed case is the record as it ended: nothing more is attached to it. */
export function checkAcceptsAttachments(caseId: string, status: CaseStatus): void {
  if (FINAL_STATUSES.has(status))
    throw new ConflictError(`case ${caseId} is ${status}: nothing more is attached to it`, { status });
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
export function joinsExistingCase(
  existing: { status: CaseStatus; siteId: string | null } | undefined,
  siteId: string | null,
): boolean {
  return existing !== undefined && siteId !== null && existing.siteId === siteId && existing.status === 'filed';
}

const SEVERITY_ORDER = { major: 0, general: 1 } as const satisfies Record<Severity, number>;

/** The gravest of two severities. */
export function graver(a: Severity, b: Severity): Severity {
  return SEVERITY_ORDER[a] <= SEVERITY_ORDER[b] ? a : b;
}

/** The case fields a confirmed finding decides, whether it opens the case or joins it. */
interface CaseFields {
  severity: Severity;
  hazardCodes: string[];
  findingsCount: number;
  lat: number | null;
  lon: number | null;
  updatedAt: Date;
}

export interface NewCase extends CaseFields {
  organisationId: string;
  regionCode: string;
  siteId: string | null;
  flightId: string;
  status: 'filed';
  openedByUser: string;
  createdAt: Date;
}

interface ConfirmedFinding {
  organisationId: string;
  regionCode: string;
  siteId: string | null;
  flightId: string;
  lat: number | null;
  lon: number | null;
}

type CasePlacement = { kind: 'join'; caseId: string; changes: CaseFields } | { kind: 'open'; values: NewCase };

/**
 * Where a confirmed finding goes (joinsExistingCase) and what that case becomes: a joined case takes
 * the graver severity, every hazard once (sorted), one more finding, and the first known position.
 */
export function placeConfirmedFinding(
  open:
    | {
        id: string;
        status: CaseStatus;
        siteId: string | null;
        severity: Severity;
        hazardCodes: readonly string[];
        findingsCount: number;
        lat: number | null;
        lon: number | null;
      }
    | undefined,
  finding: ConfirmedFinding,
  hazard: { hazardCode: string; severity: Severity },
  openedByUser: string,
  now: Date,
): CasePlacement {
  if (open && joinsExistingCase(open, finding.siteId)) {
    return {
      kind: 'join',
      caseId: open.id,
      changes: {
        severity: graver(open.severity, hazard.severity),
        hazardCodes: [...new Set([...open.hazardCodes, hazard.hazardCode])].sort(),
        findingsCount: open.findingsCount + 1,
        lat: open.lat ?? finding.lat,
        lon: open.lon ?? finding.lon,
        updatedAt: now,
      },
    };
  }
  return {
    kind: 'open',
    values: {
      organisationId: finding.organisationId,
      regionCode: finding.regionCode,
      siteId: finding.siteId,
      flightId: finding.flightId,
      status: 'filed',
      severity: hazard.severity,
      hazardCodes: [hazard.hazardCode],
      findingsCount: 1,
      lat: finding.lat,
      lon: finding.lon,
      openedByUser,
      createdAt: now,
      updatedAt: now,
    },
  };
}

/** The number people quote: HS-000123. */
export function caseReference(number: number): string {
  return `HS-${String(number).padStart(6, '0')}`;
}

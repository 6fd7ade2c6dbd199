import { describe, expect, it } from 'vitest';
import {
  CASE_STATUSES,
  CASE_TRANSITIONS,
  type CaseStatus,
  checkAcceptsAttachments,
  checkSiteAssignable,
  checkTransition,
  decideTransition,
  graver,
  isOverdue,
  joinsExistingCase,
  nextStatuses,
  placeConfirmedFinding,
} from './cases.js';
import { ConflictError, ForbiddenError, UnprocessableError } from './errors.js';
import { checkNotHeldByAnother, checkSeparationOfDuties, leaseState } from './review.js';
import { inScope, narrowRegion } from './scope.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const LATER = new Date('2026-12-15T10:00:00Z');
const ctx = { hasSite: true, now: NOW };

describe('case lifecycle', () => {
  it('when a case walks the whole way, then every step is allowed with what it needs', () => {
    const steps: Array<[CaseStatus, CaseStatus, object]> = [
      ['filed', 'notified', {}],
      ['notified', 'rectification_due', { dueAt: LATER }],
      ['rectification_due', 'rectified', { attachmentCount: 1 }],
      ['rectified', 'verified', {}],
      ['verified', 'closed', {}],
    ];
    for (const [from, to, extra] of steps)
      expect(() => checkTransition(from, 'regulator', { to, attachmentCount: 0, ...extra }, ctx)).not.toThrow();
  });

  it('when a step skips ahead or leaves a final status, then it is a conflict naming what is allowed', () => {
    expect(() => checkTransition('filed', 'regulator', { to: 'closed', attachmentCount: 0 }, ctx)).toThrow(
      /can become notified or dismissed/,
    );
    for (const final of ['closed', 'dismissed'] as const) {
      expect(nextStatuses(final)).toEqual([]);
      expect(() => checkTransition(final, 'regulator', { to: 'filed', attachmentCount: 0 }, ctx)).toThrow(
        ConflictError,
      );
    }
  });

  it('when someone other than a regulator moves a case, then it is forbidden', () => {
    for (const role of ['reviewer', 'operator', 'admin'] as const)
      expect(() => checkTransition('filed', role, { to: 'notified', attachmentCount: 0 }, ctx)).toThrow(ForbiddenError);
  });

  it('when a required field is missing, then every missing one is named', () => {
    expect(() =>
      checkTransition('notified', 'regulator', { to: 'rectification_due', attachmentCount: 0 }, ctx),
    ).toThrow(/deadline is required/);
    expect(() =>
      checkTransition(
        'notified',
        'regulator',
        { to: 'rectification_due', dueAt: new Date(NOW.getTime() - 1), attachmentCount: 0 },
        ctx,
      ),
    ).toThrow(/in the future/);
    expect(() =>
      checkTransition('rectification_due', 'regulator', { to: 'rectified', attachmentCount: 0 }, ctx),
    ).toThrow(/evidence of rectification/);
    expect(() =>
      checkTransition(
        'rectification_due',
        'regulator',
        { to: 'rectified', attachmentCount: 0, note: 'photos shown on site, rail installed' },
        ctx,
      ),
    ).not.toThrow();
    expect(() =>
      checkTransition('filed', 'regulator', { to: 'notified', attachmentCount: 0 }, { hasSite: false, now: NOW }),
    ).toThrow(/no liable site/);
    try {
      checkTransition(
        'verified',
        'regulator',
        { to: 'dismissed', reason: 'other', dueAt: LATER, attachmentCount: 2 },
        ctx,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      const fields = ((error as UnprocessableError).detail!.problems as Array<{ field: string }>).map((p) => p.field);
      expect(fields.sort()).toEqual(['attachmentIds', 'dueAt', 'note']);
    }
  });

  it('when a rectification does not hold, then the case goes back to rectification due with a new deadline', () => {
    expect(nextStatuses('rectified')).toContain('rectification_due');
    expect(() =>
      checkTransition('rectified', 'regulator', { to: 'rectification_due', dueAt: LATER, attachmentCount: 0 }, ctx),
    ).not.toThrow();
  });

  it('when the lifecycle is listed, then every open status can be dismissed and every status has an entry', () => {
    for (const s of CASE_STATUSES) expect(CASE_TRANSITIONS[s]).toBeDefined();
    for (const s of ['filed', 'notified', 'rectification_due', 'rectified', 'verified'] as const)
      expect(nextStatuses(s)).toContain('dismissed');
  });

  it('when rectification is due and the deadline passed, then the case is overdue; not before, and not in other statuses', () => {
    expect(isOverdue('rectification_due', new Date(NOW.getTime() - 1000), NOW)).toBe(true);
    expect(isOverdue('rectification_due', LATER, NOW)).toBe(false);
    expect(isOverdue('rectified', new Date(NOW.getTime() - 1000), NOW)).toBe(false);
  });

  it('when a finding is confirmed, then it joins the site case only while that is filed and for the same site', () => {
    expect(joinsExistingCase({ status: 'filed', siteId: 's1' }, 's1')).toBe(true);
    expect(joinsExistingCase({ status: 'notified', siteId: 's1' }, 's1')).toBe(false);
    expect(joinsExistingCase({ status: 'filed', siteId: 's1' }, null)).toBe(false);
    expect(joinsExistingCase(undefined, 's1')).toBe(false);
    expect(graver('general', 'major')).toBe('major');
    expect(graver('general', 'general')).toBe('general');
  });
});

describe('leases and separation of duties', () => {
  const lease = { userId: 'alice', holder: 'Alice', expiresAt: new Date(NOW.getTime() + 60_000) };

  it('when another reviewer holds an unexpired lease, then it is theirs; expired, it is free', () => {
    expect(leaseState(lease, 'bob', NOW)).toEqual({ kind: 'other', holder: 'Alice', expiresAt: lease.expiresAt });
    expect(leaseState(lease, 'alice', NOW).kind).toBe('mine');
    expect(leaseState(lease, 'bob', new Date(NOW.getTime() + 60_000)).kind).toBe('free');
    expect(() => checkNotHeldByAnother(lease, 'bob', NOW)).toThrow(/Alice has this finding open/);
    expect(() => checkNotHeldByAnother(lease, 'alice', NOW)).not.toThrow();
  });

  it('when the reviewer flew the flight or uploaded to it, then they may not decide it', () => {
    expect(() => checkSeparationOfDuties('alice', ['bob', 'alice'])).toThrow(ForbiddenError);
    expect(() => checkSeparationOfDuties('carol', ['bob', 'alice'])).not.toThrow();
  });
});

describe('organisation and region scope', () => {
  const scope = { organisationId: 'org-a', regionPrefix: '4101' };

  it('when an object is of another organisation or outside the region, then it is out of scope', () => {
    expect(inScope(scope, { organisationId: 'org-a', regionCode: '410105' })).toBe(true);
    expect(inScope(scope, { organisationId: 'org-a', regionCode: '4101' })).toBe(true);
    expect(inScope(scope, { organisationId: 'org-a', regionCode: '41' })).toBe(false);
    expect(inScope(scope, { organisationId: 'org-a', regionCode: '410205' })).toBe(false);
    expect(inScope(scope, { organisationId: 'org-b', regionCode: '410105' })).toBe(false);
    expect(
      inScope({ organisationId: 'org-a', regionPrefix: '' }, { organisationId: 'org-a', regionCode: '110101' }),
    ).toBe(true);
  });

  it('when a list asks for a region, then the narrower of it and the caller’s applies, and disjoint regions give nothing', () => {
    expect(narrowRegion(scope, undefined)).toBe('4101');
    expect(narrowRegion(scope, '410105')).toBe('410105');
    expect(narrowRegion(scope, '41')).toBe('4101');
    expect(narrowRegion(scope, '4102')).toBeNull();
  });
});

/**
 * The lifecycle as a table: for each status, what a regulator may do to a case in it. Everything not
 * listed is a conflict. Each transition is asked with the fields its step needs, so only the status
 * and the role decide.
 */
const REGULATOR_MAY: Record<CaseStatus, readonly CaseAction[]> = {
  filed: ['notified', 'dismissed', 'assign site', 'attach'],
  notified: ['rectification_due', 'dismissed', 'attach'],
  rectification_due: ['rectified', 'dismissed', 'attach'],
  rectified: ['verified', 'rectification_due', 'dismissed', 'attach'],
  verified: ['closed', 'dismissed', 'attach'],
  closed: [],
  dismissed: [],
};

type CaseAction = CaseStatus | 'assign site' | 'attach';
const ACTIONS: readonly CaseAction[] = [...CASE_STATUSES, 'assign site', 'attach'];
const ROLES = ['regulator', 'reviewer', 'operator', 'admin'] as const;
type Outcome = 'allowed' | 'conflict' | 'forbidden';

/** The fields each step needs, so that a refusal is the lifecycle's and not a missing field's. */
function completeRequest(to: CaseStatus, attachmentIds: readonly string[] = []) {
  return {
    to,
    attachmentIds,
    ...(to === 'rectification_due' ? { dueAt: LATER } : {}),
    ...(to === 'rectified' ? { note: 'the rail was shown repaired on site' } : {}),
    ...(to === 'dismissed' ? { reason: 'duplicate' as const } : {}),
  };
}

function attempt(status: CaseStatus, action: CaseAction, role: (typeof ROLES)[number]): Outcome {
  try {
    if (action === 'assign site') checkSiteAssignable(status);
    else if (action === 'attach') checkAcceptsAttachments('c1', status);
    else decideTransition({ status, siteId: 's1' }, role, completeRequest(action), [], NOW);
    return 'allowed';
  } catch (error) {
    if (error instanceof ConflictError) return 'conflict';
    if (error instanceof ForbiddenError) return 'forbidden';
    throw error;
  }
}

describe('case lifecycle table (status × action × role)', () => {
  // Site assignment and attachments are the regulator's by route (authorization.test.ts); the
  // domain decides only by status, so their rows do not vary with the role.
  const rows = CASE_STATUSES.flatMap((status) =>
    ACTIONS.flatMap((action) =>
      ROLES.map((role) => {
        const allowed = REGULATOR_MAY[status].includes(action);
        const byRole = action === 'assign site' || action === 'attach' || role === 'regulator';
        const outcome: Outcome = !allowed ? 'conflict' : byRole ? 'allowed' : 'forbidden';
        const ask =
          action === 'assign site'
            ? `assign the site of a ${status} case`
            : action === 'attach'
              ? `attach a file to a ${status} case`
              : `move a ${status} case to ${action}`;
        const name = `when ${/^[ao]/.test(role) ? 'an' : 'a'} ${role} asks to ${ask}, then it is ${outcome === 'allowed' ? 'allowed' : outcome === 'conflict' ? 'a conflict' : 'forbidden'}`;
        return [name, { status, action, role, outcome }] as const;
      }),
    ),
  );

  it.each(rows)('%s', (_name, { status, action, role, outcome }) => {
    expect(attempt(status, action, role)).toBe(outcome);
  });
});

describe('deciding a transition', () => {
  it('when the attachments named are not all the case’s own, then it is unprocessable before the lifecycle is asked', () => {
    try {
      decideTransition(
        { status: 'closed', siteId: 's1' },
        'regulator',
        completeRequest('rectified', ['a1', 'a2']),
        ['a1'],
        NOW,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).detail).toEqual({ field: 'attachmentIds', unknown: ['a2'] });
    }
  });

  it.each([
    { to: 'notified' as const, changes: { status: 'notified', updatedAt: NOW } },
    { to: 'rectification_due' as const, changes: { status: 'rectification_due', updatedAt: NOW, dueAt: LATER } },
    { to: 'dismissed' as const, changes: { status: 'dismissed', updatedAt: NOW, dismissalReason: 'duplicate' } },
  ])('when a case moves to $to, then only the status, the time and that step’s own field change', ({ to, changes }) => {
    const from = { notified: 'filed', rectification_due: 'notified', dismissed: 'verified' } as const;
    expect(decideTransition({ status: from[to], siteId: 's1' }, 'regulator', completeRequest(to), [], NOW)).toEqual(
      changes,
    );
  });

  it('when the evidence of rectification is attached files, then the files found count, not the ids asked for', () => {
    const request = { to: 'rectified' as const, attachmentIds: ['a1', 'a1'] };
    expect(() =>
      decideTransition({ status: 'rectification_due', siteId: 's1' }, 'regulator', request, ['a1'], NOW),
    ).not.toThrow();
    expect(() =>
      decideTransition(
        { status: 'rectification_due', siteId: 's1' },
        'regulator',
        { ...request, attachmentIds: [] },
        [],
        NOW,
      ),
    ).toThrow(/evidence of rectification/);
  });
});

describe('placing a confirmed finding', () => {
  const finding = { organisationId: 'o1', regionCode: '410105', siteId: 's1', flightId: 'f1', lat: 34.7, lon: 113.6 };
  const open = {
    id: 'c1',
    status: 'filed' as CaseStatus,
    siteId: 's1',
    severity: 'general' as const,
    hazardCodes: ['unguarded_edge'],
    findingsCount: 1,
    lat: null,
    lon: null,
  };
  const fire = { hazardCode: 'open_fire', severity: 'major' as const };

  it.each([
    { when: 'the site’s case for the flight is filed', open, siteId: 's1', then: 'join' },
    {
      when: 'the site’s case was notified',
      open: { ...open, status: 'notified' as const },
      siteId: 's1',
      then: 'open',
    },
    { when: 'there is no case yet', open: undefined, siteId: 's1', then: 'open' },
    { when: 'the finding lies in no site', open, siteId: null, then: 'open' },
  ])('when $when, then the finding goes to $then a case', ({ open, siteId, then }) => {
    expect(placeConfirmedFinding(open, { ...finding, siteId }, fire, 'u1', NOW).kind).toBe(then);
  });

  it('when a finding joins a case, then the case takes the graver severity, each hazard once in order, one more finding and the first known position', () => {
    expect(placeConfirmedFinding(open, finding, fire, 'u1', NOW)).toEqual({
      kind: 'join',
      caseId: 'c1',
      changes: {
        severity: 'major',
        hazardCodes: ['open_fire', 'unguarded_edge'],
        findingsCount: 2,
        lat: 34.7,
        lon: 113.6,
        updatedAt: NOW,
      },
    });
    const placed = { ...open, severity: 'major' as const, hazardCodes: ['open_fire'], lat: 1, lon: 2 };
    expect(
      placeConfirmedFinding(placed, finding, { hazardCode: 'open_fire', severity: 'general' }, 'u1', NOW),
    ).toMatchObject({ changes: { severity: 'major', hazardCodes: ['open_fire'], lat: 1, lon: 2 } });
  });

  it('when a finding opens a case, then the case is filed with the finding’s place, organisation, hazard and reviewer', () => {
    expect(placeConfirmedFinding(undefined, finding, fire, 'u1', NOW)).toEqual({
      kind: 'open',
      values: {
        ...finding,
        status: 'filed',
        severity: 'major',
        hazardCodes: ['open_fire'],
        findingsCount: 1,
        openedByUser: 'u1',
        createdAt: NOW,
        updatedAt: NOW,
      },
    });
  });
});

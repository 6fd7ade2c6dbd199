import { describe, expect, it } from 'vitest';
import { CASE_STATUSES, CASE_TRANSITIONS, type CaseStatus, checkTransition, graver, isOverdue, joinsExistingCase, nextStatuses } from './cases.js';
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
    for (const [from, to, extra] of steps) expect(() => checkTransition(from, 'regulator', { to, attachmentCount: 0, ...extra }, ctx)).not.toThrow();
  });

  it('when a step skips ahead or leaves a final status, then it is a conflict naming what is allowed', () => {
    expect(() => checkTransition('filed', 'regulator', { to: 'closed', attachmentCount: 0 }, ctx)).toThrow(/can become notified or dismissed/);
    for (const final of ['closed', 'dismissed'] as const) {
      expect(nextStatuses(final)).toEqual([]);
      expect(() => checkTransition(final, 'regulator', { to: 'filed', attachmentCount: 0 }, ctx)).toThrow(ConflictError);
    }
  });

  it('when someone other than a regulator moves a case, then it is forbidden', () => {
    for (const role of ['reviewer', 'operator', 'admin'] as const) expect(() => checkTransition('filed', role, { to: 'notified', attachmentCount: 0 }, ctx)).toThrow(ForbiddenError);
  });

  it('when a required field is missing, then every missing one is named', () => {
    expect(() => checkTransition('notified', 'regulator', { to: 'rectification_due', attachmentCount: 0 }, ctx)).toThrow(/deadline is required/);
    expect(() => checkTransition('notified', 'regulator', { to: 'rectification_due', dueAt: new Date(NOW.getTime() - 1), attachmentCount: 0 }, ctx)).toThrow(/in the future/);
    expect(() => checkTransition('rectification_due', 'regulator', { to: 'rectified', attachmentCount: 0 }, ctx)).toThrow(/evidence of rectification/);
    expect(() => checkTransition('rectification_due', 'regulator', { to: 'rectified', attachmentCount: 0, note: 'photos shown on site, rail installed' }, ctx)).not.toThrow();
    expect(() => checkTransition('filed', 'regulator', { to: 'notified', attachmentCount: 0 }, { hasSite: false, now: NOW })).toThrow(/no liable site/);
    try {
      checkTransition('verified', 'regulator', { to: 'dismissed', reason: 'other', dueAt: LATER, attachmentCount: 2 }, ctx);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      const fields = ((error as UnprocessableError).detail!.problems as Array<{ field: string }>).map((p) => p.field);
      expect(fields.sort()).toEqual(['attachmentIds', 'dueAt', 'note']);
    }
  });

  it('when a rectification does not hold, then the case goes back to rectification due with a new deadline', () => {
    expect(nextStatuses('rectified')).toContain('rectification_due');
    expect(() => checkTransition('rectified', 'regulator', { to: 'rectification_due', dueAt: LATER, attachmentCount: 0 }, ctx)).not.toThrow();
  });

  it('when the lifecycle is listed, then every open status can be dismissed and every status has an entry', () => {
    for (const s of CASE_STATUSES) expect(CASE_TRANSITIONS[s]).toBeDefined();
    for (const s of ['filed', 'notified', 'rectification_due', 'rectified', 'verified'] as const) expect(nextStatuses(s)).toContain('dismissed');
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
    expect(inScope({ organisationId: 'org-a', regionPrefix: '' }, { organisationId: 'org-a', regionCode: '110101' })).toBe(true);
  });

  it('when a list asks for a region, then the narrower of it and the caller’s applies, and disjoint regions give nothing', () => {
    expect(narrowRegion(scope, undefined)).toBe('4101');
    expect(narrowRegion(scope, '410105')).toBe('410105');
    expect(narrowRegion(scope, '41')).toBe('4101');
    expect(narrowRegion(scope, '4102')).toBeNull();
  });
});

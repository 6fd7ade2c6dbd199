import { describe, expect, it } from 'vitest';
import type { CaseStatus } from './cases.js';
import { ConflictError, ForbiddenError, UnprocessableError } from './errors.js';
import { caseAfterFindingsChange, planRevision, type RevisionInput, type RevisionPlan } from './revisions.js';
import type { Decision, FindingStatus } from './review.js';
import type { Role } from './roles.js';

const DECIDER = 'user-decider';
const OTHER = 'user-other';
const CLASSES = ['fire', 'smoke', 'drum'];

function input(
  status: FindingStatus,
  caseStatus: CaseStatus | null,
  role: Role,
  userId: string,
  decision: Decision,
  label?: string,
): RevisionInput {
  return {
    status,
    currentClass: status === 'relabelled' ? 'smoke' : 'fire',
    detectedClass: 'fire',
    caseNow: caseStatus ? { number: 12, status: caseStatus } : null,
    actor: { role, userId },
    deciderUserId: DECIDER,
    request: { decision, label, reason: 'second look at the photo' },
    knownClasses: CLASSES,
  };
}

type Outcome = Pick<RevisionPlan, 'toStatus' | 'caseAction'> | typeof ForbiddenError | typeof ConflictError;

// state × case × role × action → outcome
const table: Array<[string, RevisionInput, Outcome]> = [
  // Who may revise
  [
    'an admin rejects a confirmed finding in a filed case',
    input('confirmed', 'filed', 'admin', OTHER, 'reject'),
    { toStatus: 'rejected', caseAction: 'leave' },
  ],
  [
    'its own reviewer rejects a confirmed finding in a filed case',
    input('confirmed', 'filed', 'reviewer', DECIDER, 'reject'),
    { toStatus: 'rejected', caseAction: 'leave' },
  ],
  [
    'another reviewer rejects a confirmed finding',
    input('confirmed', 'filed', 'reviewer', OTHER, 'reject'),
    ForbiddenError,
  ],
  [
    'a regulator rejects a confirmed finding',
    input('confirmed', 'filed', 'regulator', DECIDER, 'reject'),
    ForbiddenError,
  ],
  ['an operator rejects a confirmed finding', input('confirmed', 'filed', 'operator', OTHER, 'reject'), ForbiddenError],
  [
    'another reviewer revises a finding that is not decided',
    input('pending', null, 'reviewer', OTHER, 'confirm'),
    ForbiddenError,
  ],
  // confirm → reject under the lifecycle
  [
    'an admin rejects a confirmed finding in a notified case',
    input('confirmed', 'notified', 'admin', OTHER, 'reject'),
    ConflictError,
  ],
  [
    'an admin rejects a confirmed finding in a rectification_due case',
    input('confirmed', 'rectification_due', 'admin', OTHER, 'reject'),
    ConflictError,
  ],
  [
    'an admin rejects a confirmed finding in a dismissed case',
    input('confirmed', 'dismissed', 'admin', OTHER, 'reject'),
    ConflictError,
  ],
  [
    'an admin rejects a confirmed finding in no case',
    input('confirmed', null, 'admin', OTHER, 'reject'),
    { toStatus: 'rejected', caseAction: 'none' },
  ],
  [
    'an admin rejects a relabelled finding in a filed case',
    input('relabelled', 'filed', 'admin', OTHER, 'reject'),
    { toStatus: 'rejected', caseAction: 'leave' },
  ],
  // reject → confirm or relabel: placed as a fresh confirmation
  [
    'an admin confirms a rejected finding',
    input('rejected', null, 'admin', OTHER, 'confirm'),
    { toStatus: 'confirmed', caseAction: 'place' },
  ],
  [
    'its own reviewer relabels a rejected finding',
    input('rejected', null, 'reviewer', DECIDER, 'relabel', 'drum'),
    { toStatus: 'relabelled', caseAction: 'place' },
  ],
  // Changing the hazard
  [
    'an admin relabels a confirmed finding in a filed case',
    input('confirmed', 'filed', 'admin', OTHER, 'relabel', 'smoke'),
    { toStatus: 'relabelled', caseAction: 'relabel' },
  ],
  [
    'an admin confirms a relabelled finding in a filed case',
    input('relabelled', 'filed', 'admin', OTHER, 'confirm'),
    { toStatus: 'confirmed', caseAction: 'relabel' },
  ],
  [
    'an admin relabels a confirmed finding in a verified case',
    input('confirmed', 'verified', 'admin', OTHER, 'relabel', 'smoke'),
    ConflictError,
  ],
  [
    'an admin relabels a relabelled finding to another class in a filed case',
    input('relabelled', 'filed', 'admin', OTHER, 'relabel', 'drum'),
    { toStatus: 'relabelled', caseAction: 'relabel' },
  ],
  // Nothing to revise
  ['an admin revises a finding that is not decided', input('pending', null, 'admin', OTHER, 'confirm'), ConflictError],
  ['an admin confirms a confirmed finding', input('confirmed', 'filed', 'admin', OTHER, 'confirm'), ConflictError],
  ['an admin rejects a rejected finding', input('rejected', null, 'admin', OTHER, 'reject'), ConflictError],
  [
    'an admin relabels a relabelled finding to its own class',
    input('relabelled', 'filed', 'admin', OTHER, 'relabel', 'smoke'),
    ConflictError,
  ],
];

describe('revising a decision', () => {
  it.each(table)('when %s, then the outcome is as listed', (_name, given, outcome) => {
    if (typeof outcome === 'function') {
      expect(() => planRevision(given)).toThrow(outcome);
    } else {
      expect(planRevision(given)).toMatchObject(outcome);
    }
  });

  const invalid: Array<[string, Partial<RevisionInput['request']>, string]> = [
    ['the reason is blank', { decision: 'reject', reason: '   ' }, 'reason'],
    ['a relabel names no class', { decision: 'relabel', label: undefined }, 'label'],
    ['a relabel names an unknown class', { decision: 'relabel', label: 'unicorn' }, 'label'],
    ['a rejection names a class', { decision: 'reject', label: 'smoke' }, 'label'],
    ['a relabel names the class the finding stands as', { decision: 'relabel', label: 'fire' }, 'label'],
  ];
  it.each(invalid)('when %s, then it is unprocessable naming the field', (_name, request, field) => {
    const given = input('confirmed', 'filed', 'admin', OTHER, 'reject');
    given.request = { ...given.request, ...request };
    expect(() => planRevision(given)).toThrow(UnprocessableError);
    expect(() => planRevision(given)).toThrow(field);
  });

  it('when the case was notified, then the refusal names the case and says the enterprise was told', () => {
    expect(() => planRevision(input('confirmed', 'notified', 'admin', OTHER, 'reject'))).toThrow(
      /HS-000012 is already notified: the enterprise was notified/,
    );
  });

  it('when a confirmation is revised to a relabel, then the classes before and after are given', () => {
    expect(planRevision(input('confirmed', 'filed', 'admin', OTHER, 'relabel', 'drum'))).toEqual({
      toStatus: 'relabelled',
      toClass: 'drum',
      fromClass: 'fire',
      caseAction: 'relabel',
    });
  });
});

describe('a case after its findings change', () => {
  const now = new Date('2026-12-06T00:00:00Z');
  const table: Array<[string, Array<{ hazardCode: string; severity: string }>, object]> = [
    ['no finding is left', [], { findingsCount: 0, hazardCodes: [], dismiss: true, severity: 'major' }],
    [
      'general findings of two hazards are left',
      [
        { hazardCode: 'B', severity: 'general' },
        { hazardCode: 'A', severity: 'general' },
        { hazardCode: 'B', severity: 'general' },
      ],
      { findingsCount: 3, hazardCodes: ['A', 'B'], dismiss: false, severity: 'general' },
    ],
    [
      'a major finding is among those left',
      [
        { hazardCode: 'A', severity: 'general' },
        { hazardCode: 'C', severity: 'major' },
      ],
      { findingsCount: 2, hazardCodes: ['A', 'C'], dismiss: false, severity: 'major' },
    ],
  ];
  it.each(table)('when %s, then the case is recounted', (_name, remaining, expected) => {
    expect(caseAfterFindingsChange({ severity: 'major' }, remaining, now)).toMatchObject({
      ...expected,
      updatedAt: now,
    });
  });
});

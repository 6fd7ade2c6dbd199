import { describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError } from './errors.js';
import {
  type DecisionRequest,
  decisionEffects,
  type DetectionState,
  type RecordedReview,
  reviewVerdict,
} from './review.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const CLASSES = [
  { name: 'fire', hazardCode: 'open_fire', severity: 'major' as const },
  { name: 'smoke', hazardCode: 'open_fire', severity: 'major' as const },
  { name: 'no_helmet', hazardCode: 'no_hard_hat', severity: 'general' as const },
];

const CONFIRM: DecisionRequest = { decision: 'confirm' };
const REJECT: DecisionRequest = { decision: 'reject', reason: 'false_positive' };
const RELABEL: DecisionRequest = { decision: 'relabel', newClass: 'smoke' };
const ACTIONS = { confirm: CONFIRM, reject: REJECT, relabel: RELABEL } as const;

/** What was recorded on the best view before: nothing, or a decision by alice (r1). */
const BEFORE: Record<string, { state: DetectionState; existing: RecordedReview | undefined }> = {
  'an undecided flagged view': { state: 'flagged', existing: undefined },
  'a view below the threshold': { state: 'below_threshold', existing: undefined },
  'a view alice confirmed': { state: 'confirmed', existing: { decision: 'confirm', newClass: null, reviewerId: 'r1' } },
  'a view alice rejected': { state: 'rejected', existing: { decision: 'reject', newClass: null, reviewerId: 'r1' } },
  'a view alice relabelled as smoke': {
    state: 'relabelled',
    existing: { decision: 'relabel', newClass: 'smoke', reviewerId: 'r1' },
  },
};

const FREE = { userId: null, holder: null, expiresAt: null };
const HELD_BY_BOB = { userId: 'r2', holder: 'Bob', expiresAt: new Date(NOW.getTime() + 60_000) };
const LEASES = { free: FREE, 'held by bob': HELD_BY_BOB } as const;

type Outcome = 'record' | 'already-recorded' | 'conflict';

/**
 * state before × action × who decides (alice r1 or bob r2) × lease → outcome. A repeat of one's own
 * decision is a no-op even under another's lease; anything else after a decision is a conflict.
 */
const TABLE: ReadonlyArray<[keyof typeof BEFORE, keyof typeof ACTIONS, 'alice' | 'bob', keyof typeof LEASES, Outcome]> =
  [
    ['an undecided flagged view', 'confirm', 'alice', 'free', 'record'],
    ['an undecided flagged view', 'reject', 'alice', 'free', 'record'],
    ['an undecided flagged view', 'relabel', 'alice', 'free', 'record'],
    ['an undecided flagged view', 'confirm', 'bob', 'held by bob', 'record'],
    ['an undecided flagged view', 'confirm', 'alice', 'held by bob', 'conflict'],
    ['an undecided flagged view', 'reject', 'alice', 'held by bob', 'conflict'],
    ['a view below the threshold', 'confirm', 'alice', 'free', 'conflict'],
    ['a view below the threshold', 'reject', 'alice', 'free', 'conflict'],
    ['a view alice confirmed', 'confirm', 'alice', 'free', 'already-recorded'],
    ['a view alice confirmed', 'confirm', 'alice', 'held by bob', 'already-recorded'],
    ['a view alice confirmed', 'reject', 'alice', 'free', 'conflict'],
    ['a view alice confirmed', 'relabel', 'alice', 'free', 'conflict'],
    ['a view alice confirmed', 'confirm', 'bob', 'free', 'conflict'],
    ['a view alice rejected', 'reject', 'alice', 'free', 'already-recorded'],
    ['a view alice rejected', 'confirm', 'alice', 'free', 'conflict'],
    ['a view alice rejected', 'reject', 'bob', 'free', 'conflict'],
    ['a view alice relabelled as smoke', 'relabel', 'alice', 'free', 'already-recorded'],
    ['a view alice relabelled as smoke', 'confirm', 'alice', 'free', 'conflict'],
    ['a view alice relabelled as smoke', 'relabel', 'bob', 'free', 'conflict'],
  ];

function verdict(
  before: keyof typeof BEFORE,
  action: keyof typeof ACTIONS,
  who: 'alice' | 'bob',
  lease: keyof typeof LEASES,
): Outcome {
  try {
    return reviewVerdict({
      ...BEFORE[before]!,
      reviewerId: who === 'alice' ? 'r1' : 'r2',
      request: ACTIONS[action],
      knownClasses: CLASSES.map((c) => c.name),
      currentClass: 'fire',
      lease: LEASES[lease],
      now: NOW,
    });
  } catch (error) {
    if (error instanceof ConflictError) return 'conflict';
    throw error;
  }
}

describe('review verdicts (state × action × reviewer × lease)', () => {
  const then = {
    record: 'it is recorded',
    'already-recorded': 'it was already recorded (a retry)',
    conflict: 'it is a conflict',
  } as const;
  it.each(
    TABLE.map(
      (row) =>
        [
          `when ${row[2]} asks to ${row[1]} ${row[0]} while the finding is ${row[3]}, then ${then[row[4]]}`,
          row,
        ] as const,
    ),
  )('%s', (_name, [before, action, who, lease, outcome]) => {
    expect(verdict(before, action, who, lease)).toBe(outcome);
  });

  it('when the request itself is malformed, then it is unprocessable whatever the state', () => {
    for (const before of Object.keys(BEFORE)) {
      for (const request of [
        { decision: 'reject' },
        { decision: 'relabel' },
        { decision: 'relabel', newClass: 'fire' },
        { decision: 'confirm', reason: 'duplicate' },
      ] as DecisionRequest[]) {
        expect(() =>
          reviewVerdict({
            ...BEFORE[before]!,
            reviewerId: 'r1',
            request,
            knownClasses: CLASSES.map((c) => c.name),
            currentClass: 'fire',
            lease: HELD_BY_BOB,
            now: NOW,
          }),
        ).toThrow(UnprocessableError);
      }
    }
  });
});

describe('what a recorded decision changes', () => {
  const best = { id: 'd1', className: 'fire', hazardCode: 'open_fire', severity: 'major' as const };
  const views = [
    { id: 'd1', state: 'flagged' },
    { id: 'd2', state: 'flagged' },
    { id: 'd3', state: 'rejected' },
    { id: 'd4', state: 'below_threshold' },
  ];

  it.each([
    [
      'when a finding is confirmed, then it and its waiting views become confirmed and the case carries the class detected',
      {
        request: CONFIRM,
        state: 'confirmed',
        forCase: { className: 'fire', hazardCode: 'open_fire', severity: 'major' },
      },
    ],
    [
      'when a finding is relabelled, then it and its waiting views become relabelled and the case carries the new class’s hazard',
      {
        request: { decision: 'relabel', newClass: 'no_helmet' },
        state: 'relabelled',
        forCase: { className: 'no_helmet', hazardCode: 'no_hard_hat', severity: 'general' },
      },
    ],
    [
      'when a finding is rejected, then it and its waiting views become rejected and no case is touched',
      { request: REJECT, state: 'rejected', forCase: undefined },
    ],
  ] as const)('%s', (_name, { request, state, forCase }) => {
    expect(decisionEffects(request, best, views, CLASSES)).toEqual({ state, decidedViews: ['d1', 'd2'], forCase });
  });

  it('when a confirmed finding’s class now maps to another hazard, then the case keeps the hazard it was detected as', () => {
    const detectedAs = { ...best, hazardCode: 'smoke_plume', severity: 'general' as const };
    expect(decisionEffects(CONFIRM, detectedAs, [], CLASSES).forCase).toEqual({
      className: 'fire',
      hazardCode: 'smoke_plume',
      severity: 'general',
    });
  });

  it('when the best view is not among the views listed, then it is still decided first', () => {
    expect(decisionEffects(CONFIRM, best, [{ id: 'd2', state: 'flagged' }], CLASSES).decidedViews).toEqual([
      'd1',
      'd2',
    ]);
  });
});

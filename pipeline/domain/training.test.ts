import { describe, expect, it } from 'vitest';
import type { RejectReason } from './review.js';
import {
  decidedWithin,
  labelOfDetection,
  labelOfMissedHazard,
  type ReviewedDetection,
  splitOf,
  type TrainingLabel,
  unitHash,
  withinClasses,
} from './training.js';

describe('training labels from reviewer decisions', () => {
  const detection = (state: ReviewedDetection['state'], extra: Partial<ReviewedDetection> = {}): ReviewedDetection => ({
    state,
    className: 'fire',
    newClass: null,
    reason: null,
    ...extra,
  });
  const cases: Array<[string, ReviewedDetection, TrainingLabel['kind'], string | undefined]> = [
    ['confirmed', detection('confirmed'), 'positive', 'fire'],
    ['relabelled to smoke', detection('relabelled', { newClass: 'smoke' }), 'positive', 'smoke'],
    ['relabelled with the new class lost', detection('relabelled'), 'unknown', undefined],
    ['rejected as a false alarm', detection('rejected', { reason: 'false_positive' }), 'negative', undefined],
    ['rejected as real but not a violation', detection('rejected', { reason: 'not_a_violation' }), 'positive', 'fire'],
    ['rejected as a duplicate of another finding', detection('rejected', { reason: 'duplicate' }), 'positive', 'fire'],
    ['rejected as outside the bureau’s scope', detection('rejected', { reason: 'outside_scope' }), 'positive', 'fire'],
    ['rejected because the photo is unclear', detection('rejected', { reason: 'unclear_image' }), 'unknown', undefined],
    ['rejected for another reason', detection('rejected', { reason: 'other' }), 'unknown', undefined],
    ['rejected with no reason recorded (before reasons existed)', detection('rejected'), 'unknown', undefined],
    ['flagged and still waiting for a reviewer', detection('flagged'), 'unknown', undefined],
    ['below its class threshold', detection('below_threshold'), 'none', undefined],
  ];
  it.each(cases)('when a detection is %s, then it is a %s label', (_what, d, kind, className) => {
    const label = labelOfDetection(d);
    expect(label.kind).toBe(kind);
    expect(label.kind === 'positive' ? label.className : undefined).toBe(className);
  });

  it('when every reject reason is looked up, then each has a label (a new reason cannot slip through unlabelled)', () => {
    const reasons: RejectReason[] = [
      'false_positive',
      'not_a_violation',
      'duplicate',
      'unclear_image',
      'outside_scope',
      'other',
    ];
    for (const reason of reasons)
      expect(['positive', 'negative', 'unknown']).toContain(labelOfDetection(detection('rejected', { reason })).kind);
  });

  it('when a reviewer marks a missed hazard, then it is a positive of the class they chose', () => {
    expect(labelOfMissedHazard({ className: 'no_helmet' })).toEqual({ kind: 'positive', className: 'no_helmet' });
  });

  it('when a positive names a class the export does not hold, then it becomes an unknown region; other labels are kept', () => {
    const names = ['fire', 'smoke'];
    expect(withinClasses({ kind: 'positive', className: 'smoke' }, names)).toEqual({
      kind: 'positive',
      className: 'smoke',
    });
    expect(withinClasses({ kind: 'positive', className: 'helmet' }, names).kind).toBe('unknown');
    expect(withinClasses({ kind: 'negative' }, names)).toEqual({ kind: 'negative' });
  });

  const since = new Date('2025-03-01T00:00:00Z');
  const until = new Date('2025-04-01T00:00:00Z');
  const windows: Array<[string, Date | null, Date | null, boolean]> = [
    ['at the start of the window', since, until, true],
    ['a millisecond before it', new Date(since.getTime() - 1), until, false],
    ['at its end (exclusive)', until, until, false],
    ['long after, with no end given', new Date('2030-01-01T00:00:00Z'), null, true],
    ['never (undecided)', null, null, false],
  ];
  it.each(windows)('when a decision falls %s, then it is in the window: %s', (_what, at, end, expected) => {
    expect(decidedWithin(at, since, end)).toBe(expected);
  });
});

describe('train / validation split by flight', () => {
  const flights = Array.from(
    { length: 2000 },
    (_, i) => `0000${i.toString(16)}-aaaa-4bbb-8ccc-${(1e11 + i * 7919).toString(16).padStart(12, '0')}`,
  );

  it('when the same flight is split twice, then it lands in the same split', () => {
    for (const f of flights.slice(0, 50)) expect(splitOf(f, 0.1)).toBe(splitOf(f, 0.1));
  });

  it('when many flights are split at 10%, then about a tenth go to validation', () => {
    const val = flights.filter((f) => splitOf(f, 0.1) === 'val').length / flights.length;
    expect(val).toBeGreaterThan(0.07);
    expect(val).toBeLessThan(0.13);
  });

  it('when the validation fraction grows, then flights only move from train to val, never back', () => {
    for (const f of flights) if (splitOf(f, 0.1) === 'val') expect(splitOf(f, 0.2)).toBe('val');
  });

  it('when the fraction is 0 or 1, then every flight goes to train or to val', () => {
    expect(flights.every((f) => splitOf(f, 0) === 'train')).toBe(true);
    expect(flights.every((f) => splitOf(f, 1) === 'val')).toBe(true);
    expect(flights.every((f) => unitHash(f) >= 0 && unitHash(f) < 1)).toBe(true);
  });
});

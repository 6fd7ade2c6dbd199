import { describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError } from './errors.js';
import { contentAddressedKey, decodeEventKey, parseObjectKey } from './images.js';
import { checkDecision } from './review.js';

const FLIGHT = '0f8fad5b-d9cb-469f-a165-70867728950e';
const SHA = 'a'.repeat(64);
const CLASSES = ['fire', 'smoke', 'no_helmet'];

describe('object keys', () => {
  it('when a key is content-addressed, then the flight and the declared sha256 are read back', () => {
    expect(parseObjectKey(contentAddressedKey(FLIGHT, SHA))).toEqual({ flightId: FLIGHT, declaredSha256: SHA });
  });

  it('when a key has another file name, then only the flight is known', () => {
    expect(parseObjectKey(`flights/${FLIGHT}/DJI 0001.JPG`)).toEqual({ flightId: FLIGHT, declaredSha256: undefined });
  });

  it('when a key is outside flights/<uuid>/, then it belongs to no flight', () => {
    for (const key of ['other/x.jpg', `flights/${FLIGHT}/`, 'flights/not-a-uuid/x.jpg', `flights/${FLIGHT}`])
      expect(parseObjectKey(key)).toBeUndefined();
  });

  it('when an S3 event key is URL-encoded with + for spaces, then it decodes to the stored key', () => {
    expect(decodeEventKey(`flights/${FLIGHT}/DJI+0001+%28copy%29%2B1.JPG`)).toBe(
      `flights/${FLIGHT}/DJI 0001 (copy)+1.JPG`,
    );
  });
});

describe('review decisions', () => {
  it('when a flagged detection is confirmed for the first time, then the decision is recorded', () => {
    expect(checkDecision('flagged', undefined, 'r1', { decision: 'confirm' }, CLASSES, 'fire')).toBe('record');
  });

  it('when the same reviewer repeats the same decision, then it is a no-op', () => {
    expect(
      checkDecision(
        'confirmed',
        { decision: 'confirm', newClass: null, reviewerId: 'r1' },
        'r1',
        { decision: 'confirm' },
        CLASSES,
        'fire',
      ),
    ).toBe('already-recorded');
  });

  it('when another reviewer decides an already decided detection, then it is a conflict', () => {
    expect(() =>
      checkDecision(
        'confirmed',
        { decision: 'confirm', newClass: null, reviewerId: 'r1' },
        'r2',
        { decision: 'confirm' },
        CLASSES,
        'fire',
      ),
    ).toThrow(ConflictError);
  });

  it('when the decision changes, then it is a conflict', () => {
    expect(() =>
      checkDecision(
        'confirmed',
        { decision: 'confirm', newClass: null, reviewerId: 'r1' },
        'r1',
        { decision: 'reject', reason: 'false_positive' },
        CLASSES,
        'fire',
      ),
    ).toThrow(ConflictError);
  });

  it('when a rejection gives no reason, or "other" without a note, then it is refused; a reason elsewhere is refused too', () => {
    expect(() => checkDecision('flagged', undefined, 'r1', { decision: 'reject' }, CLASSES, 'fire')).toThrow(
      /needs a reason/,
    );
    expect(() =>
      checkDecision('flagged', undefined, 'r1', { decision: 'reject', reason: 'other' }, CLASSES, 'fire'),
    ).toThrow(/note/);
    expect(
      checkDecision(
        'flagged',
        undefined,
        'r1',
        { decision: 'reject', reason: 'other', note: 'a parked tanker, not drums' },
        CLASSES,
        'fire',
      ),
    ).toBe('record');
    expect(() =>
      checkDecision('flagged', undefined, 'r1', { decision: 'confirm', reason: 'duplicate' }, CLASSES, 'fire'),
    ).toThrow(UnprocessableError);
  });

  it('when a relabel names no class, an unknown class or the same class, then it is refused', () => {
    expect(() => checkDecision('flagged', undefined, 'r1', { decision: 'relabel' }, CLASSES, 'fire')).toThrow(
      UnprocessableError,
    );
    expect(() =>
      checkDecision('flagged', undefined, 'r1', { decision: 'relabel', newClass: 'dragon' }, CLASSES, 'fire'),
    ).toThrow(UnprocessableError);
    expect(() =>
      checkDecision('flagged', undefined, 'r1', { decision: 'relabel', newClass: 'fire' }, CLASSES, 'fire'),
    ).toThrow(UnprocessableError);
    expect(checkDecision('flagged', undefined, 'r1', { decision: 'relabel', newClass: 'smoke' }, CLASSES, 'fire')).toBe(
      'record',
    );
  });

  it('when a detection below threshold is decided, then it is refused: only flagged ones are reviewed', () => {
    expect(() => checkDecision('below_threshold', undefined, 'r1', { decision: 'confirm' }, CLASSES, 'fire')).toThrow(
      ConflictError,
    );
  });
});

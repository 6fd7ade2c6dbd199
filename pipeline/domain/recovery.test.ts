import { describe, expect, it } from 'vitest';
import {
  failureKindOfJob,
  type ImageForRecovery,
  type JobForRecovery,
  planRecovery,
  type RecoveryPolicy,
  stalledTooOften,
} from './recovery.js';

const now = new Date('2026-12-05T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const policy: RecoveryPolicy = { graceMs: 60_000, maxAttempts: 3, backoffMs: 30_000 };

const image = (over: Partial<ImageForRecovery> = {}): ImageForRecovery => ({
  status: 'queued',
  failureKind: null,
  recoveryAttempts: 0,
  createdAt: ago(10 * 60_000),
  failedAt: null,
  lastRecoveryAt: null,
  ...over,
});
const job = (over: Partial<JobForRecovery> = {}): JobForRecovery => ({
  state: 'waiting',
  failedReason: undefined,
  attemptsMade: 0,
  attempts: 5,
  finishedOn: undefined,
  ...over,
});
const exhausted = job({
  state: 'failed',
  attemptsMade: 5,
  failedReason: 'connect ECONNREFUSED',
  finishedOn: ago(60_000),
});

describe('planRecovery', () => {
  const cases: Array<[string, ImageForRecovery, JobForRecovery | undefined, string]> = [
    ['a queued photo with a waiting job', image(), job(), 'none'],
    ['a processing photo with an active job', image({ status: 'processing' }), job({ state: 'active' }), 'none'],
    ['a queued photo with a delayed retry', image(), job({ state: 'delayed' }), 'none'],
    ['a queued photo whose job was lost', image(), undefined, 'add'],
    [
      'a just-registered photo with no job yet',
      image({ status: 'registered', createdAt: ago(5_000) }),
      undefined,
      'none',
    ],
    ['a photo re-added moments ago', image({ lastRecoveryAt: ago(10_000) }), undefined, 'none'],
    ['a photo whose job completed without storing results', image(), job({ state: 'completed' }), 'retry'],
    ['a queued photo whose job used up its attempts in an outage', image(), exhausted, 'retry'],
    ['the same, failed moments ago (backoff not over)', image(), { ...exhausted, finishedOn: ago(1_000) }, 'none'],
    [
      'a queued photo whose job was stopped as unreadable',
      image(),
      job({ state: 'failed', attemptsMade: 1, failedReason: 'not a decodable image' }),
      'record-failure',
    ],
    ['a queued photo out of automatic retries', image({ recoveryAttempts: 3 }), exhausted, 'record-failure'],
    [
      'a photo that failed for a passing reason, backoff over',
      image({ status: 'failed', failureKind: 'transient', failedAt: ago(60_000) }),
      exhausted,
      'retry',
    ],
    [
      'the same with its job lost',
      image({ status: 'failed', failureKind: 'transient', failedAt: ago(60_000) }),
      undefined,
      'retry',
    ],
    [
      'the second retry waits twice as long',
      image({ status: 'failed', failureKind: 'transient', failedAt: ago(45_000), recoveryAttempts: 1 }),
      exhausted,
      'none',
    ],
    [
      'a transient failure out of retries (a person decides)',
      image({ status: 'failed', failureKind: 'transient', failedAt: ago(3_600_000), recoveryAttempts: 3 }),
      exhausted,
      'none',
    ],
    [
      'a permanent failure',
      image({ status: 'failed', failureKind: 'permanent', failedAt: ago(3_600_000) }),
      job({ state: 'failed', attemptsMade: 1 }),
      'none',
    ],
    ['a processed photo whose job is gone', image({ status: 'processed' }), undefined, 'none'],
    ['a duplicate photo', image({ status: 'duplicate' }), undefined, 'none'],
  ];
  it.each(cases)('when %s, then the action is %s', (_name, img, j, expected) => {
    expect(planRecovery(img, j, now, policy).kind).toBe(expected);
  });

  it('when a failure is recorded late, then it keeps the kind the job failed with and says why', () => {
    const action = planRecovery(image({ recoveryAttempts: 3 }), exhausted, now, policy);
    expect(action).toEqual({
      kind: 'record-failure',
      failureKind: 'transient',
      reason: 'connect ECONNREFUSED (gave up after 3 automatic retries)',
    });
  });
});

describe('failureKindOfJob', () => {
  it.each([
    [{ attemptsMade: 1, attempts: 5, failedReason: 'content sha256 does not match' }, 'permanent'],
    [{ attemptsMade: 5, attempts: 5, failedReason: 'ECONNREFUSED' }, 'transient'],
    [{ attemptsMade: 1, attempts: 5, failedReason: 'job stalled more than allowable limit' }, 'transient'],
  ] as const)('when a job failed as %j, then the failure is %s', (j, expected) => {
    expect(failureKindOfJob(j)).toBe(expected);
  });
});

describe('stalledTooOften', () => {
  it.each([
    ['job stalled more than allowable limit', true],
    ['not a decodable image: truncated', false],
    [undefined, false],
  ] as const)('when BullMQ failed a job with %j, then it stalled too often: %s', (reason, expected) => {
    expect(stalledTooOften(reason)).toBe(expected);
  });
});

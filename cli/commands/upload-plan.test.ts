import { describe, expect, it } from 'vitest';
import { regionExtent } from '../../pipeline/domain/regions.js';
import {
  chooseFlight,
  classifyStatus,
  type FlightChoice,
  formatSummary,
  holdsEvery,
  parseRetryAfter,
  type PhotoResult,
  photoAction,
  positionWarning,
  type RemoteFlight,
  retryDelayMs,
  summarise,
  type Verdict,
} from './upload-plan.js';

const flight = (id: string, name: string, status = 'open'): RemoteFlight => ({ id, name, status });

describe('choosing the flight to upload into', () => {
  const cases: Array<[string, RemoteFlight[], FlightChoice]> = [
    ['no flight has the name', [flight('a', 'Other')], { kind: 'create' }],
    ['an open flight has the name', [flight('a', 'Other'), flight('b', 'Survey')], { kind: 'resume', flightId: 'b' }],
    [
      'the newest flight of the name is open and an older one completed',
      [flight('new', 'Survey'), flight('old', 'Survey', 'completed')],
      { kind: 'resume', flightId: 'new' },
    ],
    [
      'the newest flight of the name is completed',
      [flight('done', 'Survey', 'completed'), flight('older', 'Survey')],
      { kind: 'check-completed', flightId: 'done' },
    ],
    ['only a name differing in case', [flight('a', 'survey')], { kind: 'create' }],
  ];
  it.each(cases)('when %s, then %o', (_what, flights, expected) => {
    expect(chooseFlight(flights, 'Survey')).toEqual(expected);
  });

  it('when a completed flight holds every local photo, then it is the same upload; when one is missing, it is not', () => {
    expect(holdsEvery(new Set(['a', 'b', 'c']), ['a', 'c'])).toBe(true);
    expect(holdsEvery(new Set(['a', 'b']), ['a', 'z'])).toBe(false);
  });
});

describe('what to do with each photo', () => {
  it('when photos are hashed in turn, then bytes in the flight are skipped, a second copy is a duplicate, the rest are sent', () => {
    const inFlight = new Set(['old']);
    const claimed = new Set<string>();
    expect(['old', 'new', 'new', 'other'].map((sha) => photoAction(sha, inFlight, claimed))).toEqual([
      'in-flight',
      'upload',
      'duplicate',
      'upload',
    ]);
  });
});

describe('what a server answer means', () => {
  const cases: Array<[number, Verdict]> = [
    [200, 'ok'],
    [201, 'ok'],
    [400, 'reject'],
    [413, 'reject'],
    [415, 'reject'],
    [422, 'reject'],
    [401, 'fatal'],
    [403, 'fatal'],
    [404, 'fatal'],
    [409, 'fatal'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ];
  it.each(cases)('when the server answers %i, then the upload is %s', (status, verdict) => {
    expect(classifyStatus(status)).toBe(verdict);
  });
});

describe('waiting before a retry', () => {
  const policy = { retries: 5, baseMs: 500, capMs: 30_000 };
  const cases: Array<[string, number, number, number | undefined, number]> = [
    ['the first retry at the top of its jitter', 1, 1, undefined, 500],
    ['the third retry at the top of its jitter', 3, 1, undefined, 2000],
    ['the third retry at half its jitter', 3, 0.5, undefined, 1000],
    ['a late retry, capped', 12, 1, undefined, 30_000],
    ['no jitter drawn, but the server asked for 5 s', 2, 0, 5000, 5000],
    ['the server asked for an hour', 2, 0, 3_600_000, 30_000],
  ];
  it.each(cases)('when %s, then it waits %s…', (_what, attempt, random, retryAfter, expected) => {
    expect(retryDelayMs(attempt, policy, () => random, retryAfter)).toBe(expected);
  });

  it('when Retry-After is seconds, a date or nonsense, then it is read as milliseconds or ignored', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('warnings about a photo position', () => {
  const henan = { ...regionExtent('4101')!, code: '4101' };
  it.each([
    ['a position inside the region', { latitude: 34.81, longitude: 113.77 }, undefined],
    ['no GPS', {}, 'no GPS position'],
    ['unreadable metadata', { error: 'metadata unreadable: bad' }, 'no GPS position (metadata unreadable: bad)'],
    ['a position in Shanghai', { latitude: 31.23, longitude: 121.47 }, 'outside Henan (region 4101)'],
  ] as const)('when a photo has %s, then the warning is %s', (_what, capture, expected) => {
    const warning = positionWarning(capture, henan);
    if (expected === undefined) expect(warning).toBeUndefined();
    else expect(warning).toContain(expected);
  });
});

describe('the summary', () => {
  const results: PhotoResult[] = [
    { file: 'a.jpg', bytes: 2e6, outcome: 'uploaded' },
    { file: 'b.jpg', bytes: 2e6, outcome: 'uploaded' },
    { file: 'c.jpg', bytes: 1e6, outcome: 'skipped', reason: 'already in the flight' },
    { file: 'd.jpg', bytes: 10, outcome: 'rejected', reason: 'upload d.jpg answered 415: not a JPEG' },
  ];

  it('when a photo was rejected, then the flight is left open, the reason listed and the exit code 1', () => {
    const s = summarise(results, { id: 'f1', completed: false }, 2);
    expect(s).toMatchObject({
      uploaded: 2,
      skipped: 1,
      rejected: [{ file: 'd.jpg', reason: 'upload d.jpg answered 415: not a JPEG' }],
      uploadedBytes: 4e6,
      photosPerSecond: 1,
      megabytesPerSecond: 2,
      exitCode: 1,
    });
    const text = formatSummary(s);
    expect(text).toContain('left open');
    expect(text).toContain('d.jpg: upload d.jpg answered 415: not a JPEG');
    expect(text).toContain('Remove or fix the rejected photos');
  });

  it('when every photo reached a completed flight, then the exit code is 0', () => {
    const s = summarise(results.slice(0, 3), { id: 'f1', completed: true }, 2);
    expect(s.exitCode).toBe(0);
    expect(formatSummary(s)).toContain('Flight f1: completed');
  });

  it('when a photo failed after its retries, then the exit code is 1 and running again is suggested', () => {
    const s = summarise(
      [...results.slice(0, 1), { file: 'e.jpg', bytes: 1, outcome: 'failed', reason: 'ECONNREFUSED' }],
      { id: 'f1', completed: false },
      1,
    );
    expect(s.exitCode).toBe(1);
    expect(formatSummary(s)).toContain('Run the same command again');
  });
});

import { describe, expect, it } from 'vitest';
import {
  captureInstant,
  duplicateOriginal,
  placeInRecurrence,
  type RecurrenceCandidate,
  recurrenceGateM,
  type RegionBoundary,
  regionVerdict,
  type SameBytes,
} from './ingest-rules.js';

// A square around the demo flight in Zhengzhou with a hole in its north-east corner, and a second
// polygon further east.
const BOUNDARY: RegionBoundary = {
  type: 'MultiPolygon',
  coordinates: [
    [
      [
        [113.7, 34.7],
        [113.9, 34.7],
        [113.9, 34.9],
        [113.7, 34.9],
        [113.7, 34.7],
      ],
      [
        [113.85, 34.85],
        [113.89, 34.85],
        [113.89, 34.89],
        [113.85, 34.89],
      ],
    ],
    [
      [
        [114.5, 34.7],
        [114.6, 34.7],
        [114.6, 34.8],
        [114.5, 34.8],
      ],
    ],
  ],
};

describe('whether a photo lies in the bureau’s region', () => {
  it.each([
    ['inside the boundary', 34.812, 113.773, '4101', BOUNDARY, { verdict: 'inside', by: 'boundary' }],
    ['in a hole of the boundary', 34.87, 113.87, '4101', BOUNDARY, { verdict: 'outside_region', by: 'boundary' }],
    ['in the second polygon', 34.75, 114.55, '4101', BOUNDARY, { verdict: 'inside', by: 'boundary' }],
    ['between the polygons', 34.75, 114.2, '4101', BOUNDARY, { verdict: 'outside_region', by: 'boundary' }],
    ['in Shanghai, against a boundary', 31.23, 121.47, '4101', BOUNDARY, { verdict: 'outside_region', by: 'boundary' }],
    ['in Henan, no boundary, a Henan city', 34.812, 113.773, '4101', null, { verdict: 'inside', by: 'province' }],
    [
      'in Shanghai, no boundary, a Henan city',
      31.23,
      121.47,
      '4101',
      null,
      { verdict: 'outside_region', by: 'province' },
    ],
    [
      'at 0°, 0° (no fix), no boundary, the whole country',
      0,
      0,
      '',
      null,
      { verdict: 'outside_region', by: 'province' },
    ],
    [
      'in Germany, no boundary, the whole country',
      52.52,
      13.4,
      '',
      null,
      { verdict: 'outside_region', by: 'province' },
    ],
    [
      'anywhere, no boundary, a code of no known province',
      52.52,
      13.4,
      '99',
      null,
      { verdict: 'inside', by: 'unchecked' },
    ],
    ['without a latitude', undefined, 113.773, '4101', BOUNDARY, { verdict: 'no_gps' }],
    ['without any position', undefined, undefined, '', null, { verdict: 'no_gps' }],
  ] as const)(
    'when a photo is taken %s, then it is judged so',
    (_what, latitude, longitude, regionCode, regionBoundary, expected) => {
      expect(regionVerdict({ latitude, longitude }, { regionCode, regionBoundary })).toEqual(expected);
    },
  );
});

describe('which photo a copy of the same bytes links to', () => {
  const copy = (imageId: string, flightId: string, status: string, processedAt?: string): SameBytes => ({
    imageId,
    flightId,
    status,
    processedAt: processedAt ? new Date(processedAt) : null,
  });
  it.each([
    ['no other copy', [], undefined],
    ['a copy in the same flight only', [copy('a', 'F', 'processed', '2026-01-01')], undefined],
    ['a processed copy in another flight', [copy('a', 'G', 'processed', '2026-01-01')], 'a'],
    [
      'two processed copies: the first processed wins',
      [copy('b', 'H', 'processed', '2026-02-01'), copy('a', 'G', 'processed', '2026-01-01')],
      'a',
    ],
    ['a copy still queued', [copy('a', 'G', 'queued')], undefined],
    ['a failed or held copy', [copy('a', 'G', 'failed', '2026-01-01'), copy('b', 'H', 'held')], undefined],
    ['a copy that is itself a duplicate', [copy('a', 'G', 'duplicate', '2026-01-01')], undefined],
  ] as const)('when there is %s, then the link is as expected', (_what, copies, expected) => {
    expect(duplicateOriginal('F', copies)?.imageId).toBe(expected);
  });
});

describe('when a photo was taken', () => {
  const fallback = new Date('2026-05-01T00:00:00Z');
  it.each([
    ['a time with an offset', '2026-03-07T13:41:06+08:00', true, '2026-03-07T05:41:06.000Z'],
    ['a local time without an offset (read as UTC)', '2026-03-07T13:41:06', false, '2026-03-07T13:41:06.000Z'],
    ['no time', undefined, undefined, fallback.toISOString()],
    ['a time that does not parse', 'yesterday', false, fallback.toISOString()],
  ] as const)('when the photo has %s, then that instant is used', (_what, takenAt, hasOffset, expected) => {
    expect(captureInstant(takenAt, hasOffset, fallback).toISOString()).toBe(expected);
  });
});

describe('the distance within which two findings are the same place', () => {
  it.each([
    ['two RTK positions', 0.05, 0.05, 5],
    ['two positions without RTK (1.5 m each)', 1.5, 1.5, 3 * Math.hypot(1.5, 1.5)],
    ['two oblique views with large errors', 10, 12, 25],
    ['a position with no error recorded', null, 2, 3 * Math.hypot(2, 2)],
  ] as const)('when they are %s, then the gate is as justified', (_what, a, b, expected) => {
    expect(recurrenceGateM(a, b)).toBeCloseTo(expected, 9);
  });
});

describe('placing a finding among earlier and later sightings of its hazard', () => {
  const day = 24 * 3600 * 1000;
  const at = (d: string) => new Date(`2026-${d}T10:00:00Z`);
  const candidate = (
    id: string,
    captured: string,
    recurringOf: string | null = null,
    over: Partial<RecurrenceCandidate> = {},
  ): RecurrenceCandidate => ({
    id,
    capturedAt: at(captured),
    createdAt: new Date('2026-06-01T00:00:00Z'),
    recurringOf,
    distanceM: 1,
    errorM: 1.5,
    ...over,
  });
  const finding = (captured: string) => ({
    id: 'new',
    capturedAt: at(captured),
    createdAt: new Date('2026-06-02T00:00:00Z'),
    errorM: 1.5,
  });
  const rules = { windowMs: 90 * day };

  it.each([
    ['nothing near', [], { recurringOf: null, relink: [] }],
    ['an earlier sighting', [candidate('a', '03-01')], { recurringOf: 'a', relink: [] }],
    [
      'two earlier sightings: the latest before it is its predecessor',
      [candidate('a', '02-01'), candidate('b', '03-01', 'a')],
      { recurringOf: 'b', relink: [] },
    ],
    [
      'a later sighting processed first (its upload came sooner)',
      [candidate('c', '05-01')],
      { recurringOf: null, relink: [{ id: 'c', recurringOf: 'new' }] },
    ],
    [
      'sightings before and after, the later one linked to the earlier',
      [candidate('a', '03-01'), candidate('c', '05-01', 'a')],
      { recurringOf: 'a', relink: [{ id: 'c', recurringOf: 'new' }] },
    ],
    [
      'a later sighting that already points to one between them',
      [candidate('c', '05-01', 'x')],
      { recurringOf: null, relink: [] },
    ],
    [
      'a sighting beyond the gate',
      [candidate('a', '03-01', null, { distanceM: 12, errorM: 0.05 })],
      { recurringOf: null, relink: [] },
    ],
    ['a sighting outside the window', [candidate('a', '01-01')], { recurringOf: null, relink: [] }],
    [
      'a sighting taken at the same instant, processed earlier',
      [candidate('a', '04-15')],
      { recurringOf: 'a', relink: [] },
    ],
  ] as const)('when there is %s, then it links as expected', (_what, candidates, expected) => {
    expect(placeInRecurrence(finding('04-15'), candidates, rules)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type CaseListFilters,
  caseFilterQuery,
  caseFiltersFromHash,
  caseFiltersToHash,
  NO_CASE_FILTERS,
} from './case-filters.js';

const filters = (patch: Partial<CaseListFilters>): CaseListFilters => ({ ...NO_CASE_FILTERS, ...patch });

describe('the case list filters as an API query', () => {
  it.each<[string, Partial<CaseListFilters>, Record<string, string>]>([
    ['no filter', {}, {}],
    ['a reference in lower case', { reference: ' hs-000123 ' }, { reference: 'HS-000123' }],
    ['several statuses', { status: ['filed', 'notified'] }, { status: 'filed,notified' }],
    [
      'a flight and an enterprise with spaces around',
      { flight: '  east yard ', enterprise: '郑州 ' },
      { flight: 'east yard', enterprise: '郑州' },
    ],
    ['a blank flight name', { flight: '   ' }, {}],
    [
      'a hazard, a severity and overdue',
      { hazardCode: 'FALL-01', severity: 'major', overdue: true },
      { hazardCode: 'FALL-01', severity: 'major', overdue: 'true' },
    ],
    ['a whole region code', { region: '4101' }, { region: '4101' }],
    ['a half-typed region code', { region: '410' }, {}],
    [
      'a range of days',
      { from: '2026-03-01', to: '2026-03-31' },
      { from: new Date('2026-03-01T00:00:00').toISOString(), to: new Date('2026-03-31T23:59:59.999').toISOString() },
    ],
    ['a half-typed day', { from: '2026-03' }, {}],
    ['a sort order (the list adds it itself)', { sort: 'dueAt' }, {}],
  ])('when the filters are %s, then the query holds exactly those', (_, patch, expected) => {
    expect(Object.fromEntries(caseFilterQuery(filters(patch)))).toEqual(expected);
  });

  it('when a name is longer than the API takes, then it is cut to the limit', () => {
    expect(caseFilterQuery(filters({ enterprise: 'x'.repeat(300) })).get('enterprise')).toHaveLength(200);
  });
});

describe('the case list filters in the page address', () => {
  it.each<[string, Partial<CaseListFilters>, string]>([
    ['no filter', {}, ''],
    ['a flight name with spaces and &', { flight: 'north & east' }, 'flight=north+%26+east'],
    [
      'statuses, dates and a sort',
      { status: ['filed', 'closed'], from: '2026-01-01', to: '2026-02-01', sort: 'severity' },
      'status=filed%2Cclosed&from=2026-01-01&to=2026-02-01&sort=severity',
    ],
    ['overdue only', { overdue: true }, 'overdue=true'],
  ])('when the filters are %s, then the address holds only what differs from no filter', (_, patch, expected) => {
    expect(caseFiltersToHash(filters(patch))).toBe(expected);
  });

  it('when every filter is set, then reading the address back gives the same filters', () => {
    const all = filters({
      reference: 'HS-000007',
      status: ['notified', 'rectification_due'],
      hazardCode: 'FIRE-02',
      severity: 'general',
      region: '410105',
      flight: '东区 3号',
      enterprise: '91410100',
      overdue: true,
      from: '2026-01-01',
      to: '2026-12-31',
      sort: 'createdAt',
    });
    expect(caseFiltersFromHash(caseFiltersToHash(all))).toEqual(all);
  });

  it.each<[string, string, Partial<CaseListFilters>]>([
    ['an unknown status among known ones', 'status=filed,open,filed', { status: ['filed'] }],
    ['an unknown severity and sort', 'severity=huge&sort=random', {}],
    ['a region that is not a code prefix', 'region=41a', {}],
    ['dates that are not days', 'from=yesterday&to=2026-13', { to: '' }],
    ['overdue other than true', 'overdue=yes', {}],
    ['keys the page does not know', 'token=secret&limit=5', {}],
  ])('when a link holds %s, then those values are dropped', (_, hash, expected) => {
    expect(caseFiltersFromHash(hash)).toEqual(filters(expected));
  });
});

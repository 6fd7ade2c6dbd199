/**
 * The case list's filters as a regulator sets them, and the two strings they become: the API query
 * (the list, the summary and the exports all get the same one, so an export holds what the list
 * shows) and the part of the page's address after "#/cases?", so a view can be shared as a link.
 * Pure: the browser imports it.
 */
import { CASE_STATUSES, type CaseStatus } from './cases.js';

export const CASE_LIST_SORTS = ['-createdAt', 'createdAt', '-updatedAt', 'dueAt', 'severity'] as const;
type CaseListSort = (typeof CASE_LIST_SORTS)[number];

export interface CaseListFilters {
  reference: string;
  status: CaseStatus[];
  hazardCode: string;
  severity: '' | 'major' | 'general';
  /** A 2-, 4- or 6-digit region code prefix. */
  region: string;
  /** Part of the flight's name. */
  flight: string;
  /** Part of the liable site's name or credit code. */
  enterprise: string;
  overdue: boolean;
  /** Whole days, YYYY-MM-DD, in the viewer's time zone. */
  from: string;
  to: string;
  sort: CaseListSort;
}

export const NO_CASE_FILTERS: CaseListFilters = {
  reference: '',
  status: [],
  hazardCode: '',
  severity: '',
  region: '',
  flight: '',
  enterprise: '',
  overdue: false,
  from: '',
  to: '',
  sort: '-createdAt',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const REGION = /^\d{2}(\d{2}(\d{2})?)?$/;
const TEXT_MAX = 200;

/**
 * The API query for these filters (without sort, limit and cursor, which only the list takes).
 * A day becomes its first or last millisecond in the local time zone; half-typed values (a region
 * of three digits) are left out rather than sent to be refused.
 */
export function caseFilterQuery(f: CaseListFilters): URLSearchParams {
  const q = new URLSearchParams();
  const text = (key: string, value: string) => {
    const v = value.trim();
    if (v) q.set(key, v.slice(0, TEXT_MAX));
  };
  if (f.reference.trim()) q.set('reference', f.reference.trim().toUpperCase());
  if (f.status.length) q.set('status', f.status.join(','));
  if (f.hazardCode) q.set('hazardCode', f.hazardCode);
  if (f.severity) q.set('severity', f.severity);
  if (REGION.test(f.region)) q.set('region', f.region);
  text('flight', f.flight);
  text('enterprise', f.enterprise);
  if (f.overdue) q.set('overdue', 'true');
  if (DAY.test(f.from)) q.set('from', new Date(`${f.from}T00:00:00`).toISOString());
  if (DAY.test(f.to)) q.set('to', new Date(`${f.to}T23:59:59.999`).toISOString());
  return q;
}

/** The filters that differ from none, as "key=value&…" for the page's address (empty when none do). */
export function caseFiltersToHash(f: CaseListFilters): string {
  const q = new URLSearchParams();
  for (const key of Object.keys(NO_CASE_FILTERS) as Array<keyof CaseListFilters>) {
    const value = f[key];
    if (Array.isArray(value)) {
      if (value.length) q.set(key, value.join(','));
    } else if (typeof value === 'boolean') {
      if (value) q.set(key, 'true');
    } else if (value !== NO_CASE_FILTERS[key]) q.set(key, value);
  }
  return q.toString();
}

/**
 * Filters from a shared address's "key=value&…". A link may be old or edited by hand, so anything
 * that is not a valid value is dropped (the page then shows the filter empty) rather than failing.
 */
export function caseFiltersFromHash(params: string): CaseListFilters {
  const q = new URLSearchParams(params);
  const get = (key: string) => q.get(key)?.trim() ?? '';
  const pick = <T extends string>(value: string, allowed: readonly T[], otherwise: T): T =>
    (allowed as readonly string[]).includes(value) ? (value as T) : otherwise;
  const severity = get('severity');
  return {
    reference: get('reference').slice(0, 20),
    status: [
      ...new Set(
        get('status')
          .split(',')
          .map((s) => s.trim())
          .filter((s): s is CaseStatus => (CASE_STATUSES as readonly string[]).includes(s)),
      ),
    ],
    hazardCode: get('hazardCode').slice(0, 100),
    severity: severity === 'major' || severity === 'general' ? severity : '',
    region: REGION.test(get('region')) ? get('region') : '',
    flight: get('flight').slice(0, TEXT_MAX),
    enterprise: get('enterprise').slice(0, TEXT_MAX),
    overdue: get('overdue') === 'true',
    from: DAY.test(get('from')) ? get('from') : '',
    to: DAY.test(get('to')) ? get('to') : '',
    sort: pick(get('sort'), CASE_LIST_SORTS, NO_CASE_FILTERS.sort),
  };
}

import { useEffect, useRef, useState } from 'preact/hooks';
import {
  CASE_LIST_SORTS,
  type CaseListFilters,
  caseFilterQuery,
  caseFiltersFromHash,
  caseFiltersToHash,
  NO_CASE_FILTERS,
} from '../../../pipeline/domain/case-filters.js';
import { CASE_STATUSES, type CaseStatus } from '../../../pipeline/domain/cases.js';
import { HAZARD_LABELS } from '../../../pipeline/domain/labels.js';
import { api, download } from '../api.js';
import { useI18n } from '../i18n.js';
import { useShortcuts } from '../keys.js';
import { navigate } from '../router.js';
import type { CasePage, CaseSummary, Me } from '../api/types.js';
import { ErrorBox, errorText, Kbd, Loading, SeverityBadge, StatusBadge, useAsync } from '../ui.js';

const CASES_HASH = '#/cases';

/** The filters a shared link carries, if the address has any. */
function filtersInAddress(): CaseListFilters | undefined {
  const [path, params] = location.hash.split('?');
  return path === CASES_HASH && params !== undefined ? caseFiltersFromHash(params) : undefined;
}

// The filters outlive a visit to a case and back.
let remembered: CaseListFilters = NO_CASE_FILTERS;

export function CasesPage({ me }: { me: Me }) {
  const i = useI18n();
  const [filters, setFilters] = useState<CaseListFilters>(() => filtersInAddress() ?? remembered);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [selected, setSelected] = useState(0);
  const [exportError, setExportError] = useState<string>();
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => {
    remembered = filters;
    setCursors([null]);
    setSelected(0);
    // The address shows the filters, so the view can be shared; replaceState adds no history entry per keystroke.
    const params = caseFiltersToHash(filters);
    const hash = params ? `${CASES_HASH}?${params}` : CASES_HASH;
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
  }, [filters]);
  useEffect(() => {
    // A link pasted into the address bar while the list is open.
    const follow = () => {
      const linked = filtersInAddress();
      if (linked) setFilters(linked);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const cursor = cursors.at(-1) ?? null;
  const page = useAsync(() => {
    const q = caseFilterQuery(filters);
    q.set('sort', filters.sort);
    q.set('limit', '25');
    if (cursor) q.set('cursor', cursor);
    return api<CasePage>('GET', `/cases?${q}`);
  }, [filters, cursor]);
  const summary = useAsync(
    () => api<CaseSummary>('GET', `/cases/summary?${caseFilterQuery({ ...filters, status: [], overdue: false })}`),
    [filters],
  );
  const items = page.value?.items ?? [];
  const set = (patch: Partial<CaseListFilters>) => setFilters((f) => ({ ...f, ...patch }));

  useShortcuts((e) => {
    if (e.key === '/') return (search.current?.focus(), true);
    if (e.key === 'j' || e.key === 'ArrowDown') return (setSelected((n) => Math.min(items.length - 1, n + 1)), true);
    if (e.key === 'k' || e.key === 'ArrowUp') return (setSelected((n) => Math.max(0, n - 1)), true);
    if (e.key === 'Enter' && items[selected]) return (navigate(`#/cases/${items[selected].id}`), true);
    if (e.key === 'n' && page.value?.nextCursor) return (setCursors((c) => [...c, page.value!.nextCursor]), true);
    if (e.key === 'p' && cursors.length > 1) return (setCursors((c) => c.slice(0, -1)), true);
    return false;
  });

  const exportAs = async (format: 'csv' | 'geojson') => {
    setExportError(undefined);
    try {
      await download(`/cases/export.${format}?${caseFilterQuery(filters)}`, `cases.${format}`);
    } catch (error) {
      setExportError(errorText(error));
    }
  };
  const toggleStatus = (s: CaseStatus) =>
    set({ status: filters.status.includes(s) ? filters.status.filter((x) => x !== s) : [...filters.status, s] });
  const months = Object.entries(summary.value?.byMonth ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(-12);
  const peak = Math.max(1, ...months.map(([, n]) => n));

  return (
    <main class="cases">
      <header class="page-head">
        <h1>{i.t('cases.title')}</h1>
        <span class="spacer" />
        <button type="button" onClick={() => void exportAs('csv')}>
          {i.t('cases.exportCsv')}
        </button>
        <button type="button" onClick={() => void exportAs('geojson')}>
          {i.t('cases.exportGeojson')}
        </button>
      </header>
      {exportError && <p class="error-box">{exportError}</p>}
      <section class="summary" aria-label={i.t('cases.total')}>
        <div class="stat">
          <span class="n">{summary.value?.total ?? '—'}</span>
          <span>{i.t('cases.total')}</span>
        </div>
        <button
          type="button"
          class={`stat ${filters.overdue ? 'chosen' : ''} ${summary.value?.overdue ? 'alarm' : ''}`}
          onClick={() => set({ overdue: !filters.overdue })}
        >
          <span class="n">{summary.value?.overdue ?? '—'}</span>
          <span>{i.t('cases.overdue')}</span>
        </button>
        <div class="chips" role="group" aria-label={i.t('cases.status')}>
          {CASE_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              class={`chip status-${s} ${filters.status.includes(s) ? 'chosen' : ''}`}
              aria-pressed={filters.status.includes(s)}
              onClick={() => toggleStatus(s)}
            >
              {i.status(s)} <b>{summary.value?.byStatus[s] ?? 0}</b>
            </button>
          ))}
        </div>
        <div class="bars" aria-label={i.t('cases.byMonth')}>
          {months.map(([m, n]) => (
            <div key={m} class="bar" title={`${m}: ${n}`}>
              <span style={{ height: `${(n / peak) * 100}%` }} />
              <small>{m.slice(5)}</small>
            </div>
          ))}
        </div>
      </section>
      <form class="case-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>
            {i.t('cases.search')} <Kbd>/</Kbd>
          </span>
          <input
            ref={search}
            id="case-search"
            value={filters.reference}
            onChange={(e) => set({ reference: e.currentTarget.value })}
            // Enter searches and hands the keys back to the list, so the next Enter opens the case.
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === 'Escape') {
                set({ reference: e.currentTarget.value });
                e.currentTarget.blur();
              }
            }}
            placeholder="HS-000123"
          />
        </label>
        <label>
          {i.t('filter.hazard')}
          <select value={filters.hazardCode} onChange={(e) => set({ hazardCode: e.currentTarget.value })}>
            <option value="">{i.t('filter.allHazards')}</option>
            {Object.keys(HAZARD_LABELS).map((h) => (
              <option key={h} value={h}>
                {i.hazard(h)} ({summary.value?.byHazard[h] ?? 0})
              </option>
            ))}
          </select>
        </label>
        <label>
          {i.t('cases.flight')}
          <input
            id="case-flight-filter"
            value={filters.flight}
            maxLength={200}
            onChange={(e) => set({ flight: e.currentTarget.value })}
          />
        </label>
        <label>
          {i.t('cases.enterprise')}
          <input
            id="case-enterprise-filter"
            value={filters.enterprise}
            maxLength={200}
            placeholder={i.t('cases.enterpriseHint')}
            onChange={(e) => set({ enterprise: e.currentTarget.value })}
          />
        </label>
        <label>
          {i.t('filter.severity')}
          <select
            value={filters.severity}
            onChange={(e) => set({ severity: e.currentTarget.value as CaseListFilters['severity'] })}
          >
            <option value="">{i.t('common.all')}</option>
            <option value="major">{i.severity('major')}</option>
            <option value="general">{i.severity('general')}</option>
          </select>
        </label>
        <label>
          {i.t('cases.region')}
          <input
            value={filters.region}
            pattern="\d{2}(\d{2}(\d{2})?)?"
            placeholder={me.regionCode || '41'}
            size={8}
            onChange={(e) => set({ region: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          {i.t('cases.from')}
          <input type="date" value={filters.from} onChange={(e) => set({ from: e.currentTarget.value })} />
        </label>
        <label>
          {i.t('cases.to')}
          <input type="date" value={filters.to} onChange={(e) => set({ to: e.currentTarget.value })} />
        </label>
        <label>
          {i.t('cases.sort')}
          <select
            value={filters.sort}
            onChange={(e) => set({ sort: e.currentTarget.value as CaseListFilters['sort'] })}
          >
            {CASE_LIST_SORTS.map((s) => (
              <option key={s} value={s}>
                {i.t(`cases.sort.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          id="case-filters-clear"
          onClick={() => setFilters({ ...NO_CASE_FILTERS, sort: filters.sort })}
        >
          {i.t('cases.clearFilters')}
        </button>
      </form>
      {page.error ? <ErrorBox error={page.error} retry={page.reload} /> : null}
      {page.loading && !page.value ? <Loading /> : null}
      {page.value && !items.length ? <p class="empty">{i.t('cases.empty')}</p> : null}
      {items.length > 0 && (
        <table class="case-table">
          <thead>
            <tr>
              <th>{i.t('cases.col.reference')}</th>
              <th>{i.t('cases.col.site')}</th>
              <th>{i.t('cases.col.hazards')}</th>
              <th>{i.t('cases.col.severity')}</th>
              <th>{i.t('cases.col.status')}</th>
              <th>{i.t('cases.col.filed')}</th>
              <th>{i.t('cases.col.due')}</th>
              <th>{i.t('cases.col.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c, n) => (
              <tr
                key={c.id}
                class={`${n === selected ? 'selected' : ''} ${c.overdue ? 'is-overdue' : ''}`}
                aria-selected={n === selected}
                data-case={c.reference}
                onClick={() => navigate(`#/cases/${c.id}`)}
              >
                <td>
                  <a href={`#/cases/${c.id}`}>{c.reference}</a>
                </td>
                <td>{c.site?.name ?? <em>{i.t('case.noSite')}</em>}</td>
                <td>{c.hazardCodes.map((h) => i.hazard(h)).join('、')}</td>
                <td>
                  <SeverityBadge severity={c.severity} />
                </td>
                <td>
                  <StatusBadge status={c.status} overdue={c.overdue} />
                </td>
                <td>{i.date(c.createdAt)}</td>
                <td>{i.date(c.dueAt)}</td>
                <td>{i.dateTime(c.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {i.t('common.previous')} <Kbd>P</Kbd>
        </button>
        <button
          type="button"
          disabled={!page.value?.nextCursor}
          onClick={() => setCursors((c) => [...c, page.value!.nextCursor])}
        >
          {i.t('common.next')} <Kbd>N</Kbd>
        </button>
      </nav>
    </main>
  );
}

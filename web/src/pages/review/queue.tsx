import { useEffect, useRef } from 'preact/hooks';
import type { FlightPage, QueueItem, SitePage } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { ErrorBox, Loading, SeverityBadge } from '../../ui.js';
import type { Filters } from './state.js';
import type { ReviewQueue } from './use-review-queue.js';

/** The left column: the filters (with the counts under each), and the queue itself. */
export function QueuePanel({
  queue,
  flights,
  sites,
}: {
  queue: ReviewQueue;
  flights: FlightPage | undefined;
  sites: SitePage | undefined;
}) {
  const i = useI18n();
  const { filters, setFilter, counts, items, index, setIndex, next } = queue;
  const filtered = Object.values(filters).some(Boolean);
  return (
    <aside class="queue" aria-label={i.t('queue.title')}>
      <div class="filters">
        <label>
          {i.t('filter.flight')}
          <select
            id="filter-flight"
            value={filters.flightId}
            onChange={(e) => setFilter({ flightId: e.currentTarget.value })}
          >
            <option value="">{i.t('filter.allFlights')}</option>
            {flights?.items.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} · {i.date(f.createdAt)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {i.t('filter.site')}
          <select value={filters.siteId} onChange={(e) => setFilter({ siteId: e.currentTarget.value })}>
            <option value="">{i.t('filter.allSites')}</option>
            {sites?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {i.t('filter.hazard')}
          <select
            id="filter-hazard"
            value={filters.hazardCode}
            onChange={(e) => setFilter({ hazardCode: e.currentTarget.value })}
          >
            <option value="">{i.t('filter.allHazards')}</option>
            {(counts?.byHazard ?? []).map((h) => (
              <option key={h.hazardCode} value={h.hazardCode}>
                {i.hazard(h.hazardCode)} ({h.count})
              </option>
            ))}
          </select>
        </label>
        <div class="row">
          <label>
            {i.t('filter.severity')}
            <select
              value={filters.severity}
              onChange={(e) => setFilter({ severity: e.currentTarget.value as Filters['severity'] })}
            >
              <option value="">{i.t('common.all')}</option>
              <option value="major">
                {i.severity('major')} ({counts?.bySeverity.major ?? 0})
              </option>
              <option value="general">
                {i.severity('general')} ({counts?.bySeverity.general ?? 0})
              </option>
            </select>
          </label>
          <label>
            {i.t('filter.minScore')}
            <input
              type="number"
              min="0"
              max="1"
              step="0.05"
              value={filters.minScore}
              onChange={(e) => setFilter({ minScore: e.currentTarget.value })}
            />
          </label>
        </div>
      </div>
      <h2 class="queue-count">
        {i.t('queue.title')} · <span id="queue-total">{i.t('queue.count', { n: counts?.total ?? 0 })}</span>
        <button
          type="button"
          class="icon"
          title={i.t('queue.reload')}
          aria-label={i.t('queue.reload')}
          onClick={queue.reload}
        >
          ⟳
        </button>
      </h2>
      {queue.queueError ? <ErrorBox error={queue.queueError} retry={queue.reload} /> : null}
      {queue.loadingQueue && !items.length ? <Loading /> : null}
      {!queue.loadingQueue && !items.length && !queue.queueError ? (
        <p class="empty">{i.t(filtered ? 'queue.emptyFiltered' : 'queue.empty')}</p>
      ) : null}
      <ol class="items">
        {items.map((it, n) => (
          <QueueRow key={it.finding.id} item={it} active={n === index} onSelect={() => setIndex(n)} />
        ))}
      </ol>
      {next && (
        <button type="button" class="more" onClick={() => void queue.loadMore()}>
          {i.t('common.more')}
        </button>
      )}
    </aside>
  );
}

function QueueRow({ item, active, onSelect }: { item: QueueItem; active: boolean; onSelect: () => void }) {
  const i = useI18n();
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (active) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [active]);
  const f = item.finding;
  return (
    <li
      ref={ref}
      class={`item ${active ? 'active' : ''}`}
      aria-current={active ? 'true' : undefined}
      data-finding={f.id}
      onClick={onSelect}
    >
      <span class="cls">{i.className(f.className)}</span>
      <span class="score">{f.bestScore.toFixed(2)}</span>
      <span class="meta">
        <SeverityBadge severity={f.severity} /> {f.siteName ?? i.t('finding.noSite')} ·{' '}
        {i.t('finding.views', { n: f.viewCount })}
        {f.recurringOf ? ' · ↻' : ''}
      </span>
      {item.lease && !item.lease.mine && <span class="held">🔒 {item.lease.holder}</span>}
    </li>
  );
}

import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { REJECT_REASONS } from '../../../pipeline/domain/review.js';
import { api, ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { useShortcuts } from '../keys.js';
import type { Detection, Finding, Flight, Image, Me, ModelCard, QueueItem, QueuePage, Site } from '../types.js';
import { AuthImage, Dialog, ErrorBox, errorText, formatMetres, Kbd, Loading, SeverityBadge, Toasts, useAsync, useToasts } from '../ui.js';
import { MiniMap, siteRings } from './minimap.js';
import { type Box, PhotoViewer, type ViewerHandle } from './viewer.js';

/** How long a decision waits, undoable, before it is sent. */
export const UNDO_MS = 5000;
const LEASE_RENEW_MS = 30_000;
const PAGE = 50;

interface Filters {
  flightId: string;
  siteId: string;
  hazardCode: string;
  severity: '' | 'major' | 'general';
  minScore: string;
}

interface Decision {
  decision: 'confirm' | 'reject' | 'relabel';
  reason?: string;
  newClass?: string;
  note?: string;
}

interface Pending {
  item: QueueItem;
  index: number;
  body: Decision;
  timer: ReturnType<typeof setTimeout>;
  toast: number;
}

type Mode = { kind: 'browse' } | { kind: 'reject' } | { kind: 'relabel' } | { kind: 'draw'; box: Box } | { kind: 'missed-class'; box: Box };

const query = (f: Filters, cursor?: string | null, limit = PAGE) => {
  const p = new URLSearchParams({ limit: String(limit) });
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  if (cursor) p.set('cursor', cursor);
  return `/review/queue?${p}`;
};

/**
 * The reviewer workstation: the queue on the left, the finding's photo in the middle, its facts and
 * the decisions on the right. Keyboard first (press ? for the keys); every key has a button.
 */
export function ReviewPage({ me }: { me: Me }) {
  const i = useI18n();
  const [filters, setFilters] = useState<Filters>({ flightId: '', siteId: '', hazardCode: '', severity: '', minScore: '' });
  const [items, setItems] = useState<QueueItem[]>([]);
  const [counts, setCounts] = useState<QueuePage['counts']>();
  const [next, setNext] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  const [queueError, setQueueError] = useState<unknown>();
  const [loadingQueue, setLoadingQueue] = useState(true);
  const [mode, setMode] = useState<Mode>({ kind: 'browse' });
  const pending = useRef<Pending[]>([]);
  const { toasts, push, drop } = useToasts();
  const model = useAsync(() => api<ModelCard>('GET', '/model'), []);
  const flights = useAsync(() => api<{ items: Flight[] }>('GET', '/flights?limit=100'), []);
  const sites = useAsync(() => api<{ items: Site[] }>('GET', '/sites?limit=200'), []);

  const queueGeneration = useRef(0);
  const loadQueue = useCallback(async (f: Filters) => {
    const mine = ++queueGeneration.current;
    setLoadingQueue(true);
    setQueueError(undefined);
    try {
      const page = await api<QueuePage>('GET', query(f));
      // A slower answer for filters since changed must not replace the queue for the current ones.
      if (mine !== queueGeneration.current) return;
      const waiting = new Set(pending.current.map((p) => p.item.finding.id));
      setItems(page.items.filter((it) => !waiting.has(it.finding.id)));
      setCounts(page.counts);
      setNext(page.nextCursor);
      setIndex(0);
    } catch (error) {
      if (mine === queueGeneration.current) setQueueError(error);
    } finally {
      if (mine === queueGeneration.current) setLoadingQueue(false);
    }
  }, []);
  useEffect(() => void loadQueue(filters), [filters, loadQueue]);
  const loadMore = async () => {
    if (!next) return;
    const page = await api<QueuePage>('GET', query(filters, next));
    setItems((all) => [...all, ...page.items.filter((it) => !all.some((a) => a.finding.id === it.finding.id))]);
    setNext(page.nextCursor);
  };
  const refreshCounts = async () => {
    try {
      const { counts: fresh } = await api<QueuePage>('GET', query(filters, null, 1));
      // Decisions still in their undo window are off the list already, not yet off the server's count.
      setCounts({ ...fresh, total: Math.max(0, fresh.total - pending.current.length) });
    } catch {
      // Counts are a convenience; the next reload brings them back.
    }
  };

  const current = items[index];
  useEffect(() => {
    if (items.length - index < 5 && next) void loadMore();
  }, [index, items.length, next]);

  // Sending: a decision waits UNDO_MS, undoable, then goes to the server.
  const send = async (p: Pending) => {
    pending.current = pending.current.filter((x) => x !== p);
    drop(p.toast);
    try {
      const res = await api<{ case: { reference: string } | null }>('POST', `/findings/${p.item.finding.id}/decision`, { body: p.body });
      push({ kind: 'ok', text: res.case ? i.t('toast.sent', { reference: res.case.reference }) : i.t('toast.sentNoCase') });
      void refreshCounts();
    } catch (error) {
      push({ kind: 'error', text: i.t('toast.failed', { message: errorText(error) }) }, 8000);
      // Not recorded: the finding comes back so it is not lost.
      setCounts((c) => c && { ...c, total: c.total + 1 });
      setItems((all) => (all.some((a) => a.finding.id === p.item.finding.id) ? all : [...all.slice(0, p.index), p.item, ...all.slice(p.index)]));
    }
  };
  useEffect(() => {
    // Leaving the page sends what is waiting rather than dropping it.
    const flush = () => {
      for (const p of pending.current.splice(0)) {
        clearTimeout(p.timer);
        void api('POST', `/findings/${p.item.finding.id}/decision`, { body: p.body, keepalive: true }).catch(() => undefined);
      }
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, []);

  const decide = (body: Decision) => {
    if (!current) return;
    const item = current;
    const at = index;
    const label = body.decision === 'relabel' ? i.className(body.newClass!) : i.className(item.finding.className);
    const text = i.t(body.decision === 'confirm' ? 'toast.confirmed' : body.decision === 'reject' ? 'toast.rejected' : 'toast.relabelled', { hazard: label });
    const entry: Pending = { item, index: at, body, timer: setTimeout(() => void send(entry), UNDO_MS), toast: 0 };
    entry.toast = push({ kind: 'info', text, action: { label: i.t('toast.undo', { seconds: UNDO_MS / 1000 }), run: () => undo(entry) } }, UNDO_MS + 500);
    pending.current.push(entry);
    setCounts((c) => c && { ...c, total: Math.max(0, c.total - 1) });
    setItems((all) => all.filter((a) => a.finding.id !== item.finding.id));
    setIndex((n) => Math.min(n, Math.max(0, items.length - 2)));
    setMode({ kind: 'browse' });
  };
  const undo = (entry?: Pending) => {
    const p = entry ?? pending.current.at(-1);
    if (!p || !pending.current.includes(p)) return;
    clearTimeout(p.timer);
    pending.current = pending.current.filter((x) => x !== p);
    drop(p.toast);
    setItems((all) => [...all.slice(0, p.index), p.item, ...all.slice(p.index)]);
    setCounts((c) => c && { ...c, total: c.total + 1 });
    setIndex(p.index);
    push({ kind: 'info', text: i.t('toast.undone') });
  };

  const hazardClasses = useMemo(() => (model.value?.classes ?? []).filter((c) => c.hazardCode), [model.value]);
  const viewer = useRef<ViewerHandle | undefined>(undefined);
  const [openFinding, setOpenFinding] = useState<OpenFinding>();

  useShortcuts(
    (e) => {
      if (mode.kind === 'draw') {
        const step = Math.max(4, Math.round((current?.image.width ?? 1000) / 200)) * (e.altKey ? 5 : 1);
        const [x1, y1, x2, y2] = mode.box;
        const w = current?.image.width ?? 0;
        const h = current?.image.height ?? 0;
        const moves: Record<string, Box> = e.shiftKey
          ? { ArrowRight: [x1, y1, Math.min(w, x2 + step), y2], ArrowLeft: [x1, y1, Math.max(x1 + 8, x2 - step), y2], ArrowDown: [x1, y1, x2, Math.min(h, y2 + step)], ArrowUp: [x1, y1, x2, Math.max(y1 + 8, y2 - step)] }
          : {
              ArrowRight: [Math.min(w - (x2 - x1), x1 + step), y1, Math.min(w, x2 + step), y2],
              ArrowLeft: [Math.max(0, x1 - step), y1, Math.max(x2 - x1, x2 - step), y2],
              ArrowDown: [x1, Math.min(h - (y2 - y1), y1 + step), x2, Math.min(h, y2 + step)],
              ArrowUp: [x1, Math.max(0, y1 - step), x2, Math.max(y2 - y1, y2 - step)],
            };
        if (moves[e.key]) {
          setMode({ kind: 'draw', box: moves[e.key]! });
          return true;
        }
        if (e.key === 'Enter') {
          setMode({ kind: 'missed-class', box: mode.box });
          return true;
        }
        if (e.key === 'Escape') {
          setMode({ kind: 'browse' });
          return true;
        }
      }
      if (e.key === '+' || e.key === '=') return viewer.current?.zoom(1.5), true;
      if (e.key === '-' || e.key === '_') return viewer.current?.zoom(1 / 1.5), true;
      if (e.key === '0') return viewer.current?.fit(), true;
      if (e.key.startsWith('Arrow')) {
        const d = 120;
        viewer.current?.pan(e.key === 'ArrowLeft' ? d : e.key === 'ArrowRight' ? -d : 0, e.key === 'ArrowUp' ? d : e.key === 'ArrowDown' ? -d : 0);
        return true;
      }
      const key = e.key.toLowerCase();
      if (key === 'u' || (e.ctrlKey && key === 'z')) return undo(), true;
      if (e.ctrlKey) return false;
      if (key === 'j') return setIndex((n) => Math.min(items.length - 1, n + 1)), true;
      if (key === 'k') return setIndex((n) => Math.max(0, n - 1)), true;
      if (key === '[' || key === ']') return openFinding?.step(key === ']' ? 1 : -1), true;
      // Skipping is most needed exactly when the finding cannot be decided (someone holds it).
      if (key === 's') return setIndex((n) => (n + 1 < items.length ? n + 1 : n)), true;
      if (!current) return false;
      if (key === 'm' && me.role === 'reviewer' && current.image.width) {
        const [cx, cy] = viewer.current?.centre() ?? [current.image.width / 2, current.image.height! / 2];
        const side = Math.round(Math.min(current.image.width, current.image.height!) / 12);
        setMode({ kind: 'draw', box: [Math.max(0, cx - side), Math.max(0, cy - side), Math.min(current.image.width, cx + side), Math.min(current.image.height!, cy + side)] });
        return true;
      }
      if (!openFinding?.canDecide) return false;
      if (key === 'c') return decide({ decision: 'confirm' }), true;
      if (key === 'r') return setMode({ kind: 'reject' }), true;
      if (key === 'l') return setMode({ kind: 'relabel' }), true;
      return false;
    },
    mode.kind === 'browse' || mode.kind === 'draw',
  );

  const setFilter = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const filtered = Object.values(filters).some(Boolean);
  return (
    <main class="review">
      <aside class="queue" aria-label={i.t('queue.title')}>
        <div class="filters">
          <label>
            {i.t('filter.flight')}
            <select id="filter-flight" value={filters.flightId} onChange={(e) => setFilter({ flightId: e.currentTarget.value })}>
              <option value="">{i.t('filter.allFlights')}</option>
              {flights.value?.items.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {i.t('filter.site')}
            <select value={filters.siteId} onChange={(e) => setFilter({ siteId: e.currentTarget.value })}>
              <option value="">{i.t('filter.allSites')}</option>
              {sites.value?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {i.t('filter.hazard')}
            <select id="filter-hazard" value={filters.hazardCode} onChange={(e) => setFilter({ hazardCode: e.currentTarget.value })}>
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
              <select value={filters.severity} onChange={(e) => setFilter({ severity: e.currentTarget.value as Filters['severity'] })}>
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
              <input type="number" min="0" max="1" step="0.05" value={filters.minScore} onChange={(e) => setFilter({ minScore: e.currentTarget.value })} />
            </label>
          </div>
        </div>
        <h2 class="queue-count">
          {i.t('queue.title')} · <span id="queue-total">{i.t('queue.count', { n: counts?.total ?? 0 })}</span>
          <button type="button" class="icon" title={i.t('queue.reload')} aria-label={i.t('queue.reload')} onClick={() => void loadQueue(filters)}>
            ⟳
          </button>
        </h2>
        {queueError ? <ErrorBox error={queueError} retry={() => void loadQueue(filters)} /> : null}
        {loadingQueue && !items.length ? <Loading /> : null}
        {!loadingQueue && !items.length && !queueError ? <p class="empty">{i.t(filtered ? 'queue.emptyFiltered' : 'queue.empty')}</p> : null}
        <ol class="items">
          {items.map((it, n) => (
            <QueueRow key={it.finding.id} item={it} active={n === index} onSelect={() => setIndex(n)} />
          ))}
        </ol>
        {next && (
          <button type="button" class="more" onClick={() => void loadMore()}>
            {i.t('common.more')}
          </button>
        )}
      </aside>
      {current ? (
        <FindingPanel
          key={current.finding.id}
          item={current}
          me={me}
          classes={hazardClasses}
          mode={mode}
          setMode={setMode}
          decide={decide}
          onSkip={() => setIndex((n) => (n + 1 < items.length ? n + 1 : n))}
          onPrev={() => setIndex((n) => Math.max(0, n - 1))}
          onNext={() => setIndex((n) => Math.min(items.length - 1, n + 1))}
          onUndo={() => undo()}
          canUndo={pending.current.length > 0}
          viewer={viewer}
          onOpen={setOpenFinding}
          onMissedSaved={() => push({ kind: 'ok', text: i.t('toast.missedSaved') })}
          holdsDecision={(id) => pending.current.some((p) => p.item.finding.id === id)}
          onError={(error) => push({ kind: 'error', text: errorText(error) }, 8000)}
        />
      ) : (
        <section class="stage-empty">{loadingQueue ? <Loading /> : <p>{i.t('finding.none')}</p>}</section>
      )}
      <Toasts toasts={toasts} drop={drop} />
    </main>
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
    <li ref={ref} class={`item ${active ? 'active' : ''}`} aria-current={active ? 'true' : undefined} data-finding={f.id} onClick={onSelect}>
      <span class="cls">{i.className(f.className)}</span>
      <span class="score">{f.bestScore.toFixed(2)}</span>
      <span class="meta">
        <SeverityBadge severity={f.severity} /> {f.siteName ?? i.t('finding.noSite')} · {i.t('finding.views', { n: f.viewCount })}
        {f.recurringOf ? ' · ↻' : ''}
      </span>
      {item.lease && !item.lease.mine && <span class="held">🔒 {item.lease.holder}</span>}
    </li>
  );
}

interface OpenFinding {
  canDecide: boolean;
  step(delta: number): void;
}

function FindingPanel(props: {
  item: QueueItem;
  me: Me;
  classes: ModelCard['classes'];
  mode: Mode;
  setMode: (m: Mode) => void;
  decide: (d: Decision) => void;
  onSkip: () => void;
  onPrev: () => void;
  onNext: () => void;
  onUndo: () => void;
  canUndo: boolean;
  viewer: { current: ViewerHandle | undefined };
  onOpen: (o: OpenFinding | undefined) => void;
  onMissedSaved: () => void;
  onError: (e: unknown) => void;
  /** A decision on this finding waits to be sent: its lease is kept until it is. */
  holdsDecision: (findingId: string) => boolean;
}) {
  const i = useI18n();
  const { item, mode, setMode } = props;
  const f = item.finding;
  const finding = useAsync(() => api<Finding>('GET', `/findings/${f.id}`), [f.id]);
  const [viewIndex, setViewIndex] = useState(0);
  const views = finding.value?.views ?? [{ rank: 0, merit: 1, detection: item.detection }];
  const view = views[Math.min(viewIndex, views.length - 1)]!;
  const image = useAsync(() => api<{ image: Image; detections: Detection[] }>('GET', `/images/${view.detection.imageId}`), [view.detection.imageId]);
  const site = useAsync(() => (f.siteId ? api<Site>('GET', `/sites/${f.siteId}`) : Promise.resolve(undefined)), [f.siteId]);

  // The lease: held while the finding is open, renewed, given back when the reviewer moves on.
  const [lease, setLease] = useState<{ state: 'mine' | 'other' | 'forbidden' | 'decided' | 'readonly' | 'pending'; holder?: string; until?: string }>({ state: 'pending' });
  useEffect(() => {
    // Admins see the queue but decide nothing: no lease to take.
    if (props.me.role !== 'reviewer') {
      setLease({ state: 'readonly' });
      return;
    }
    let live = true;
    const take = () =>
      api<{ expiresAt: string }>('POST', `/findings/${f.id}/lease`).then(
        (r) => live && setLease({ state: 'mine', until: r.expiresAt }),
        (error: unknown) => {
          if (!live) return;
          if (error instanceof ApiError && error.status === 409 && error.problem.context?.leaseHolder) setLease({ state: 'other', holder: String(error.problem.context.leaseHolder), until: String(error.problem.context.leaseExpiresAt) });
          else if (error instanceof ApiError && error.status === 409 && error.problem.context?.status) setLease({ state: 'decided', holder: String(error.problem.context.status) });
          else if (error instanceof ApiError && error.status === 403) setLease({ state: 'forbidden' });
          else props.onError(error);
        },
      );
    void take();
    const timer = setInterval(take, LEASE_RENEW_MS);
    return () => {
      live = false;
      clearInterval(timer);
      // A decision waiting out its undo keeps the lease; the server clears it with the decision.
      if (!props.holdsDecision(f.id)) void api('DELETE', `/findings/${f.id}/lease`).catch(() => undefined);
    };
  }, [f.id]);
  // Until the lease answers, deciding is allowed: the server checks the lease again with the decision.
  const canDecide = lease.state === 'mine' || lease.state === 'pending';
  useEffect(() => {
    props.onOpen({ canDecide, step: (d) => setViewIndex((n) => Math.max(0, Math.min(views.length - 1, n + d))) });
  }, [canDecide, views.length]);

  const width = image.value?.image.width ?? item.image.width ?? 0;
  const height = image.value?.image.height ?? item.image.height ?? 0;
  const boxes = [
    ...(image.value?.detections ?? [])
      .filter((d) => d.id !== view.detection.id && d.state !== 'below_threshold')
      .map((d) => ({ box: d.box, primary: false, label: i.className(d.className) })),
    { box: view.detection.box, primary: true, label: `${i.className(view.detection.className)} ${view.detection.score.toFixed(2)}` },
  ];
  const capture = (image.value?.image.capture ?? {}) as { takenAt?: string };
  const draft = mode.kind === 'draw' || mode.kind === 'missed-class' ? mode.box : undefined;

  const saveMissed = async (className: string, note: string) => {
    if (!draft) return;
    try {
      await api('POST', `/images/${view.detection.imageId}/missed-hazards`, { body: { className, box: draft.map((v) => Math.round(v)), note: note || undefined, findingId: f.id } });
      props.onMissedSaved();
      setMode({ kind: 'browse' });
    } catch (error) {
      props.onError(error);
    }
  };

  return (
    <>
      <section class="photo" aria-label={i.t('finding.photo')}>
        {width && height ? (
          <PhotoViewer
            imageId={view.detection.imageId}
            width={width}
            height={height}
            boxes={boxes}
            focus={view.detection.box}
            draft={draft}
            onDraft={mode.kind === 'draw' ? (box) => setMode({ kind: 'draw', box }) : undefined}
            handle={(h) => (props.viewer.current = h)}
          />
        ) : (
          <Loading />
        )}
        {mode.kind === 'draw' && <div class="draw-hint">{i.t('missed.hint')}</div>}
        <div class="viewbar">
          <div class="zoom">
            <button type="button" onClick={() => props.viewer.current?.zoom(1 / 1.5)} title={i.t('action.zoomOut')}>
              − <Kbd>-</Kbd>
            </button>
            <button type="button" onClick={() => props.viewer.current?.fit()} title={i.t('action.fit')}>
              {i.t('action.fit')} <Kbd>0</Kbd>
            </button>
            <button type="button" onClick={() => props.viewer.current?.zoom(1.5)} title={i.t('action.zoomIn')}>
              + <Kbd>+</Kbd>
            </button>
          </div>
          <ol class="strip" aria-label={i.t('finding.views', { n: views.length })}>
            {views.map((v, n) => (
              <li key={v.detection.id} class={n === viewIndex ? 'active' : ''}>
                <button type="button" onClick={() => setViewIndex(n)} title={i.t('finding.view', { n: n + 1, of: views.length })}>
                  <AuthImage path={`/detections/${v.detection.id}/crop`} alt={i.t('finding.view', { n: n + 1, of: views.length })} />
                  <span>
                    {n + 1} · {v.detection.score.toFixed(2)}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </div>
      </section>
      <aside class="facts" aria-label={i.className(f.className)}>
        <h2 id="finding-title">
          {i.className(f.className)} <SeverityBadge severity={f.severity} />
        </h2>
        {lease.state === 'other' && (
          <p class="banner warn" role="alert" id="lease-banner">
            {i.t('finding.heldBy', { name: lease.holder ?? '', time: i.dateTime(lease.until) })}
          </p>
        )}
        {lease.state === 'readonly' && (
          <p class="banner info" role="status">
            {i.t('finding.readOnly')}
          </p>
        )}
        {lease.state === 'decided' && (
          <p class="banner info" role="status">
            {i.t('finding.decidedElsewhere', { status: lease.holder ?? '' })}
          </p>
        )}
        {lease.state === 'forbidden' && (
          <p class="banner warn" role="alert">
            {i.t('finding.separation')}
          </p>
        )}
        <dl>
          <dt>{i.t('finding.score')}</dt>
          <dd>
            {f.bestScore.toFixed(2)} · {i.t('finding.view', { n: viewIndex + 1, of: views.length })} <Kbd>[</Kbd> <Kbd>]</Kbd>
          </dd>
          <dt>{i.t('finding.site')}</dt>
          <dd>{site.value ? `${site.value.name} (${site.value.regionCode})` : i.t('finding.noSite')}</dd>
          <dt>{i.t('finding.position')}</dt>
          <dd>{f.position ? `${f.position.lat.toFixed(6)}, ${f.position.lon.toFixed(6)} ± ${i.t('common.metres', { n: formatMetres(f.position.errorM) })}` : i.t('finding.noPosition')}</dd>
          <dt>{i.t('finding.photo')}</dt>
          <dd>{image.value?.image.originalFilename ?? item.image.filename ?? '—'}</dd>
          <dt>{i.t('finding.taken')}</dt>
          <dd>{i.dateTime(capture.takenAt)}</dd>
        </dl>
        {f.recurringOf && <p class="banner info">↻ {i.t('finding.recurring')}</p>}
        <MiniMap point={f.position} errorM={f.position?.errorM} site={siteRings(site.value?.geometry)} footprint={image.value?.image.footprint} />
        <div class="actions">
          <button type="button" class="confirm" id="confirm" disabled={!canDecide} onClick={() => props.decide({ decision: 'confirm' })}>
            {i.t('action.confirm')} <Kbd>C</Kbd>
          </button>
          <button type="button" class="reject" disabled={!canDecide} onClick={() => setMode({ kind: 'reject' })}>
            {i.t('action.reject')} <Kbd>R</Kbd>
          </button>
          <button type="button" disabled={!canDecide} onClick={() => setMode({ kind: 'relabel' })}>
            {i.t('action.relabel')} <Kbd>L</Kbd>
          </button>
          <button type="button" onClick={props.onSkip}>
            {i.t('action.skip')} <Kbd>S</Kbd>
          </button>
          <button type="button" disabled={!width || props.me.role !== 'reviewer'} onClick={() => setMode({ kind: 'draw', box: [width * 0.45, height * 0.45, width * 0.55, height * 0.55] })}>
            {i.t('action.missed')} <Kbd>M</Kbd>
          </button>
          <button type="button" disabled={!props.canUndo} onClick={props.onUndo}>
            {i.t('action.undo')} <Kbd>U</Kbd>
          </button>
          <button type="button" onClick={props.onPrev}>
            {i.t('action.prev')} <Kbd>K</Kbd>
          </button>
          <button type="button" onClick={props.onNext}>
            {i.t('action.next')} <Kbd>J</Kbd>
          </button>
        </div>
        {finding.error ? <ErrorBox error={finding.error} retry={finding.reload} /> : null}
      </aside>
      {mode.kind === 'reject' && <RejectDialog onClose={() => setMode({ kind: 'browse' })} onReject={(reason, note) => props.decide({ decision: 'reject', reason, note: note || undefined })} />}
      {mode.kind === 'relabel' && (
        <ClassDialog
          title={i.t('relabel.title')}
          hint={i.t('relabel.hint')}
          submit={i.t('relabel.submit')}
          classes={props.classes.filter((c) => c.name !== view.detection.className)}
          onClose={() => setMode({ kind: 'browse' })}
          onChoose={(name, note) => props.decide({ decision: 'relabel', newClass: name, note: note || undefined })}
        />
      )}
      {mode.kind === 'missed-class' && (
        <ClassDialog
          title={i.t('missed.classTitle')}
          hint={i.t('relabel.hint')}
          submit={i.t('missed.submit')}
          classes={props.classes}
          onClose={() => setMode({ kind: 'draw', box: mode.box })}
          onChoose={(name, note) => void saveMissed(name, note)}
        />
      )}
    </>
  );
}

function RejectDialog({ onClose, onReject }: { onClose: () => void; onReject: (reason: string, note: string) => void }) {
  const i = useI18n();
  const [reason, setReason] = useState<string>(REJECT_REASONS[0]);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const submit = () => {
    if (reason === 'other' && !note.trim()) return setProblem(i.t('reject.needNote'));
    onReject(reason, note.trim());
  };
  return (
    <Dialog
      title={i.t('reject.title')}
      onClose={onClose}
      onKey={(e) => {
        const inText = (e.target as HTMLElement).tagName === 'TEXTAREA';
        if (!inText && /^[1-9]$/.test(e.key) && REJECT_REASONS[Number(e.key) - 1]) {
          setReason(REJECT_REASONS[Number(e.key) - 1]!);
          return true;
        }
        if (e.key === 'Enter' && (!inText || e.ctrlKey)) {
          submit();
          return true;
        }
      }}
    >
      <p class="hint">{i.t('reject.hint')}</p>
      <fieldset class="choices">
        {REJECT_REASONS.map((r, n) => (
          <label key={r} class={reason === r ? 'chosen' : ''}>
            <input type="radio" name="reason" value={r} checked={reason === r} onChange={() => setReason(r)} autoFocus={n === 0} />
            <Kbd>{n + 1}</Kbd> {i.rejectReason(r)}
          </label>
        ))}
      </fieldset>
      <label>
        {i.t('common.note')}
        <textarea id="reject-note" rows={3} value={note} placeholder={i.t('common.notePlaceholder')} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      {problem && <p class="error-box">{problem}</p>}
      <footer>
        <button type="button" onClick={onClose}>
          {i.t('common.cancel')} <Kbd>Esc</Kbd>
        </button>
        <button type="button" class="reject" onClick={submit}>
          {i.t('reject.submit')} <Kbd>↵</Kbd>
        </button>
      </footer>
    </Dialog>
  );
}

function ClassDialog({ title, hint, submit, classes, onClose, onChoose }: { title: string; hint: string; submit: string; classes: ModelCard['classes']; onClose: () => void; onChoose: (name: string, note: string) => void }) {
  const i = useI18n();
  const [chosen, setChosen] = useState(classes[0]?.name ?? '');
  const [note, setNote] = useState('');
  return (
    <Dialog
      title={title}
      onClose={onClose}
      onKey={(e) => {
        const inText = (e.target as HTMLElement).tagName === 'TEXTAREA';
        if (!inText && /^[1-9]$/.test(e.key) && classes[Number(e.key) - 1]) {
          setChosen(classes[Number(e.key) - 1]!.name);
          return true;
        }
        if (e.key === 'Enter' && (!inText || e.ctrlKey) && chosen) {
          onChoose(chosen, note.trim());
          return true;
        }
      }}
    >
      <p class="hint">{hint}</p>
      <fieldset class="choices">
        {classes.map((c, n) => (
          <label key={c.name} class={chosen === c.name ? 'chosen' : ''}>
            <input type="radio" name="class" value={c.name} checked={chosen === c.name} onChange={() => setChosen(c.name)} autoFocus={n === 0} />
            <Kbd>{n + 1}</Kbd> {i.className(c.name)} {c.severity && <SeverityBadge severity={c.severity} />}
          </label>
        ))}
      </fieldset>
      <label>
        {i.t('common.note')}
        <textarea rows={2} value={note} placeholder={i.t('common.notePlaceholder')} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <footer>
        <button type="button" onClick={onClose}>
          {i.t('common.cancel')} <Kbd>Esc</Kbd>
        </button>
        <button type="button" class="primary" disabled={!chosen} onClick={() => onChoose(chosen, note.trim())}>
          {submit} <Kbd>↵</Kbd>
        </button>
      </footer>
    </Dialog>
  );
}

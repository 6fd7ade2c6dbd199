import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import type { Decision, DecisionResult, QueueItem, QueuePage } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { errorText, type useToasts } from '../../ui.js';
import { type Filters, NO_FILTERS } from './state.js';

/** How long a decision waits, undoable, before it is sent. */
const UNDO_MS = 5000;
const PAGE = 50;

interface Pending {
  item: QueueItem;
  index: number;
  body: Decision;
  timer: ReturnType<typeof setTimeout>;
  toast: number;
}

const query = (f: Filters, cursor?: string | null, limit = PAGE) => {
  const p = new URLSearchParams({ limit: String(limit) });
  for (const [k, v] of Object.entries(f) as Array<[string, string]>) if (v) p.set(k, v);
  if (cursor) p.set('cursor', cursor);
  return `/review/queue?${p}`;
};

type Toaster = Pick<ReturnType<typeof useToasts>, 'push' | 'drop'>;

/**
 * The queue and the decisions made on it: pages loaded ahead of the reviewer, decisions held
 * UNDO_MS (undoable) before they are sent, and counts kept in step with both.
 */
export function useReviewQueue({ push, drop }: Toaster) {
  const i = useI18n();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [items, setItems] = useState<QueueItem[]>([]);
  const [counts, setCounts] = useState<QueuePage['counts']>();
  const [next, setNext] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  const [queueError, setQueueError] = useState<unknown>();
  const [loadingQueue, setLoadingQueue] = useState(true);
  const pending = useRef<Pending[]>([]);

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
      const res = await api<DecisionResult>('POST', `/findings/${p.item.finding.id}/decision`, { body: p.body });
      push({
        kind: 'ok',
        text: res.case ? i.t('toast.sent', { reference: res.case.reference }) : i.t('toast.sentNoCase'),
      });
      void refreshCounts();
    } catch (error) {
      push({ kind: 'error', text: i.t('toast.failed', { message: errorText(error) }) }, 8000);
      // Not recorded: the finding comes back so it is not lost.
      setCounts((c) => c && { ...c, total: c.total + 1 });
      setItems((all) =>
        all.some((a) => a.finding.id === p.item.finding.id)
          ? all
          : [...all.slice(0, p.index), p.item, ...all.slice(p.index)],
      );
    }
  };
  useEffect(() => {
    // Leaving the page sends what is waiting rather than dropping it.
    const flush = () => {
      for (const p of pending.current.splice(0)) {
        clearTimeout(p.timer);
        void api('POST', `/findings/${p.item.finding.id}/decision`, { body: p.body, keepalive: true }).catch(
          () => undefined,
        );
      }
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, []);

  /** Takes the current finding off the queue and holds the decision for UNDO_MS; false when there is none. */
  const decide = (body: Decision): boolean => {
    if (!current) return false;
    const item = current;
    const at = index;
    const label = body.decision === 'relabel' ? i.className(body.newClass!) : i.className(item.finding.className);
    const text = i.t(
      body.decision === 'confirm'
        ? 'toast.confirmed'
        : body.decision === 'reject'
          ? 'toast.rejected'
          : 'toast.relabelled',
      { hazard: label },
    );
    const entry: Pending = { item, index: at, body, timer: setTimeout(() => void send(entry), UNDO_MS), toast: 0 };
    entry.toast = push(
      { kind: 'info', text, action: { label: i.t('toast.undo', { seconds: UNDO_MS / 1000 }), run: () => undo(entry) } },
      UNDO_MS + 500,
    );
    pending.current.push(entry);
    setCounts((c) => c && { ...c, total: Math.max(0, c.total - 1) });
    setItems((all) => all.filter((a) => a.finding.id !== item.finding.id));
    setIndex((n) => Math.min(n, Math.max(0, items.length - 2)));
    return true;
  };
  /** Puts a decision still waiting back where it was: the one given, or else the latest. */
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

  return {
    filters,
    setFilter: (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch })),
    items,
    counts,
    next,
    index,
    setIndex,
    current,
    queueError,
    loadingQueue,
    reload: () => void loadQueue(filters),
    loadMore,
    decide,
    undo: () => undo(),
    canUndo: pending.current.length > 0,
    /** A decision on this finding waits to be sent: its lease is kept until it is. */
    holdsDecision: (findingId: string) => pending.current.some((p) => p.item.finding.id === findingId),
  };
}

export type ReviewQueue = ReturnType<typeof useReviewQueue>;

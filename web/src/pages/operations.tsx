import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useI18n } from '../i18n.js';
import type { FailedPhoto, OperationsOverview } from '../api/types.js';
import { Dialog, ErrorBox, errorText, Kbd, Loading, useAsync } from '../ui.js';

/** The view refreshes itself this often, so an admin watching a recovery sees it happen. */
const REFRESH_MS = 5000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * What the pipeline is doing and what it could not do: queue depth by state, and every failed photo
 * with its reason, whether it is still retried automatically, and buttons to retry it or leave it
 * failed. Prometheus has the same figures at /metrics for graphs and alerts (docs/runbook.md).
 */
export function OperationsPage() {
  const i = useI18n();
  const overview = useAsync(() => api<OperationsOverview>('GET', '/admin/operations'), []);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const [discarding, setDiscarding] = useState<FailedPhoto>();
  useEffect(() => {
    const timer = setInterval(() => overview.reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [overview.reload]);
  if (overview.error && !overview.value) return <ErrorBox error={overview.error} retry={overview.reload} />;
  const value = overview.value;
  if (!value) return <Loading />;

  const act = async (run: () => Promise<string>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage(await run());
    } catch (e) {
      setMessage(errorText(e));
    } finally {
      setBusy(false);
      overview.reload();
    }
  };
  const retryable = value.failed.filter((f) => !f.discardedAt).length;

  return (
    <main class="operations">
      <header class="page-head">
        <h1>{i.t('ops.title')}</h1>
        <span class="muted">{i.t('ops.refresh', { seconds: REFRESH_MS / 1000 })}</span>
      </header>
      <p class="muted">{i.t('ops.lead')}</p>
      <h2>{i.t('ops.queues')}</h2>
      <table class="case-table">
        <thead>
          <tr>
            <th>{i.t('ops.col.queue')}</th>
            {QUEUE_STATES.map((s) => (
              <th key={s}>{i.t(`ops.state.${s}`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Object.entries(value.queues).map(([queue, counts]) => (
            <tr key={queue}>
              <td>{i.t(queue === 'detection' ? 'ops.queue.detection' : 'ops.queue.findings')}</td>
              {QUEUE_STATES.map((s) => (
                <td key={s} class={s === 'failed' && (counts[s] ?? 0) > 0 ? 'warn' : ''}>
                  {counts[s] ?? 0}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <header class="page-head">
        <h2>{i.t('ops.failed', { n: value.failed.length })}</h2>
        <button
          type="button"
          class="primary"
          disabled={busy || retryable === 0}
          onClick={() =>
            void act(async () => {
              const r = await api<{ retried: number; leftDiscarded: number }>('POST', '/admin/images/retry-failed', {
                body: {},
              });
              return i.t('ops.retriedAll', { n: r.retried, left: r.leftDiscarded });
            })
          }
        >
          {i.t('ops.retryAll', { n: retryable })}
        </button>
      </header>
      {message && (
        <p class="hint" role="status">
          {message}
        </p>
      )}
      {value.failed.length === 0 ? (
        <p class="muted">{i.t('ops.noneFailed')}</p>
      ) : (
        <table class="case-table failed-photos">
          <thead>
            <tr>
              <th>{i.t('ops.col.photo')}</th>
              <th>{i.t('ops.col.reason')}</th>
              <th>{i.t('ops.col.retries')}</th>
              <th>{i.t('ops.col.failedAt')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {value.failed.map((f) => (
              <tr key={f.imageId} id={`failed-${f.imageId}`}>
                <td>
                  <strong>{f.filename ?? f.imageId.slice(0, 8)}</strong>
                  <br />
                  <span class="muted">{f.flightName}</span>
                </td>
                <td>
                  <span class="badge">{i.t(`ops.category.${f.category}`)}</span> <span>{f.reason}</span>
                </td>
                <td>
                  {f.discardedAt
                    ? i.t('ops.discarded', { time: i.dateTime(f.discardedAt) })
                    : f.kind === 'transient' && f.automaticRetriesLeft > 0
                      ? i.t('ops.autoRetry', { left: f.automaticRetriesLeft })
                      : i.t('ops.needsPerson')}
                </td>
                <td>{f.failedAt ? i.dateTime(f.failedAt) : '—'}</td>
                <td class="actions">
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void act(async () => {
                        await api('POST', `/admin/images/${f.imageId}/retry`);
                        return i.t('ops.retried', { name: f.filename ?? f.imageId });
                      })
                    }
                  >
                    {i.t('ops.retry')}
                  </button>
                  {!f.discardedAt && (
                    <button type="button" class="reject" disabled={busy} onClick={() => setDiscarding(f)}>
                      {i.t('ops.discard')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {discarding && (
        <DiscardDialog
          photo={discarding}
          onClose={() => setDiscarding(undefined)}
          onDone={() => {
            setDiscarding(undefined);
            overview.reload();
          }}
        />
      )}
    </main>
  );
}

function DiscardDialog({ photo, onClose, onDone }: { photo: FailedPhoto; onClose: () => void; onDone: () => void }) {
  const i = useI18n();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `/admin/images/${photo.imageId}/discard`, {
        body: note.trim() ? { note: note.trim() } : {},
      });
      onDone();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={i.t('ops.discardTitle', { name: photo.filename ?? photo.imageId })} onClose={onClose}>
      <form
        class="step-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p class="hint">{i.t('ops.discardHint')}</p>
        <label>
          {i.t('common.note')}
          <textarea rows={3} value={note} autoFocus onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        {error && <p class="error-box">{error}</p>}
        <footer>
          <button type="button" onClick={onClose}>
            {i.t('common.cancel')} <Kbd>Esc</Kbd>
          </button>
          <button type="submit" class="reject" disabled={busy}>
            {i.t('ops.discard')}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

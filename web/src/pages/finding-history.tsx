import { useState } from 'preact/hooks';
import { DECISIONS } from '../../../pipeline/domain/review.js';
import { api } from '../api.js';
import type { FindingHistory, HistoryEvent, ModelCard, Revision } from '../api/types.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Dialog, ErrorBox, errorText, Kbd, Loading, useAsync } from '../ui.js';

/**
 * A finding's history as a compact timeline (who, what, when, why), shared by the review workstation
 * and the case page, with "Revise decision" for those the server says may (canRevise).
 */
export function FindingHistoryTimeline({
  findingId,
  classes,
  onRevised,
}: {
  findingId: string;
  /** The classes a relabel may name; without them the dialog offers confirm and reject only. */
  classes?: ModelCard['classes'] | undefined;
  onRevised?: (() => void) | undefined;
}) {
  const i = useI18n();
  const history = useAsync(() => api<FindingHistory>('GET', `/findings/${findingId}/history`), [findingId]);
  const [revising, setRevising] = useState(false);
  if (history.error) return <ErrorBox error={history.error} retry={history.reload} />;
  if (!history.value) return <Loading />;
  const { items, canRevise } = history.value;
  return (
    <section class="finding-history" aria-label={i.t('history.title')}>
      <h3>{i.t('history.title')}</h3>
      {items.length === 0 ? (
        <p class="hint">{i.t('history.empty')}</p>
      ) : (
        <ol class="timeline">
          {items.map((e, n) => (
            <li key={n} class={`timeline-${e.kind}`}>
              <time dateTime={e.at}>{i.dateTime(e.at)}</time> <span class="what">{describe(i, e)}</span>
              {e.actor && (
                <span class="who">
                  {e.actor.name} · {i.t(`role.${e.actor.role}` as MessageKey)}
                </span>
              )}
              {reasonOf(i, e) && <q class="why">{reasonOf(i, e)}</q>}
            </li>
          ))}
        </ol>
      )}
      {canRevise && (
        <button type="button" class="revise" onClick={() => setRevising(true)}>
          {i.t('revise.open')}
        </button>
      )}
      {revising && (
        <ReviseDialog
          findingId={findingId}
          classes={classes}
          onClose={() => setRevising(false)}
          onDone={() => {
            setRevising(false);
            history.reload();
            onRevised?.();
          }}
        />
      )}
    </section>
  );
}

type I = ReturnType<typeof useI18n>;

function describe(i: I, e: HistoryEvent): string {
  const ref = e.case?.reference ?? '';
  const cls = (name: string | null) => (name ? i.className(name) : '—');
  switch (e.kind) {
    case 'detected':
      return i.t('history.detected', {
        class: cls(e.detection?.className ?? null),
        score: e.detection ? e.detection.score.toFixed(2) : '',
        model: e.detection?.model ?? '',
      });
    case 'decided':
      return e.decision === 'relabel'
        ? i.t('history.decided.relabel', { class: cls(e.toClass) })
        : i.t(e.decision === 'reject' ? 'history.decided.reject' : 'history.decided.confirm');
    case 'revised':
      return i.t('history.revised', {
        from: statusText(i, e.fromStatus, e.fromClass),
        to: statusText(i, e.toStatus, e.toClass),
      });
    default:
      return i.t(`history.${e.kind}` as MessageKey, { ref });
  }
}

function statusText(i: I, status: string | null, className: string | null): string {
  const s = i.t(`history.status.${status ?? 'pending'}` as MessageKey);
  return className && status !== 'rejected' ? `${s} (${i.className(className)})` : s;
}

/** A rejection's reason is a code with a label; a revision's or a case step's is the person's words. */
function reasonOf(i: I, e: HistoryEvent): string | null {
  if (e.kind === 'decided')
    return [e.reason ? i.rejectReason(e.reason) : null, e.note].filter(Boolean).join(' — ') || null;
  return e.reason ?? e.note;
}

/** Revise a decision: the new decision (a class for relabel) and a reason, which is required. */
function ReviseDialog({
  findingId,
  classes: given,
  onClose,
  onDone,
}: {
  findingId: string;
  classes: ModelCard['classes'] | undefined;
  onClose: () => void;
  onDone: () => void;
}) {
  const i = useI18n();
  // The case page has no model card at hand: the classes a relabel may name come from the model.
  const card = useAsync(
    () => (given ? Promise.resolve(given) : api<ModelCard>('GET', '/model').then((m) => m.classes)),
    [given],
  );
  const classes = (card.value ?? []).filter((c) => c.hazardCode);
  const decisions = classes.length ? DECISIONS : DECISIONS.filter((d) => d !== 'relabel');
  const [decision, setDecision] = useState<Revision['decision']>('reject');
  const [label, setLabel] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!reason.trim()) {
      setProblem(i.t('revise.needReason'));
      return;
    }
    setBusy(true);
    try {
      const body: Revision = {
        decision,
        reason: reason.trim(),
        ...(decision === 'relabel' ? { label: label || classes[0]?.name } : {}),
      };
      await api('POST', `/findings/${findingId}/revise`, { body });
      onDone();
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={i.t('revise.title')}
      onClose={onClose}
      onKey={(e) => {
        if (e.key === 'Enter' && e.ctrlKey) {
          void submit();
          return true;
        }
      }}
    >
      <p class="hint">{i.t('revise.hint')}</p>
      <fieldset class="choices">
        <legend>{i.t('revise.decision')}</legend>
        {decisions.map((d) => (
          <label key={d} class={decision === d ? 'chosen' : ''}>
            <input
              type="radio"
              name="revise-decision"
              value={d}
              checked={decision === d}
              onChange={() => setDecision(d)}
            />
            {i.t(`revise.decision.${d}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      {decision === 'relabel' && (
        <label>
          {i.t('revise.class')}
          <select value={label} onChange={(e) => setLabel(e.currentTarget.value)}>
            {classes.map((c) => (
              <option key={c.name} value={c.name}>
                {i.className(c.name)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {i.t('revise.reason')}
        <textarea
          id="revise-reason"
          rows={3}
          required
          value={reason}
          autoFocus
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </label>
      {problem && (
        <p class="error-box" role="alert">
          {problem}
        </p>
      )}
      <footer>
        <button type="button" onClick={onClose}>
          {i.t('common.cancel')} <Kbd>Esc</Kbd>
        </button>
        <button type="button" class="primary" disabled={busy || !reason.trim()} onClick={() => void submit()}>
          {i.t('revise.submit')} <Kbd>Ctrl+↵</Kbd>
        </button>
      </footer>
    </Dialog>
  );
}

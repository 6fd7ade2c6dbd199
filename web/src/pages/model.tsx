import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useI18n } from '../i18n.js';
import type { ModelClassState, ModelList } from '../api/types.js';
import { Dialog, ErrorBox, errorText, Kbd, Loading, SeverityBadge, useAsync } from '../ui.js';

const NOTE_MIN = 3;

/**
 * The detection model's classes as this bureau has them: which go to review, and why the others do
 * not (shipped disabled for lack of real evidence, switched off here, or no hazard to flag). An
 * admin switches a class with a note, which the audit trail keeps.
 */
export function ModelPage() {
  const i = useI18n();
  const models = useAsync(() => api<ModelList>('GET', '/models'), []);
  const [switching, setSwitching] = useState<ModelClassState>();
  if (models.error) return <ErrorBox error={models.error} retry={models.reload} />;
  const model = models.value?.items.find((m) => m.active);
  if (!model) return <Loading />;
  return (
    <main class="model-admin">
      <header class="page-head">
        <h1>{i.t('model.title')}</h1>
        <span class="muted">
          {model.name} {model.version} · <code>{model.sha256.slice(0, 12)}</code>
        </span>
      </header>
      <p class="muted">{i.t('model.lead')}</p>
      <table class="case-table classes">
        <thead>
          <tr>
            <th>{i.t('model.col.class')}</th>
            <th>{i.t('model.col.hazard')}</th>
            <th>{i.t('model.col.threshold')}</th>
            <th>{i.t('model.col.state')}</th>
            <th>{i.t('model.col.why')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {model.classes.map((c) => (
            <tr key={c.name} id={`class-${c.name}`}>
              <td>
                <strong>{i.className(c.name)}</strong>
                <br />
                <code class="muted">{c.name}</code>
              </td>
              <td>
                {c.hazardCode ? (
                  <>
                    {i.hazard(c.hazardCode)} {c.severity && <SeverityBadge severity={c.severity} />}
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>{c.threshold.toFixed(2)}</td>
              <td>
                <span class={`badge ${c.live ? 'live' : 'not-live'}`}>
                  {i.t(c.live ? 'model.live' : 'model.notLive')}
                </span>
              </td>
              <td>
                <div class="why">
                  <Why cls={c} />
                </div>
              </td>
              <td>
                {c.hazardCode && (
                  <button type="button" class={c.live ? '' : 'primary'} onClick={() => setSwitching(c)}>
                    {i.t(c.live ? 'model.disable' : 'model.enable')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{i.t('model.existingFlights')}</p>
      {switching && (
        <SwitchDialog
          model={model.name}
          cls={switching}
          onClose={() => setSwitching(undefined)}
          onDone={() => {
            setSwitching(undefined);
            models.reload();
          }}
        />
      )}
    </main>
  );
}

function Why({ cls }: { cls: ModelClassState }) {
  const i = useI18n();
  if (cls.decidedBy === 'no_hazard_code') return <span>{i.t('model.why.noHazard')}</span>;
  const shipped = cls.enabledByDefault ? null : (
    <span>{i.t('model.why.shippedDisabled', { reason: cls.disabledReason ?? '—' })}</span>
  );
  if (cls.decidedBy === 'override' && cls.override) {
    const o = cls.override;
    return (
      <>
        <span>
          {i.t(o.enabled ? 'model.why.enabledBy' : 'model.why.disabledBy', {
            name: o.changedBy.name,
            time: i.dateTime(o.changedAt),
          })}
        </span>
        <q>{o.note}</q>
        {shipped && <span class="muted">{shipped}</span>}
      </>
    );
  }
  return shipped ?? <span class="muted">{i.t('model.why.default')}</span>;
}

function SwitchDialog({
  model,
  cls,
  onClose,
  onDone,
}: {
  model: string;
  cls: ModelClassState;
  onClose: () => void;
  onDone: () => void;
}) {
  const i = useI18n();
  const enabling = !cls.live;
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ready = note.trim().length >= NOTE_MIN && !busy;
  const submit = async () => {
    if (!ready) {
      setError(i.t('model.noteTooShort', { n: NOTE_MIN }));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api('PUT', `/models/${encodeURIComponent(model)}/classes/${encodeURIComponent(cls.name)}`, {
        body: { enabled: enabling, note: note.trim() },
      });
      onDone();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={i.t(enabling ? 'model.dialog.enable' : 'model.dialog.disable', { name: i.className(cls.name) })}
      onClose={onClose}
      onKey={(e) => {
        if (e.key === 'Enter' && e.ctrlKey) {
          void submit();
          return true;
        }
      }}
    >
      <form
        class="step-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {enabling && !cls.enabledByDefault && (
          <p class="error-box" role="note">
            {i.t('model.why.shippedDisabled', { reason: cls.disabledReason ?? '—' })}
          </p>
        )}
        <p class="hint">{i.t(enabling ? 'model.dialog.enableHint' : 'model.dialog.disableHint')}</p>
        <label>
          {i.t('common.note')}
          <textarea
            id="class-note"
            rows={3}
            value={note}
            autoFocus
            placeholder={i.t('model.notePlaceholder')}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </label>
        {error && <p class="error-box">{error}</p>}
        <footer>
          <button type="button" onClick={onClose}>
            {i.t('common.cancel')} <Kbd>Esc</Kbd>
          </button>
          <button type="submit" class={enabling ? 'primary' : 'reject'} disabled={!ready}>
            {i.t(enabling ? 'model.enable' : 'model.disable')} <Kbd>Ctrl+↵</Kbd>
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

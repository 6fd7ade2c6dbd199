import { useState } from 'preact/hooks';
import { REJECT_REASONS } from '../../../../pipeline/domain/review.js';
import type { Decision, ModelCard } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { Dialog, Kbd, SeverityBadge } from '../../ui.js';

type RejectReason = NonNullable<Decision['reason']>;

/** Why a finding is rejected: a reason by its number key, and a note ("other" needs one). */
export function RejectDialog({
  onClose,
  onReject,
}: {
  onClose: () => void;
  onReject: (reason: RejectReason, note: string) => void;
}) {
  const i = useI18n();
  const [reason, setReason] = useState<RejectReason>(REJECT_REASONS[0]);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const submit = () => {
    if (reason === 'other' && !note.trim()) {
      setProblem(i.t('reject.needNote'));
      return;
    }
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
            <input
              type="radio"
              name="reason"
              value={r}
              checked={reason === r}
              onChange={() => setReason(r)}
              autoFocus={n === 0}
            />
            <Kbd>{n + 1}</Kbd> {i.rejectReason(r)}
          </label>
        ))}
      </fieldset>
      <label>
        {i.t('common.note')}
        <textarea
          id="reject-note"
          rows={3}
          value={note}
          placeholder={i.t('common.notePlaceholder')}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
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

/** A class by its number key, with a note: the right class for a relabel, or the class of a missed hazard. */
export function ClassDialog({
  title,
  hint,
  submit,
  classes,
  onClose,
  onChoose,
}: {
  title: string;
  hint: string;
  submit: string;
  classes: ModelCard['classes'];
  onClose: () => void;
  onChoose: (name: string, note: string) => void;
}) {
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
            <input
              type="radio"
              name="class"
              value={c.name}
              checked={chosen === c.name}
              onChange={() => setChosen(c.name)}
              autoFocus={n === 0}
            />
            <Kbd>{n + 1}</Kbd> {i.className(c.name)} {c.severity && <SeverityBadge severity={c.severity} />}
          </label>
        ))}
      </fieldset>
      <label>
        {i.t('common.note')}
        <textarea
          rows={2}
          value={note}
          placeholder={i.t('common.notePlaceholder')}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
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

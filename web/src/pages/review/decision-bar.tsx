import type { Decision, Me } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { Kbd } from '../../ui.js';
import type { Mode } from './state.js';

/** A button for every key: the decisions (off while another reviewer holds the finding), the missed-hazard box, undo and moving on. */
export function DecisionBar(props: {
  me: Me;
  canDecide: boolean;
  width: number;
  height: number;
  setMode: (m: Mode) => void;
  decide: (d: Decision) => void;
  onSkip: () => void;
  onPrev: () => void;
  onNext: () => void;
  onUndo: () => void;
  canUndo: boolean;
}) {
  const i = useI18n();
  const { canDecide, width, height, setMode } = props;
  return (
    <div class="actions">
      <button
        type="button"
        class="confirm"
        id="confirm"
        disabled={!canDecide}
        onClick={() => props.decide({ decision: 'confirm' })}
      >
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
      <button
        type="button"
        disabled={!width || props.me.role !== 'reviewer'}
        onClick={() => setMode({ kind: 'draw', box: [width * 0.45, height * 0.45, width * 0.55, height * 0.55] })}
      >
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
  );
}

import { useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import type { Decision, FlightPage, Me, ModelCard, SitePage } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { errorText, Loading, Toasts, useAsync, useToasts } from '../../ui.js';
import type { ViewerHandle } from '../viewer.js';
import { FindingPanel } from './finding-panel.js';
import { QueuePanel } from './queue.js';
import type { Mode, OpenFinding } from './state.js';
import { useReviewQueue } from './use-review-queue.js';
import { useReviewShortcuts } from './use-review-shortcuts.js';

/**
 * The reviewer workstation: the queue on the left, the finding's photo in the middle, its facts and
 * the decisions on the right. Keyboard first (press ? for the keys); every key has a button.
 */
export function ReviewPage({ me }: { me: Me }) {
  const i = useI18n();
  const [mode, setMode] = useState<Mode>({ kind: 'browse' });
  const { toasts, push, drop } = useToasts();
  const model = useAsync(() => api<ModelCard>('GET', '/model'), []);
  const flights = useAsync(() => api<FlightPage>('GET', '/flights?limit=100'), []);
  const sites = useAsync(() => api<SitePage>('GET', '/sites?limit=200'), []);
  const queue = useReviewQueue({ push, drop });
  const { items, current } = queue;
  const decide = (body: Decision) => {
    if (queue.decide(body)) setMode({ kind: 'browse' });
  };

  const hazardClasses = useMemo(() => (model.value?.classes ?? []).filter((c) => c.hazardCode), [model.value]);
  const viewer = useRef<ViewerHandle | undefined>(undefined);
  const [openFinding, setOpenFinding] = useState<OpenFinding>();
  useReviewShortcuts({ me, queue, mode, setMode, viewer, openFinding, decide });

  return (
    <main class="review">
      <QueuePanel queue={queue} flights={flights.value} sites={sites.value} />
      {current ? (
        <FindingPanel
          key={current.finding.id}
          item={current}
          me={me}
          classes={hazardClasses}
          mode={mode}
          setMode={setMode}
          decide={decide}
          onSkip={() => queue.setIndex((n) => (n + 1 < items.length ? n + 1 : n))}
          onPrev={() => queue.setIndex((n) => Math.max(0, n - 1))}
          onNext={() => queue.setIndex((n) => Math.min(items.length - 1, n + 1))}
          onUndo={queue.undo}
          canUndo={queue.canUndo}
          viewer={viewer}
          onOpen={setOpenFinding}
          onMissedSaved={() => push({ kind: 'ok', text: i.t('toast.missedSaved') })}
          holdsDecision={queue.holdsDecision}
          onError={(error) => push({ kind: 'error', text: errorText(error) }, 8000)}
        />
      ) : (
        <section class="stage-empty">{queue.loadingQueue ? <Loading /> : <p>{i.t('finding.none')}</p>}</section>
      )}
      <Toasts toasts={toasts} drop={drop} />
    </main>
  );
}

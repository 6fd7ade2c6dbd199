import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import type {
  Decision,
  Finding,
  ImageDetail,
  Me,
  ModelCard,
  NewMissedHazard,
  QueueItem,
  Site,
} from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { useAsync } from '../../ui.js';
import { FindingHistoryTimeline } from '../finding-history.js';
import type { ViewerHandle } from '../viewer.js';
import { DecisionBar } from './decision-bar.js';
import { ClassDialog, RejectDialog } from './dialogs.js';
import { FactsPanel } from './facts.js';
import { useLease } from './lease.js';
import { PhotoPanel } from './photo.js';
import type { Mode, OpenFinding } from './state.js';

/**
 * The finding on screen (keyed by its id, so each finding starts afresh): its views, photo, site and
 * lease, and the dialogs that decide it or record a hazard the model missed.
 */
export function FindingPanel(props: {
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
  const image = useAsync(() => api<ImageDetail>('GET', `/images/${view.detection.imageId}`), [view.detection.imageId]);
  const site = useAsync(
    () => (f.siteId ? api<Site>('GET', `/sites/${f.siteId}`) : Promise.resolve(undefined)),
    [f.siteId],
  );

  const lease = useLease({ findingId: f.id, me: props.me, holdsDecision: props.holdsDecision, onError: props.onError });
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
    {
      box: view.detection.box,
      primary: true,
      label: `${i.className(view.detection.className)} ${view.detection.score.toFixed(2)}`,
    },
  ];
  const draft = mode.kind === 'draw' || mode.kind === 'missed-class' ? mode.box : undefined;

  const saveMissed = async (className: string, note: string) => {
    if (!draft) return;
    try {
      const body: NewMissedHazard = {
        className,
        box: draft.map((v) => Math.round(v)) as NewMissedHazard['box'],
        note: note || undefined,
        findingId: f.id,
      };
      await api('POST', `/images/${view.detection.imageId}/missed-hazards`, { body });
      props.onMissedSaved();
      setMode({ kind: 'browse' });
    } catch (error) {
      props.onError(error);
    }
  };

  return (
    <>
      <PhotoPanel
        view={view}
        views={views}
        viewIndex={viewIndex}
        setViewIndex={setViewIndex}
        width={width}
        height={height}
        boxes={boxes}
        mode={mode}
        setMode={setMode}
        draft={draft}
        viewer={props.viewer}
      />
      <FactsPanel
        item={item}
        lease={lease}
        site={site.value}
        image={image.value?.image}
        viewIndex={viewIndex}
        viewCount={views.length}
        error={finding.error}
        retry={finding.reload}
        actions={
          <>
            <DecisionBar
              me={props.me}
              canDecide={canDecide}
              width={width}
              height={height}
              setMode={setMode}
              decide={props.decide}
              onSkip={props.onSkip}
              onPrev={props.onPrev}
              onNext={props.onNext}
              onUndo={props.onUndo}
              canUndo={props.canUndo}
            />
            <FindingHistoryTimeline findingId={f.id} classes={props.classes} onRevised={finding.reload} />
          </>
        }
      />
      {mode.kind === 'reject' && (
        <RejectDialog
          onClose={() => setMode({ kind: 'browse' })}
          onReject={(reason, note) => props.decide({ decision: 'reject', reason, note: note || undefined })}
        />
      )}
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

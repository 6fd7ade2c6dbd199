import type { Finding } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { AuthImage, Kbd, Loading } from '../../ui.js';
import { type Box, PhotoViewer, type ViewerBox, type ViewerHandle } from '../viewer.js';
import type { Mode } from './state.js';

type View = Finding['views'][number];

/** The middle column: the photo of the chosen view with its boxes, the zoom buttons, and the strip of every view. */
export function PhotoPanel(props: {
  view: View;
  views: View[];
  viewIndex: number;
  setViewIndex: (n: number) => void;
  width: number;
  height: number;
  boxes: ViewerBox[];
  mode: Mode;
  setMode: (m: Mode) => void;
  draft: Box | undefined;
  viewer: { current: ViewerHandle | undefined };
}) {
  const i = useI18n();
  const { view, views, viewIndex, width, height, mode } = props;
  return (
    <section class="photo" aria-label={i.t('finding.photo')}>
      {width && height ? (
        <PhotoViewer
          imageId={view.detection.imageId}
          width={width}
          height={height}
          boxes={props.boxes}
          focus={view.detection.box}
          draft={props.draft}
          onDraft={mode.kind === 'draw' ? (box) => props.setMode({ kind: 'draw', box }) : undefined}
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
              <button
                type="button"
                onClick={() => props.setViewIndex(n)}
                title={i.t('finding.view', { n: n + 1, of: views.length })}
              >
                <AuthImage
                  path={`/detections/${v.detection.id}/crop`}
                  alt={i.t('finding.view', { n: n + 1, of: views.length })}
                />
                <span>
                  {n + 1} · {v.detection.score.toFixed(2)}
                </span>
              </button>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, blobUrl } from '../api.js';
import type { OriginalUrl } from '../api/types.js';

export type Box = [number, number, number, number];

export interface ViewerBox {
  box: Box;
  /** The finding's box in this view, drawn strongest. */
  primary: boolean;
  label: string;
}

interface ViewState {
  /** Photo pixels to screen pixels. */
  scale: number;
  /** Screen offset of the photo's top-left corner within the viewer. */
  x: number;
  y: number;
}

export interface ViewerHandle {
  zoom(factor: number): void;
  fit(): void;
  pan(dx: number, dy: number): void;
  /** The middle of what is on screen, in photo pixels. */
  centre(): [number, number];
}

const MAX_SCALE = 4;
const PREVIEW_WIDTH = 1600;

/**
 * A photo at any zoom, with boxes in its own pixels. It opens on the preview and switches to the
 * original, exactly as uploaded, once zoomed past what the preview holds (that view is audited).
 * `draft` is a box being drawn (missed hazards): dragging draws it.
 */
export function PhotoViewer(props: {
  imageId: string;
  width: number;
  height: number;
  boxes: ViewerBox[];
  focus: Box | undefined;
  draft?: Box | undefined;
  onDraft?: (box: Box) => void;
  handle: (h: ViewerHandle | undefined) => void;
}) {
  const { imageId, width, height } = props;
  const outer = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<ViewState>({ scale: 0, x: 0, y: 0 });
  const [preview, setPreview] = useState<string>();
  const [original, setOriginal] = useState<string>();
  const viewRef = useRef(view);
  viewRef.current = view;
  const fitView = (): ViewState => {
    const el = outer.current;
    if (!el) return { scale: 0, x: 0, y: 0 };
    const scale = Math.min(el.clientWidth / width, el.clientHeight / height);
    return { scale, x: (el.clientWidth - width * scale) / 2, y: (el.clientHeight - height * scale) / 2 };
  };
  const clamp = (v: ViewState): ViewState => {
    const el = outer.current;
    if (!el) return v;
    const fit = Math.min(el.clientWidth / width, el.clientHeight / height);
    const scale = Math.min(MAX_SCALE, Math.max(fit, v.scale));
    const w = width * scale;
    const h = height * scale;
    const x = w <= el.clientWidth ? (el.clientWidth - w) / 2 : Math.min(0, Math.max(el.clientWidth - w, v.x));
    const y = h <= el.clientHeight ? (el.clientHeight - h) / 2 : Math.min(0, Math.max(el.clientHeight - h, v.y));
    return { scale, x, y };
  };
  const zoomAt = (factor: number, sx: number, sy: number) => {
    const v = viewRef.current;
    if (!v.scale) return;
    const scale = v.scale * factor;
    setView(clamp({ scale, x: sx - ((sx - v.x) * scale) / v.scale, y: sy - ((sy - v.y) * scale) / v.scale }));
  };

  useLayoutEffect(() => {
    setOriginal(undefined);
    setView(fitView());
  }, [imageId, width, height]);
  useEffect(() => {
    let live = true;
    setPreview(undefined);
    blobUrl(`/images/${imageId}/preview?boxes=false`).then(
      (url) => live && setPreview(url),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [imageId]);
  useEffect(() => {
    const el = outer.current!;
    const observer = new ResizeObserver(() => setView((v) => (v.scale === 0 ? fitView() : clamp(v))));
    observer.observe(el);
    return () => observer.disconnect();
  }, [imageId]);
  // Past the preview's own resolution, the original is worth its bytes.
  const needsOriginal = view.scale * width > PREVIEW_WIDTH * 1.15;
  useEffect(() => {
    if (!needsOriginal || original) return;
    let live = true;
    api<OriginalUrl>('GET', `/images/${imageId}/original`).then(
      (r) => live && setOriginal(r.url),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [needsOriginal, imageId, original]);

  useEffect(() => {
    props.handle({
      zoom(factor) {
        const el = outer.current;
        if (!el) return;
        const v = viewRef.current;
        // Zoom towards the finding when it is on screen, else towards the middle.
        let sx = el.clientWidth / 2;
        let sy = el.clientHeight / 2;
        if (props.focus) {
          const [x1, y1, x2, y2] = props.focus;
          const cx = v.x + ((x1 + x2) / 2) * v.scale;
          const cy = v.y + ((y1 + y2) / 2) * v.scale;
          if (cx >= 0 && cy >= 0 && cx <= el.clientWidth && cy <= el.clientHeight) {
            sx = cx;
            sy = cy;
          }
        }
        zoomAt(factor, sx, sy);
      },
      fit: () => setView(fitView()),
      pan: (dx, dy) => setView((v) => clamp({ ...v, x: v.x + dx, y: v.y + dy })),
      centre() {
        const el = outer.current;
        const v = viewRef.current;
        if (!el) return [width / 2, height / 2];
        return [(el.clientWidth / 2 - v.x) / v.scale, (el.clientHeight / 2 - v.y) / v.scale];
      },
    });
    return () => props.handle(undefined);
  });

  const drag = useRef<{
    kind: 'pan' | 'draw';
    sx: number;
    sy: number;
    x: number;
    y: number;
    px: number;
    py: number;
  } | null>(null);
  const toPhoto = (clientX: number, clientY: number): [number, number] => {
    const rect = outer.current?.getBoundingClientRect() ?? { left: 0, top: 0 };
    const v = viewRef.current;
    return [
      Math.min(width, Math.max(0, (clientX - rect.left - v.x) / v.scale)),
      Math.min(height, Math.max(0, (clientY - rect.top - v.y) / v.scale)),
    ];
  };
  // Lines and labels keep one size on screen whatever the zoom.
  const stroke = 1.6 / (view.scale || 1);
  const text = 13 / (view.scale || 1);

  return (
    <div
      ref={outer}
      class={`viewer ${props.onDraft ? 'drawing' : ''}`}
      onWheel={(e) => {
        e.preventDefault();
        const rect = outer.current!.getBoundingClientRect();
        zoomAt(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - rect.left, e.clientY - rect.top);
      }}
      onPointerDown={(e) => {
        (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        const [px, py] = toPhoto(e.clientX, e.clientY);
        drag.current = {
          kind: props.onDraft ? 'draw' : 'pan',
          sx: e.clientX,
          sy: e.clientY,
          x: viewRef.current.x,
          y: viewRef.current.y,
          px,
          py,
        };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        if (d.kind === 'pan')
          setView(clamp({ ...viewRef.current, x: d.x + e.clientX - d.sx, y: d.y + e.clientY - d.sy }));
        else {
          const [px, py] = toPhoto(e.clientX, e.clientY);
          props.onDraft?.([Math.min(d.px, px), Math.min(d.py, py), Math.max(d.px, px), Math.max(d.py, py)]);
        }
      }}
      onPointerUp={() => {
        drag.current = null;
      }}
      onDblClick={(e) => {
        const rect = outer.current!.getBoundingClientRect();
        zoomAt(2, e.clientX - rect.left, e.clientY - rect.top);
      }}
    >
      <div
        class="stage"
        style={{
          width: `${width}px`,
          height: `${height}px`,
          transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
        }}
      >
        {preview && <img src={preview} alt="" width={width} height={height} draggable={false} />}
        {original && <img class="original" src={original} alt="" width={width} height={height} draggable={false} />}
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
          {props.boxes.map((b, i) => (
            <g key={i} class={b.primary ? 'box primary' : 'box'}>
              <rect
                x={b.box[0]}
                y={b.box[1]}
                width={b.box[2] - b.box[0]}
                height={b.box[3] - b.box[1]}
                stroke-width={b.primary ? stroke * 1.8 : stroke}
              />
              {b.primary && (
                <text x={b.box[0]} y={Math.max(b.box[1] - text * 0.4, text)} font-size={text}>
                  {b.label}
                </text>
              )}
            </g>
          ))}
          {props.draft && (
            <rect
              class="draft"
              x={props.draft[0]}
              y={props.draft[1]}
              width={props.draft[2] - props.draft[0]}
              height={props.draft[3] - props.draft[1]}
              stroke-width={stroke * 1.5}
              stroke-dasharray={`${stroke * 5} ${stroke * 3}`}
            />
          )}
        </svg>
      </div>
      <div class="zoom-level" aria-live="polite">
        {Math.round(view.scale * 100)}%{original ? ' · 原图 original' : ''}
      </div>
    </div>
  );
}

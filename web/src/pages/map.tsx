import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CASE_STATUSES } from '../../../pipeline/domain/cases.js';
import { api } from '../api.js';
import type { GeoJsonCollection } from '../api/types.js';
import { useI18n } from '../i18n.js';
import { useShortcuts } from '../keys.js';
import { navigate } from '../router.js';
import { ErrorBox, Loading, useAsync } from '../ui.js';

// The contract types features as RFC 7946 leaves them (open geometry and properties); these are
// what the case and site layers fill in, and all the map reads.
type Feature = GeoJsonCollection['features'][number];
type CaseFeature = Feature & {
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: {
    caseId: string;
    reference: string;
    status: string;
    overdue: boolean;
    severity: string;
    hazards: string[];
    site: string | null;
  };
};
type SiteFeature = Feature & {
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
  properties: { name: string };
};
type Layer<F extends Feature> = Omit<GeoJsonCollection, 'features'> & { features: F[] };

/** Web Mercator in units of the world's width (0..1), so zoom is one number. */
const project = ([lon, lat]: [number, number]): [number, number] => {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
};

/**
 * Cases on a map of their sites' outlines, coloured by status, overdue ones ringed. No base map
 * tiles: this machine's network reaches none, and outlines with a scale bar are enough to see where
 * the work is.
 */
export function MapPage() {
  const i = useI18n();
  const [hidden, setHidden] = useState<Set<string>>(new Set(['closed', 'dismissed']));
  const cases = useAsync(() => api<Layer<CaseFeature>>('GET', '/cases/geojson?limit=5000'), []);
  const sites = useAsync(() => api<Layer<SiteFeature>>('GET', '/sites/geojson?limit=5000'), []);
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 800, h: 600 });
  const [view, setView] = useState<{ cx: number; cy: number; scale: number } | null>(null);
  const [hover, setHover] = useState<CaseFeature>();
  useEffect(() => {
    const el = box.current!;
    const observer = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const points = useMemo(
    () => (cases.value?.features ?? []).map((f) => ({ f, p: project(f.geometry.coordinates) })),
    [cases.value],
  );
  useEffect(() => {
    if (view || points.length === 0) return;
    // Open on the cases, with a margin.
    const xs = points.map((p) => p.p[0]);
    const ys = points.map((p) => p.p[1]);
    const spanX = Math.max(...xs) - Math.min(...xs) || 1e-5;
    const spanY = Math.max(...ys) - Math.min(...ys) || 1e-5;
    setView({
      cx: (Math.max(...xs) + Math.min(...xs)) / 2,
      cy: (Math.max(...ys) + Math.min(...ys)) / 2,
      scale: Math.min(size.w / spanX, size.h / spanY) * 0.7,
    });
  }, [points, size, view]);
  const v = view ?? { cx: 0.5, cy: 0.5, scale: size.w };
  const sx = (x: number) => size.w / 2 + (x - v.cx) * v.scale;
  const sy = (y: number) => size.h / 2 + (y - v.cy) * v.scale;
  const zoom = (factor: number) => setView({ ...v, scale: Math.min(1e9, Math.max(200, v.scale * factor)) });
  useShortcuts((e) => {
    if (e.key === '+' || e.key === '=') return (zoom(1.5), true);
    if (e.key === '-') return (zoom(1 / 1.5), true);
    const step = 80 / v.scale;
    if (e.key === 'ArrowLeft') return (setView({ ...v, cx: v.cx - step }), true);
    if (e.key === 'ArrowRight') return (setView({ ...v, cx: v.cx + step }), true);
    if (e.key === 'ArrowUp') return (setView({ ...v, cy: v.cy - step }), true);
    if (e.key === 'ArrowDown') return (setView({ ...v, cy: v.cy + step }), true);
    return false;
  });
  const drag = useRef<{ x: number; y: number; cx: number; cy: number } | null>(null);
  // Metres per pixel at the view's latitude, for the scale bar.
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * v.cy))) * 180) / Math.PI;
  const metresPerPixel = (40_075_016 * Math.cos((lat * Math.PI) / 180)) / v.scale;
  const bar = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000].reduce(
    (best, m) => (m / metresPerPixel <= 160 ? m : best),
    10,
  );
  const ringsOf = (g: SiteFeature['geometry']) =>
    ((g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Array<Array<Array<[number, number]>>>).flat();
  const shown = points.filter((p) => !hidden.has(p.f.properties.status));

  return (
    <main class="map-page">
      <header class="page-head">
        <h1>{i.t('map.title')}</h1>
        <span class="muted">{i.t('map.hint')}</span>
        <span class="spacer" />
        <div class="chips">
          {CASE_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              class={`chip status-${s} ${hidden.has(s) ? '' : 'chosen'}`}
              aria-pressed={!hidden.has(s)}
              onClick={() =>
                setHidden((h) => {
                  const n = new Set(h);
                  if (n.has(s)) n.delete(s);
                  else n.add(s);
                  return n;
                })
              }
            >
              <span class={`dot status-${s}`} /> {i.status(s)}
            </button>
          ))}
        </div>
      </header>
      {cases.error ? <ErrorBox error={cases.error} retry={cases.reload} /> : null}
      <div
        class="map"
        ref={box}
        onWheel={(e) => {
          e.preventDefault();
          zoom(e.deltaY < 0 ? 1.25 : 0.8);
        }}
        onPointerDown={(e) => {
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY, cx: v.cx, cy: v.cy };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setView({ ...v, cx: d.cx - (e.clientX - d.x) / v.scale, cy: d.cy - (e.clientY - d.y) / v.scale });
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
      >
        {cases.loading && !cases.value ? <Loading /> : null}
        <svg width={size.w} height={size.h}>
          <rect width={size.w} height={size.h} class="sea" />
          {(sites.value?.features ?? []).map((s, n) => (
            <g key={n} class="site">
              {ringsOf(s.geometry).map((ring, k) => (
                <path
                  key={k}
                  d={
                    ring
                      .map((c, j) => `${j ? 'L' : 'M'}${sx(project(c)[0]).toFixed(1)},${sy(project(c)[1]).toFixed(1)}`)
                      .join('') + 'Z'
                  }
                />
              ))}
            </g>
          ))}
          {shown.map(({ f, p }) => (
            <g
              key={f.properties.caseId}
              class={`case status-${f.properties.status} ${f.properties.overdue ? 'overdue' : ''}`}
              transform={`translate(${sx(p[0]).toFixed(1)}, ${sy(p[1]).toFixed(1)})`}
              onPointerEnter={() => setHover(f)}
              onPointerLeave={() => setHover(undefined)}
              onClick={() => navigate(`#/cases/${f.properties.caseId}`)}
            >
              {f.properties.overdue && <circle r={12} class="ring" />}
              <circle r={f.properties.severity === 'major' ? 8 : 6} />
            </g>
          ))}
          <g class="scale" transform={`translate(16, ${size.h - 18})`}>
            <path d={`M0,0 h${bar / metresPerPixel}`} />
            <text x={bar / metresPerPixel / 2} y={-6} text-anchor="middle">
              {bar >= 1000 ? `${bar / 1000} km` : `${bar} m`}
            </text>
          </g>
        </svg>
        {hover && (
          <div class="map-tip">
            <strong>{hover.properties.reference}</strong> · {i.status(hover.properties.status)}
            <br />
            {hover.properties.site ?? i.t('case.noSite')}
            <br />
            {hover.properties.hazards.map((h) => i.hazard(h)).join('、')}
          </div>
        )}
      </div>
    </main>
  );
}

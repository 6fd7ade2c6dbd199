import { useI18n } from '../i18n.js';

/** A point on the ground, WGS-84 degrees. */
interface LatLon {
  lat: number;
  lon: number;
}

type Ring = LatLon[];

/**
 * A small north-up map in metres around a point: the site's outline, the photo's footprint, the
 * finding with its error circle, and a scale bar. No base map: it needs no tile server, and the
 * site outline is what a reviewer checks the position against.
 */
export function MiniMap({
  point,
  errorM,
  site,
  footprint,
  width = 300,
  height = 190,
}: {
  point: LatLon | null;
  errorM?: number;
  site?: Ring[];
  footprint?: Ring | null;
  width?: number;
  height?: number;
}) {
  const { t } = useI18n();
  const rings = [...(site ?? []), ...(footprint ? [footprint] : [])];
  const anchor = point ?? rings[0]?.[0];
  if (!anchor) return null;
  const cos = Math.cos((anchor.lat * Math.PI) / 180);
  const toXY = (p: LatLon): [number, number] => [(p.lon - anchor.lon) * 111_320 * cos, (p.lat - anchor.lat) * 110_540];
  const all = [...rings.flat(), ...(point ? [point] : [])].map(toXY);
  const r = errorM ?? 0;
  const minX = Math.min(...all.map((p) => p[0]), -r - 10);
  const maxX = Math.max(...all.map((p) => p[0]), r + 10);
  const minY = Math.min(...all.map((p) => p[1]), -r - 10);
  const maxY = Math.max(...all.map((p) => p[1]), r + 10);
  const pad = 12;
  const scale = Math.min((width - 2 * pad) / (maxX - minX), (height - 2 * pad) / (maxY - minY));
  const sx = (x: number) => pad + (x - minX) * scale + (width - 2 * pad - (maxX - minX) * scale) / 2;
  const sy = (y: number) => height - pad - (y - minY) * scale - (height - 2 * pad - (maxY - minY) * scale) / 2;
  const path = (ring: Ring) =>
    ring.map((p, i) => `${i ? 'L' : 'M'}${sx(toXY(p)[0]).toFixed(1)},${sy(toXY(p)[1]).toFixed(1)}`).join('') + 'Z';
  const bar = niceLength(width / 3 / scale);
  const centre = point ? toXY(point) : undefined;
  return (
    <svg
      class="minimap"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={t('minimap.title')}
    >
      <rect width={width} height={height} class="bg" />
      {site?.map((ring, i) => (
        <path key={`s${i}`} d={path(ring)} class="site" />
      ))}
      {footprint && <path d={path(footprint)} class="footprint" />}
      {centre && (
        <>
          {r > 0 && <circle cx={sx(centre[0])} cy={sy(centre[1])} r={Math.max(3, r * scale)} class="error" />}
          <circle cx={sx(centre[0])} cy={sy(centre[1])} r={4} class="point" />
        </>
      )}
      <g class="north" transform={`translate(${width - 16}, 18)`}>
        <path d="M0,-10 L5,4 L0,1 L-5,4Z" />
        <text y="16" text-anchor="middle">
          N
        </text>
      </g>
      <g class="scale" transform={`translate(10, ${height - 10})`}>
        <path d={`M0,0 h${bar * scale}`} />
        <text x={(bar * scale) / 2} y="-4" text-anchor="middle">
          {bar} m
        </text>
      </g>
      <g class="legend" transform="translate(10, 14)">
        {site?.length ? <text class="site-label">▭ {t('minimap.site')}</text> : null}
        {footprint && (
          <text y="13" class="footprint-label">
            ▭ {t('minimap.footprint')}
          </text>
        )}
      </g>
    </svg>
  );
}

function niceLength(metres: number): number {
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
  return steps.reduce((best, s) => (s <= metres ? s : best), 1);
}

/** A site's outline rings (outer rings only; holes are not needed at this scale). */
export function siteRings(geometry: Record<string, unknown> | undefined): Ring[] {
  if (!geometry) return [];
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Array<
    Array<Array<[number, number]>>
  >;
  return polygons.map((p) => p[0]!.map(([lon, lat]) => ({ lat, lon })));
}

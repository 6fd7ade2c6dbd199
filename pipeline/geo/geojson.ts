/**
 * Builders of RFC 7946 GeoJSON: positions are [lon, lat] on WGS-84, polygons follow the right-hand
 * rule (exterior rings counterclockwise, holes clockwise), and the collection carries a bbox.
 *
 * Every builder takes the same options, applied to every coordinate:
 * - `precision` (default 7 decimals, about 1 cm): drone positions are no better than that, and
 *   fewer digits keep exports small and diffable.
 * - `crs: 'gcj02'` converts to GCJ-02 for Chinese base maps (AMap/Gaode, Tencent; see gcj02.ts).
 *   RFC 7946 removed the `crs` member and says GeoJSON is WGS-84, so such a file is, strictly,
 *   not conformant: it is marked with a top-level foreign member `"coordinateSystem": "GCJ-02"`, and
 *   any consumer expecting strict WGS-84 (GIS tools, other agencies, our own re-imports) must be
 *   given the default output instead, or it will misplace everything by hundreds of metres.
 *
 * Pure functions; no antimeridian handling (survey sites are nowhere near it).
 */
import { wgs84ToGcj02 } from './gcj02.js';
import type { LatLon } from './wgs84.js';

/** [lon, lat], in that order (RFC 7946 §3.1.1). */
export type Position = [number, number];
/** [minLon, minLat, maxLon, maxLat] (RFC 7946 §5). */
export type BBox = [number, number, number, number];

interface Point {
  type: 'Point';
  coordinates: Position;
}
interface LineString {
  type: 'LineString';
  coordinates: Position[];
}
interface Polygon {
  type: 'Polygon';
  coordinates: Position[][];
}
interface MultiPolygon {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export type Geometry = Point | LineString | Polygon | MultiPolygon;

/**
 * A JSON object or null (RFC 7946 §3.2). `any`, not `unknown`, so that interface-typed properties
 * are accepted (TypeScript gives interfaces no implicit index signature); the builders keep the
 * caller's own type through their P parameter.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: interfaces must be accepted
export type Properties = Record<string, any> | null;

export interface Feature<G extends Geometry = Geometry, P extends Properties = Properties> {
  type: 'Feature';
  geometry: G;
  properties: P;
}

export interface FeatureCollection<F extends Feature = Feature> {
  type: 'FeatureCollection';
  /** Foreign member, present only when coordinates were converted to GCJ-02. */
  coordinateSystem?: 'GCJ-02';
  /** Absent for an empty collection, which has no extent. */
  bbox?: BBox;
  features: F[];
}

export interface GeoJsonOptions {
  /** Default 'wgs84'. 'gcj02' is only for Chinese base maps: see the module comment. */
  crs?: 'wgs84' | 'gcj02';
  /** Decimal places kept on every coordinate; default 7 (about 1 cm). */
  precision?: number;
}

const DEFAULT_PRECISION = 7;

/**
 * Which datum each builder-made feature is in, so that featureCollection can refuse to mix them:
 * a WGS-84 feature in a GCJ-02 file (or the reverse) would be silently ~500 m off.
 */
const builtIn = new WeakMap<object, 'wgs84' | 'gcj02'>();

function makeFeature<G extends Geometry, P extends Properties>(
  geometry: G,
  properties: P,
  options: GeoJsonOptions,
): Feature<G, P> {
  const feature: Feature<G, P> = { type: 'Feature', geometry, properties };
  builtIn.set(feature, options.crs ?? 'wgs84');
  return feature;
}

function positionOf(p: LatLon, options: GeoJsonOptions): Position {
  // Non-finite numbers would serialise as null and produce invalid GeoJSON far from the error.
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon))
    throw new Error(`GeoJSON: position is not finite (lat ${p.lat}, lon ${p.lon})`);
  const precision = options.precision ?? DEFAULT_PRECISION;
  // Beyond 12 decimals (0.1 µm) a double near lon 180 has no digits left to round.
  if (!Number.isInteger(precision) || precision < 0 || precision > 12)
    throw new Error(`GeoJSON: precision must be an integer from 0 to 12, got ${precision}`);
  const q = options.crs === 'gcj02' ? wgs84ToGcj02(p) : p;
  const scale = 10 ** precision;
  // Math.round(x·10^n)/10^n gives the double nearest the rounded decimal, so JSON prints it short.
  return [Math.round(q.lon * scale) / scale, Math.round(q.lat * scale) / scale];
}

const samePosition = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1];

/** Converted, rounded positions with consecutive repeats removed (rounding can create repeats). */
function positionsOf(points: readonly LatLon[], options: GeoJsonOptions): Position[] {
  const out: Position[] = [];
  for (const p of points) {
    const pos = positionOf(p, options);
    const last = out[out.length - 1];
    if (!last || !samePosition(last, pos)) out.push(pos);
  }
  return out;
}

/** Twice the signed area (shoelace) of an open ring; positive when counterclockwise in lon/lat. */
function signedArea2(open: readonly Position[]): number {
  // Relative to the first vertex: at lon ≈ 116 the raw products would cancel away small footprints.
  const [x0, y0] = open[0]!;
  let sum = 0;
  for (let i = 0; i < open.length; i++) {
    const [x1, y1] = open[i]!;
    const [x2, y2] = open[(i + 1) % open.length]!;
    sum += (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
  }
  return sum;
}

/** A closed ring, counterclockwise when exterior, clockwise when a hole (RFC 7946 §3.1.6). */
function ringOf(points: readonly LatLon[], exterior: boolean, options: GeoJsonOptions): Position[] {
  const open = positionsOf(points, options);
  // Accept rings given closed or not: drop the closing repeat, then close again at the end.
  if (open.length > 1 && samePosition(open[0]!, open[open.length - 1]!)) open.pop();
  const kind = exterior ? 'exterior ring' : 'hole';
  const distinct = new Set(open.map((p) => `${p[0]},${p[1]}`)).size;
  if (distinct < 3)
    throw new Error(`GeoJSON: polygon ${kind} has ${distinct} distinct point(s) after rounding; at least 3 are needed`);
  const area2 = signedArea2(open);
  // Collinear points enclose nothing and have no orientation to put right.
  if (area2 === 0) throw new Error(`GeoJSON: polygon ${kind} has zero area (its points are collinear)`);
  if (area2 > 0 !== exterior) open.reverse();
  return [...open, open[0]!];
}

function polygonCoordinates(
  rings: readonly LatLon[] | readonly (readonly LatLon[])[],
  options: GeoJsonOptions,
): Position[][] {
  const list = isRingList(rings) ? rings : [rings];
  return list.map((ring, i) => ringOf(ring, i === 0, options));
}

function isRingList(
  rings: readonly LatLon[] | readonly (readonly LatLon[])[],
): rings is readonly (readonly LatLon[])[] {
  return rings.length > 0 && Array.isArray(rings[0]);
}

export function pointFeature<P extends Properties>(
  p: LatLon,
  properties: P,
  options: GeoJsonOptions = {},
): Feature<Point, P> {
  return makeFeature({ type: 'Point', coordinates: positionOf(p, options) }, properties, options);
}

/** A track; consecutive repeats (a hovering drone) are dropped, and two distinct positions are required. */
export function lineFeature<P extends Properties>(
  points: readonly LatLon[],
  properties: P,
  options: GeoJsonOptions = {},
): Feature<LineString, P> {
  const coordinates = positionsOf(points, options);
  if (coordinates.length < 2)
    throw new Error(`GeoJSON: line has ${coordinates.length} distinct point(s) after rounding; at least 2 are needed`);
  return makeFeature({ type: 'LineString', coordinates }, properties, options);
}

/** One ring, or [outer, ...holes]; rings may be given closed or open and in either orientation. */
export function polygonFeature<P extends Properties>(
  rings: readonly LatLon[] | readonly (readonly LatLon[])[],
  properties: P,
  options: GeoJsonOptions = {},
): Feature<Polygon, P> {
  return makeFeature({ type: 'Polygon', coordinates: polygonCoordinates(rings, options) }, properties, options);
}

/** Several polygons as one feature, each one ring or [outer, ...holes], normalised like polygonFeature. */
export function multiPolygonFeature<P extends Properties>(
  polygons: readonly (readonly LatLon[] | readonly (readonly LatLon[])[])[],
  properties: P,
  options: GeoJsonOptions = {},
): Feature<MultiPolygon, P> {
  return makeFeature(
    { type: 'MultiPolygon', coordinates: polygons.map((rings) => polygonCoordinates(rings, options)) },
    properties,
    options,
  );
}

function allPositions(g: Geometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'LineString':
      return g.coordinates;
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

/**
 * The collection, with its bbox over every coordinate. Pass the same options as to the feature
 * builders: `crs: 'gcj02'` marks the file as GCJ-02, and features built in the other datum are refused.
 */
export function featureCollection<F extends Feature>(
  features: readonly F[],
  options: GeoJsonOptions = {},
): FeatureCollection<F> {
  const crs = options.crs ?? 'wgs84';
  for (const f of features) {
    const made = builtIn.get(f);
    if (made !== undefined && made !== crs)
      throw new Error(`GeoJSON: a feature built as ${made} cannot go into a ${crs} collection`);
  }
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    for (const [lon, lat] of allPositions(f.geometry)) {
      minLon = Math.min(minLon, lon);
      minLat = Math.min(minLat, lat);
      maxLon = Math.max(maxLon, lon);
      maxLat = Math.max(maxLat, lat);
    }
  }
  return {
    type: 'FeatureCollection',
    ...(crs === 'gcj02' ? { coordinateSystem: 'GCJ-02' as const } : {}),
    ...(minLon <= maxLon ? { bbox: [minLon, minLat, maxLon, maxLat] satisfies BBox } : {}),
    features: [...features],
  };
}

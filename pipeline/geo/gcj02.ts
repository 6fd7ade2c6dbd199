/**
 * WGS-84 ⇄ GCJ-02 ("Mars coordinates").
 *
 * Why: regulators in China look at results on Chinese base maps (AMap/Gaode, Tencent), whose tiles
 * are drawn in GCJ-02, a deliberately obfuscated datum. A WGS-84 point drawn on them lands some
 * 100–700 m off, which is the difference between "this roof" and "the next street". Exports
 * therefore offer a conversion to GCJ-02 for those viewers only.
 *
 * The forward transform is the public algorithm that circulates in open-source code (eviltransform,
 * coordtransform and many others): Krasovsky 1940 ellipsoid constants and two fixed trigonometric
 * polynomials. It matches the official one to within about a metre or two; it is not a survey
 * transform. The inverse has no closed form, so it is found by fixed-point iteration, which
 * inverts the forward transform to well under a millimetre (the forward transform's own fidelity,
 * not the inversion, bounds the accuracy).
 *
 * Outside mainland China the maps use WGS-84 and points are returned unchanged. "Outside" is the
 * usual rough bounding box (72.004–137.8347°E, 0.8293–55.8271°N), not the border: Hong Kong, Macau
 * and Taiwan are inside it and shifted, and so are neighbours such as Korea, Mongolia, Vietnam and
 * Singapore. Approximate by design; correct for mainland survey sites, which is what it is for.
 */
import type { LatLon } from './wgs84.js';

/** Krasovsky 1940 semi-major axis and first eccentricity squared, as the public algorithm uses them. */
const KRASOVSKY_A = 6378245.0;
// eslint-disable-next-line no-loss-of-precision -- the published constant as published; the double nearest it is what is used
const KRASOVSKY_EE = 0.00669342162296594323;
const DEG = Math.PI / 180;

/** The commonly used rough box around China: cheap, and what every public implementation uses. */
export function outOfChina(p: LatLon): boolean {
  return p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271;
}

/** The published polynomials, in metres-like units on offsets from (105°E, 35°N). */
function transformLat(x: number, y: number): number {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return ret;
}

function transformLon(x: number, y: number): number {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return ret;
}

/** GCJ-02 minus WGS-84 at a WGS-84 point, in degrees (no bounding-box test). */
function offset(p: LatLon): LatLon {
  const sinLat = Math.sin(p.lat * DEG);
  const magic = 1 - KRASOVSKY_EE * sinLat * sinLat;
  const sqrtMagic = Math.sqrt(magic);
  // The polynomials give metres; divide by the Krasovsky meridian / parallel radii to get degrees.
  const dLat =
    (transformLat(p.lon - 105.0, p.lat - 35.0) * 180.0) /
    (((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLon =
    (transformLon(p.lon - 105.0, p.lat - 35.0) * 180.0) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(p.lat * DEG) * Math.PI);
  return { lat: dLat, lon: dLon };
}

export function wgs84ToGcj02(p: LatLon): LatLon {
  if (outOfChina(p)) return p;
  const d = offset(p);
  return { lat: p.lat + d.lat, lon: p.lon + d.lon };
}

/** Converged when a step moves less than this: 1e-9° is about 0.1 mm. */
const INVERSE_TOLERANCE_DEG = 1e-9;
/** The offset varies slowly, so each step shrinks the error ~1000-fold: 4–5 steps converge; 10 is ample. */
const INVERSE_MAX_ITERATIONS = 10;

export function gcj02ToWgs84(p: LatLon): LatLon {
  if (outOfChina(p)) return p;
  // Solve wgs + offset(wgs) = p by fixed point: wgs ← p − offset(wgs). The box test is decided once,
  // on the input, so a point near the box edge does not flip between shifted and unshifted mid-way.
  let guess: LatLon = p;
  for (let i = 0; i < INVERSE_MAX_ITERATIONS; i++) {
    const d = offset(guess);
    const next = { lat: p.lat - d.lat, lon: p.lon - d.lon };
    const step = Math.max(Math.abs(next.lat - guess.lat), Math.abs(next.lon - guess.lon));
    guess = next;
    if (step < INVERSE_TOLERANCE_DEG) break;
  }
  return guess;
}

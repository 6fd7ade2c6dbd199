/**
 * Sites: the enterprises a finding can be attributed to. Pure rules for their identifiers and
 * outlines.
 */

// GB 32100-2015: 18 characters from this set, the last a check character over the first 17.
const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Why a unified social credit code is invalid, or undefined when it is valid. */
export function creditCodeProblem(code: string): string | undefined {
  if (code.length !== 18) return `has ${code.length} characters, not 18`;
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are meant; any character outside the charset is rejected
  const values = [...code].map((c) => CREDIT_CODE_CHARSET.indexOf(c));
  const bad = values.findIndex((v) => v < 0);
  if (bad >= 0) return `character ${bad + 1} ("${code[bad]}") is not one of ${CREDIT_CODE_CHARSET}`;
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected) return `check character is "${code[17]}", expected "${expected}"`;
  return undefined;
}

/** The check character for the first 17 characters of a credit code (all from the code's alphabet). */
export function creditCodeCheckCharacter(first17: string): string {
  const sum = CREDIT_CODE_WEIGHTS.reduce((s, w, i) => s + w * CREDIT_CODE_CHARSET.indexOf(first17[i]!), 0);
  return CREDIT_CODE_CHARSET[(31 - (sum % 31)) % 31]!;
}

/** The province, city and county codes of a six-digit administrative division code (GB/T 2260). */
export function regionCodes(code: string): { province: string; city: string; county: string } {
  return { province: `${code.slice(0, 2)}0000`, city: `${code.slice(0, 4)}00`, county: code };
}

export type Ring = Array<[number, number]>;

/** A site's outline: GeoJSON Polygon or MultiPolygon coordinates, [lon, lat], WGS-84. */
export type SiteGeometry = { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };

interface SitePart {
  ring: Ring;
  /** Index of the polygon within a MultiPolygon (0 for a Polygon). */
  polygon: number;
  hole: boolean;
}

/** Every ring of the geometry, outer rings and holes, closed. */
export function siteParts(geometry: SiteGeometry): SitePart[] {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.flatMap((rings, polygon) => rings.map((ring, i) => ({ ring: closed(ring), polygon, hole: i > 0 })));
}

function closed(ring: Ring): Ring {
  const [first, last] = [ring[0]!, ring.at(-1)!];
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

/** Problems with a geometry's rings (too few points, out-of-range coordinates), as paths and messages. */
export function geometryProblems(geometry: SiteGeometry): string[] {
  const problems: string[] = [];
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  polygons.forEach((rings, p) =>
    rings.forEach((ring, r) => {
      const at = geometry.type === 'Polygon' ? `coordinates[${r}]` : `coordinates[${p}][${r}]`;
      const distinct = new Set(ring.map(([lon, lat]) => `${lon},${lat}`));
      if (distinct.size < 3) problems.push(`${at}: a ring needs at least 3 distinct points`);
      else if (ringArea(ring) === 0) problems.push(`${at}: the ring encloses no area (its points lie on a line)`);
      else if (ring.length <= SELF_CROSSING_CHECK_LIMIT && crossesItself(closed(ring)))
        problems.push(`${at}: the ring crosses itself`);
      ring.forEach(([lon, lat], i) => {
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
          problems.push(`${at}[${i}]: [${lon}, ${lat}] is not a WGS-84 [longitude, latitude]`);
      });
    }),
  );
  return problems;
}

/** Rings longer than this are not checked for self-crossing (the check is quadratic). */
const SELF_CROSSING_CHECK_LIMIT = 2000;

function ringArea(ring: Ring): number {
  let twice = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

/** Whether two non-adjacent edges of a closed ring cross (a bow tie). */
function crossesItself(ring: Ring): boolean {
  const n = ring.length - 1;
  const orient = (a: [number, number], b: [number, number], c: [number, number]) =>
    Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // the first and last edges share a point
      const [a, b, c, d] = [ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!];
      if (orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0) return true;
    }
  }
  return false;
}

const EARTH_RADIUS_M = 6_371_008.8;

/**
 * Metres from a WGS-84 point to a site's outline: 0 inside it (a hole does not count as inside),
 * otherwise to the nearest edge. The rings are flattened onto a plane around the point, which is
 * exact enough over the few kilometres that rank a case's nearby sites.
 */
export function distanceToSiteM(point: { lat: number; lon: number }, geometry: SiteGeometry): number {
  const mPerLat = (Math.PI / 180) * EARTH_RADIUS_M;
  const mPerLon = mPerLat * Math.cos((point.lat * Math.PI) / 180);
  const flat = (p: [number, number]): [number, number] => [(p[0] - point.lon) * mPerLon, (p[1] - point.lat) * mPerLat];
  const byPolygon = new Map<number, { outer: boolean; holes: boolean }>();
  let nearest = Infinity;
  for (const part of siteParts(geometry)) {
    const ring = part.ring.map(flat);
    const inside = containsOrigin(ring);
    const seen = byPolygon.get(part.polygon) ?? { outer: false, holes: false };
    if (part.hole) seen.holes ||= inside;
    else seen.outer = inside;
    byPolygon.set(part.polygon, seen);
    for (let i = 1; i < ring.length; i++) nearest = Math.min(nearest, originToSegment(ring[i - 1]!, ring[i]!));
  }
  return [...byPolygon.values()].some((p) => p.outer && !p.holes) ? 0 : nearest;
}

/** Ray casting from (0, 0) along +x. */
function containsOrigin(ring: ReadonlyArray<[number, number]>): boolean {
  let inside = false;
  for (let i = 1; i < ring.length; i++) {
    const [x1, y1] = ring[i - 1]!;
    const [x2, y2] = ring[i]!;
    if (y1 > 0 !== y2 > 0 && x1 + ((0 - y1) * (x2 - x1)) / (y2 - y1) > 0) inside = !inside;
  }
  return inside;
}

function originToSegment([x1, y1]: [number, number], [x2, y2]: [number, number]): number {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / length2));
  return Math.hypot(x1 + t * dx, y1 + t * dy);
}

/**
 * What happens to a photo on arrival, beyond detection: whether it lies in the bureau's region,
 * whether its bytes were already reviewed in another flight, and which earlier finding a new one
 * repeats. Pure.
 */
import { regionExtent, withinExtent } from './regions.js';
import { type Ring, type SiteGeometry, siteParts } from './sites.js';

/** Why a photo is flagged on arrival. */
export const FLAG_REASONS = ['outside_region', 'no_gps'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

/** What a person decided about a photo held outside the region. */
export const HOLD_DECISIONS = ['process', 'discard'] as const;
export type HoldDecision = (typeof HOLD_DECISIONS)[number];

/** A bureau's region on the map: a GeoJSON Polygon or MultiPolygon, [lon, lat], WGS-84. */
export type RegionBoundary = SiteGeometry;

type RegionVerdict =
  | { verdict: 'inside' | 'outside_region'; by: 'boundary' | 'province' }
  | { verdict: 'inside'; by: 'unchecked' }
  | { verdict: 'no_gps' };

/**
 * Where a photo was taken against the bureau's region: its boundary when the bureau has recorded
 * one, otherwise the bounding box of the region code's province (domain/regions.ts, the same test
 * the upload CLI makes before sending): that catches a photo from another province, a receiver
 * reporting 0°, 0° or a file from someone else's survey, but not one from the next city, which only
 * a boundary can tell. A code of no known province is not checked. A photo without a position
 * cannot be judged: `no_gps`, processed as before and flagged so people see it.
 */
export function regionVerdict(
  position: { latitude?: number | undefined; longitude?: number | undefined },
  region: { regionCode: string; regionBoundary: RegionBoundary | null },
): RegionVerdict {
  const { latitude: lat, longitude: lon } = position;
  if (lat === undefined || lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon))
    return { verdict: 'no_gps' };
  if (region.regionBoundary)
    return { verdict: insideGeometry(region.regionBoundary, lon, lat) ? 'inside' : 'outside_region', by: 'boundary' };
  const extent = regionExtent(region.regionCode);
  if (!extent) return { verdict: 'inside', by: 'unchecked' };
  return { verdict: withinExtent(extent, lat, lon) ? 'inside' : 'outside_region', by: 'province' };
}

/** Even-odd rule per polygon: inside one of its outer rings and in none of that polygon's holes. */
function insideGeometry(geometry: RegionBoundary, lon: number, lat: number): boolean {
  const parts = siteParts(geometry);
  const polygons = new Set(parts.map((p) => p.polygon));
  for (const polygon of polygons) {
    const rings = parts.filter((p) => p.polygon === polygon);
    const outer = rings.filter((p) => !p.hole);
    if (outer.some((p) => insideRing(p.ring, lon, lat)) && !rings.some((p) => p.hole && insideRing(p.ring, lon, lat)))
      return true;
  }
  return false;
}

function insideRing(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A photo of the organisation with the same bytes, as far as the duplicate rule needs to know it. */
export interface SameBytes {
  imageId: string;
  flightId: string;
  status: string;
  processedAt: Date | null;
}

/**
 * The photo a new copy of the same bytes links to instead of being detected and reviewed again: the
 * first processed one in another flight of the organisation. Only a processed copy will do: its
 * detections and findings exist, so the link always leads somewhere. A copy still waiting, failed
 * or held gives nothing to link to, and the new photo is processed on its own (two copies in flight
 * at once are both processed: rare, and it loses nothing).
 */
export function duplicateOriginal(flightId: string, copies: readonly SameBytes[]): SameBytes | undefined {
  return copies
    .filter((c) => c.flightId !== flightId && c.status === 'processed')
    .sort(
      (a, b) =>
        (a.processedAt?.getTime() ?? Infinity) - (b.processedAt?.getTime() ?? Infinity) ||
        a.imageId.localeCompare(b.imageId),
    )[0];
}

/**
 * When a photo was taken, from its EXIF time. Times with an offset are exact; local times without one
 * are read as UTC, which orders a bureau's photos correctly as long as its cameras keep one zone
 * (the usual case: one bureau, one province, one clock). A photo with no readable time falls back to
 * `fallback` (when it was registered), the nearest fact there is.
 */
export function captureInstant(takenAt: unknown, hasOffset: unknown, fallback: Date): Date {
  if (typeof takenAt !== 'string') return fallback;
  const iso = hasOffset === true ? takenAt : `${takenAt}Z`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms) : fallback;
}

/**
 * Two findings of a hazard in different flights lie at the same place within this distance. Each
 * position carries the flight's own GNSS offset (1.5 m, 1 sigma, without an RTK fix), so two flights
 * disagree by about 2.1 m for the same object: 3 combined sigmas (6.4 m) keep 99% of true repeats.
 * RTK positions agree to centimetres, but the hazard itself moves a little between visits (a drum
 * set down again, a fire in another corner of the same heap): hence at least 5 m. Oblique views
 * can carry errors of tens of metres, and a gate that wide would link different hazards across a
 * yard: hence at most 25 m.
 */
export const RECURRENCE_GATE = { sigmas: 3, minM: 5, maxM: 25 } as const;

export function recurrenceGateM(errorA: number | null, errorB: number | null): number {
  const a = errorA ?? errorB ?? 0;
  const b = errorB ?? errorA ?? 0;
  return Math.min(RECURRENCE_GATE.maxM, Math.max(RECURRENCE_GATE.minM, RECURRENCE_GATE.sigmas * Math.hypot(a, b)));
}

/** An earlier or later finding of the same hazard near a new one (same organisation, another flight). */
export interface RecurrenceCandidate {
  id: string;
  capturedAt: Date;
  /** Processing order, used only to order findings captured at the same instant. */
  createdAt: Date;
  recurringOf: string | null;
  /** Ground distance to the new finding, metres. */
  distanceM: number;
  errorM: number | null;
}

interface RecurrenceRules {
  windowMs: number;
}

/**
 * Where a new finding goes in the chain of sightings of one hazard at one place, ordered by when the
 * photos were taken, not when they were processed: a flight uploaded late must not make the older
 * sighting look like the repeat. Each finding points to the sighting just before it (`recurringOf`).
 * The new finding points to the latest candidate captured before it; the earliest candidate
 * captured after it is re-pointed to the new one when that one was its predecessor (it pointed to
 * nothing, or to a sighting before the new one). Candidates count only within the gate and within
 * the window of the new finding's capture time.
 */
export function placeInRecurrence(
  finding: { id: string; capturedAt: Date; createdAt: Date; errorM: number | null },
  candidates: readonly RecurrenceCandidate[],
  rules: RecurrenceRules,
): { recurringOf: string | null; relink: Array<{ id: string; recurringOf: string }> } {
  const near = candidates.filter(
    (c) =>
      c.id !== finding.id &&
      c.distanceM <= recurrenceGateM(finding.errorM, c.errorM) &&
      Math.abs(c.capturedAt.getTime() - finding.capturedAt.getTime()) <= rules.windowMs,
  );
  const before = (a: { capturedAt: Date; createdAt: Date; id: string }, b: typeof a) =>
    a.capturedAt.getTime() - b.capturedAt.getTime() ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    a.id.localeCompare(b.id);
  const earlier = near.filter((c) => before(c, finding) < 0).sort(before);
  const later = near.filter((c) => before(c, finding) > 0).sort(before);
  const previous = earlier.at(-1);
  const next = later[0];
  const earlierIds = new Set(earlier.map((c) => c.id));
  const relink =
    next && (next.recurringOf === null || earlierIds.has(next.recurringOf))
      ? [{ id: next.id, recurringOf: finding.id }]
      : [];
  return { recurringOf: previous?.id ?? null, relink };
}

/**
 * One finding per hazard: a survey flight photographs each spot 5–10 times, and the reviewer should
 * see one blocked exit once, with its best views, not eight detections. Pure.
 */

/** A detection placed on the ground, in metres on the flight's local tangent plane. */
export interface PlacedDetection {
  id: string;
  className: string;
  score: number;
  imageId: string;
  east: number;
  north: number;
  /** Horizontal error of the ground point, 1 sigma, metres. */
  errorM: number;
  /** The box's ground extent, axis-aligned on the plane. */
  extent: { minEast: number; minNorth: number; maxEast: number; maxNorth: number };
  /** Distance of the box centre from the photo centre, 0 (centre) to 1 (corner). */
  offCentre: number;
  /** Ground resolution of the photo at the box, metres per pixel. */
  gsdM: number;
}

interface FindingDraft {
  className: string;
  east: number;
  north: number;
  errorM: number;
  /** Every view, best first. */
  views: PlacedDetection[];
}

interface MergeRules {
  /** Two positions are the same place within this many combined sigmas. */
  gateSigmas: number;
  /** A cut-off view lies inside a whole one: merged when this share of the smaller ground box overlaps. */
  extentOverlap: number;
}

const DEFAULT_MERGE_RULES: MergeRules = { gateSigmas: 2.5, extentOverlap: 0.5 };

/** Photo-to-photo position jitter of a GNSS receiver within a flight, 1 sigma. */
const GNSS_JITTER_M = 0.3;

/**
 * The error that separates two views of one hazard within a flight: a detection's absolute error
 * less the GNSS offset every photo of the flight shares, plus the receiver's jitter between photos.
 * Gating on the absolute error would merge neighbouring hazards whenever there is no RTK fix.
 */
export function withinFlightErrorM(absoluteErrorM: number, positionSigmaM: number): number {
  return Math.hypot(Math.sqrt(Math.max(0, absoluteErrorM ** 2 - positionSigmaM ** 2)), GNSS_JITTER_M);
}

/**
 * How good a view is as evidence: its score, discounted towards the photo's edge (where objects are
 * cut off and lenses blur) and for coarser ground resolution than the finest view of the finding.
 */
export function viewMerit(view: PlacedDetection, finestGsdM: number): number {
  return view.score * (1 - 0.5 * Math.min(1, view.offCentre)) * Math.min(1, finestGsdM / view.gsdM);
}

/**
 * Greedy, best detections first: each joins the finding of its class whose position lies within
 * the gate set by both errors, or whose ground extent it overlaps (a view cut at the photo edge);
 * otherwise it starts a finding. Positions are inverse-variance means of the members.
 */
export function mergeIntoFindings(
  detections: readonly PlacedDetection[],
  rules: MergeRules = DEFAULT_MERGE_RULES,
): FindingDraft[] {
  const findings: Array<FindingDraft & { weight: number; sumEast: number; sumNorth: number }> = [];
  const ordered = [...detections].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  for (const d of ordered) {
    let home: (typeof findings)[number] | undefined;
    let homeDistance = Infinity;
    for (const f of findings) {
      if (f.className !== d.className) continue;
      const distance = Math.hypot(f.east - d.east, f.north - d.north);
      const gate = rules.gateSigmas * Math.hypot(f.errorM, d.errorM);
      const overlapping = f.views.some((v) => overlapOfSmaller(v.extent, d.extent) >= rules.extentOverlap);
      if ((distance <= gate || overlapping) && distance < homeDistance) {
        home = f;
        homeDistance = distance;
      }
    }
    const weight = 1 / (d.errorM * d.errorM);
    if (!home) {
      findings.push({
        className: d.className,
        east: d.east,
        north: d.north,
        errorM: d.errorM,
        views: [d],
        weight,
        sumEast: d.east * weight,
        sumNorth: d.north * weight,
      });
      continue;
    }
    home.views.push(d);
    home.weight += weight;
    home.sumEast += d.east * weight;
    home.sumNorth += d.north * weight;
    home.east = home.sumEast / home.weight;
    home.north = home.sumNorth / home.weight;
    home.errorM = 1 / Math.sqrt(home.weight);
  }
  return findings.map(({ className, east, north, errorM, views }) => {
    const finest = Math.min(...views.map((v) => v.gsdM));
    const ranked = [...views].sort((a, b) => viewMerit(b, finest) - viewMerit(a, finest) || a.id.localeCompare(b.id));
    return { className, east, north, errorM, views: ranked };
  });
}

function overlapOfSmaller(a: PlacedDetection['extent'], b: PlacedDetection['extent']): number {
  const w = Math.min(a.maxEast, b.maxEast) - Math.max(a.minEast, b.minEast);
  const h = Math.min(a.maxNorth, b.maxNorth) - Math.max(a.minNorth, b.minNorth);
  if (w <= 0 || h <= 0) return 0;
  const area = (e: PlacedDetection['extent']) => (e.maxEast - e.minEast) * (e.maxNorth - e.minNorth);
  const smaller = Math.min(area(a), area(b));
  return smaller > 0 ? (w * h) / smaller : 0;
}

/** A finding the merge made for a flight, before it is stored: its hazard, place, site and views. */
export interface NewFinding {
  className: string;
  hazardCode: string;
  severity: string;
  lat: number | null;
  lon: number | null;
  errorM: number | null;
  siteId: string | null;
  recurringOf: string | null;
  /** When its photos were taken, the earliest (domain/ingest-rules.ts captureInstant). */
  capturedAt: Date;
  /** Best first. */
  views: Array<{ detectionId: string; score: number; merit: number }>;
}

/** A view of a finding as stored: its place among the finding's views (0 is the best) and its merit. */
export interface RankedView {
  detectionId: string;
  rank: number;
  merit: number;
}

/** What a finding takes from its flight. */
interface FindingFlight {
  organisationId: string;
  regionCode: string;
  createdByUser: string | null;
}

/** A finding ready to store, with its views ranked. */
export interface FindingRecord {
  flightId: string;
  className: string;
  hazardCode: string;
  severity: string;
  lat: number | null;
  lon: number | null;
  errorM: number | null;
  siteId: string | null;
  bestDetectionId: string;
  bestScore: number;
  viewCount: number;
  recurringOf: string | null;
  capturedAt: Date;
  organisationId: string;
  regionCode: string;
  flownBy: string | null;
  views: RankedView[];
}

/**
 * The flight's new findings as they are stored. Each belongs to the flight's organisation and lies in
 * the region of its site, or the flight's own when it has no site (or the site names none); the
 * person who flew the flight is kept, since they may not decide it. Its best view is its first, its
 * score the highest of its views.
 */
export function findingRecords(
  flightId: string,
  flight: FindingFlight,
  drafts: readonly NewFinding[],
  siteRegions: ReadonlyMap<string, string>,
): FindingRecord[] {
  return drafts.map((d) => ({
    flightId,
    className: d.className,
    hazardCode: d.hazardCode,
    severity: d.severity,
    lat: d.lat,
    lon: d.lon,
    errorM: d.errorM,
    siteId: d.siteId,
    bestDetectionId: d.views[0]!.detectionId,
    bestScore: Math.max(...d.views.map((v) => v.score)),
    viewCount: d.views.length,
    recurringOf: d.recurringOf,
    capturedAt: d.capturedAt,
    organisationId: flight.organisationId,
    regionCode: (d.siteId && siteRegions.get(d.siteId)) || flight.regionCode,
    flownBy: flight.createdByUser,
    views: d.views.map((v, rank) => ({ detectionId: v.detectionId, rank, merit: v.merit })),
  }));
}

/**
 * Late views of a hazard (photos settling after its finding was made) join the finding after its
 * current views while it is pending. A finding decided meanwhile, or gone, takes none: its decision
 * was made on the views it had, so they become a finding of their own. Undefined then.
 */
export function lateViews(
  finding: { status: string; viewCount: number } | undefined,
  views: ReadonlyArray<{ detectionId: string; merit: number }>,
): { views: RankedView[]; viewCount: number } | undefined {
  if (!finding || finding.status !== 'pending') return undefined;
  return {
    views: views.map((v, i) => ({ detectionId: v.detectionId, rank: finding.viewCount + i, merit: v.merit })),
    viewCount: finding.viewCount + views.length,
  };
}

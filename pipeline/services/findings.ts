import { NotFoundError } from '../domain/errors.js';
import type { Principal } from '../domain/roles.js';
import {
  captureInstant,
  placeInRecurrence,
  RECURRENCE_GATE,
  type RecurrenceCandidate,
} from '../domain/ingest-rules.js';
import { inScope, type Scope, scopeOf } from '../domain/scope.js';
import {
  findingRecords,
  lateViews,
  mergeIntoFindings,
  type NewFinding,
  type PlacedDetection,
  viewMerit,
} from '../domain/findings.js';
import type { CaptureRecord } from '../geo/capture.js';
import { placeBox, poseFrom, projectorFor } from '../geo/projection.js';
import { LocalTangentPlane } from '../geo/wgs84.js';
import type { Logger } from '../logger.js';
import type { DetectionRow } from '../repositories/detections.js';
import type { FindingRepository, FindingRow, UnmergedDetection } from '../repositories/findings.js';
import type { FlightRepository } from '../repositories/flights.js';
import type { SiteRepository } from '../repositories/sites.js';
import type { Transaction, UnitOfWork } from '../repositories/unit-of-work.js';
import type { SiteAttribution } from './detect.js';
import type { LiveClasses } from './model-classes.js';

const DAY_MS = 24 * 3600 * 1000;
/** Ids of existing findings standing in the merge as seeds. */
const SEED = 'finding:';

export interface FindingWithViews extends FindingRow {
  views: Array<{ rank: number; merit: number; detection: DetectionRow }>;
  /** Later sightings of the hazard at its place that point to it (on the finding routes only). */
  recurrences?: FindingRow[];
}

interface FindingsServiceOptions {
  findings: FindingRepository;
  flights: FlightRepository;
  /** Which site a finding lies in, and the regions of sites. */
  sites: SiteAttribution & Pick<SiteRepository, 'regionsOf'>;
  unitOfWork: UnitOfWork;
  /** How far apart in capture time two sightings of a hazard at one place are still linked as a recurrence. */
  recurrenceDays: number;
  liveClasses: LiveClasses;
  logger: Logger;
}

/** Turns a flight's detections into findings, one per hazard, once its photos are all settled. */
export class FindingsService {
  private readonly findings: FindingRepository;
  private readonly flights: FlightRepository;
  private readonly sites: SiteAttribution & Pick<SiteRepository, 'regionsOf'>;
  private readonly unitOfWork: UnitOfWork;
  private readonly recurrenceDays: number;
  private readonly liveClasses: LiveClasses;
  private readonly logger: Logger;

  constructor(options: FindingsServiceOptions) {
    this.findings = options.findings;
    this.flights = options.flights;
    this.sites = options.sites;
    this.unitOfWork = options.unitOfWork;
    this.recurrenceDays = options.recurrenceDays;
    this.liveClasses = options.liveClasses;
    this.logger = options.logger;
  }

  /**
   * Merges the flight's flagged detections that no finding holds yet. Detections placed on the
   * ground merge by position (domain/findings.ts); those without a position each stay a finding
   * of their own. Safe to run again: merged detections are never merged twice. Detections of a
   * class not live for the flight's organisation stay stored and unmerged; a merge after the class
   * is enabled takes them.
   */
  /** Whether the flight holds flagged detections of live classes that no finding shows yet. */
  async needsMerge(flightId: string): Promise<boolean> {
    const organisationId = await this.findings.organisationOfFlight(flightId);
    if (!organisationId) return false;
    const heldBack = await this.liveClasses.notLive(organisationId);
    return (await this.findings.unmerged(flightId, heldBack)).length > 0;
  }

  async mergeFlight(flightId: string): Promise<{ created: number; joined: number }> {
    const organisationId = await this.findings.organisationOfFlight(flightId);
    if (!organisationId) return { created: 0, joined: 0 };
    const heldBack = await this.liveClasses.notLive(organisationId);
    const pending = await this.findings.unmerged(flightId, heldBack);
    if (pending.length === 0) return { created: 0, joined: 0 };
    const plane = groundOrigin(pending);
    const grounded: PlacedDetection[] = [];
    const alone: UnmergedDetection[] = [];
    for (const row of pending) {
      const placed = this.place(row, plane);
      if (placed) grounded.push(placed);
      else alone.push(row);
    }
    // The flight's pending findings so far seed the merge, so photos settling late join the hazard
    // they show instead of starting a second finding of it. A decided finding does not: its
    // decision was made on the views it had, and new photos of the place are new evidence for a
    // reviewer to decide (a duplicate is quickly rejected as one).
    const seeds = new Map<string, FindingRow>();
    for (const f of await this.findings.listForFlight(flightId)) {
      if (f.lat === null || f.lon === null || f.status !== 'pending') continue;
      const at = plane.toEastNorth({ lat: f.lat, lon: f.lon });
      const r = Math.max(0.5, f.errorM ?? 0.5);
      const id = `${SEED}${f.id}`;
      seeds.set(id, f);
      grounded.push({
        id,
        className: f.className,
        score: 2,
        imageId: '',
        east: at.east,
        north: at.north,
        errorM: f.errorM ?? 1,
        extent: { minEast: at.east - r, minNorth: at.north - r, maxEast: at.east + r, maxNorth: at.north + r },
        offCentre: 0,
        gsdM: 1,
      });
    }
    const byId = new Map(pending.map((p) => [p.detection.id, p.detection]));
    const drafts: NewFinding[] = [];
    let joined = 0;
    for (const draft of mergeIntoFindings(grounded)) {
      const seed = draft.views.find((v) => seeds.has(v.id));
      const views = draft.views.filter((v) => !v.id.startsWith(SEED));
      if (views.length === 0) continue;
      const finest = Math.min(...views.map((v) => v.gsdM));
      // Decided meanwhile: then the views become a finding of their own, below.
      if (
        seed &&
        (await this.appendViews(
          seeds.get(seed.id)!.id,
          views.map((v) => ({ detectionId: v.id, merit: viewMerit(v, finest) })),
        ))
      ) {
        joined += views.length;
        continue;
      }
      const best = byId.get(views[0]!.id)!;
      const position = plane.toLatLon(draft);
      const site = await this.sites.attribute(organisationId, position.lat, position.lon);
      drafts.push({
        className: draft.className,
        hazardCode: best.hazardCode,
        severity: best.severity,
        lat: position.lat,
        lon: position.lon,
        // Back to an absolute error: the flight's shared GNSS offset applies to the finding too.
        errorM: Math.hypot(draft.errorM, positionSigma(pending, views[0]!.id)),
        siteId: site?.id ?? null,
        // Linked when stored, against the organisation's other findings (see insert).
        recurringOf: null,
        capturedAt: capturedAt(pending, views),
        views: views.map((v) => ({ detectionId: v.id, score: v.score, merit: viewMerit(v, finest) })),
      });
    }
    for (const { detection: d } of alone) {
      drafts.push({
        className: d.className,
        hazardCode: d.hazardCode,
        severity: d.severity,
        lat: null,
        lon: null,
        errorM: null,
        siteId: d.siteId,
        recurringOf: null,
        capturedAt: capturedAt(pending, [d]),
        views: [{ detectionId: d.id, score: d.score, merit: d.score }],
      });
    }
    const created = await this.insert(flightId, drafts);
    this.logger.info(
      {
        flightId,
        detections: pending.length,
        findings: created.length,
        joinedExisting: joined,
        withoutPosition: alone.length,
        classesNotLive: heldBack,
      },
      'findings merged',
    );
    return { created: created.length, joined };
  }

  /** Stores the flight's new findings and their views in one transaction. */
  private async insert(flightId: string, drafts: readonly NewFinding[]): Promise<FindingRow[]> {
    if (drafts.length === 0) return [];
    return this.unitOfWork.withTransaction(async (tx) => {
      const flight = await this.flights.get(flightId, tx);
      if (!flight) throw new Error(`no flight ${flightId}`);
      const siteRegions = await this.sites.regionsOf(
        [...new Set(drafts.flatMap((d) => (d.siteId ? [d.siteId] : [])))],
        tx,
      );
      const created = await this.findings.insertWithViews(tx, findingRecords(flightId, flight, drafts, siteRegions));
      await this.linkRecurrences(tx, flightId, flight.organisationId, created);
      return created;
    });
  }

  /**
   * Links each new finding with a position into the chain of sightings of its hazard at its place,
   * in the order the photos were taken (domain/ingest-rules.ts placeInRecurrence): to the sighting
   * just before it, and the sighting just after it (a flight taken later but processed first) to it.
   */
  private async linkRecurrences(
    tx: Transaction,
    flightId: string,
    organisationId: string,
    created: readonly FindingRow[],
  ): Promise<void> {
    const placed = created.filter((f) => f.lat !== null && f.lon !== null);
    if (placed.length === 0) return;
    await this.findings.lockRecurrence(tx, organisationId);
    for (const f of placed) {
      const at = { lat: f.lat!, lon: f.lon! };
      const plane = new LocalTangentPlane(at);
      const near = await this.findings.nearOtherFlights(
        tx,
        organisationId,
        f.hazardCode,
        at,
        RECURRENCE_GATE.maxM,
        flightId,
      );
      const candidates: RecurrenceCandidate[] = near.flatMap((c) => {
        if (c.lat === null || c.lon === null) return [];
        const p = plane.toEastNorth({ lat: c.lat, lon: c.lon });
        return [
          {
            id: c.id,
            capturedAt: c.capturedAt ?? c.createdAt,
            createdAt: c.createdAt,
            recurringOf: c.recurringOf,
            distanceM: Math.hypot(p.east, p.north),
            errorM: c.errorM,
          },
        ];
      });
      const placement = placeInRecurrence(
        { id: f.id, capturedAt: f.capturedAt ?? f.createdAt, createdAt: f.createdAt, errorM: f.errorM },
        candidates,
        { windowMs: this.recurrenceDays * DAY_MS },
      );
      if (placement.recurringOf) await this.findings.setRecurringOf(tx, f.id, placement.recurringOf);
      for (const r of placement.relink) await this.findings.setRecurringOf(tx, r.id, r.recurringOf);
    }
  }

  /**
   * Adds late views to a pending finding; false when it is gone or was decided meanwhile. The
   * finding row is locked first, as a decision locks it.
   */
  private async appendViews(
    findingId: string,
    views: ReadonlyArray<{ detectionId: string; merit: number }>,
  ): Promise<boolean> {
    if (views.length === 0) return true;
    return this.unitOfWork.withTransaction(async (tx) => {
      const late = lateViews(await this.findings.lock(tx, findingId), views);
      if (!late) return false;
      await this.findings.appendViews(tx, findingId, late.views, late.viewCount);
      return true;
    });
  }

  /** The flight's findings the caller may see (a flight can cross into another region's sites). */
  async forFlight(principal: Principal, flightId: string): Promise<FindingWithViews[]> {
    const scope = scopeOf(principal);
    const rows = (await this.findings.listForFlight(flightId)).filter((f) => inScope(scope, f));
    return this.attachRecurrences(await this.attachViews(rows), scope);
  }

  async get(principal: Principal, id: string): Promise<FindingWithViews> {
    const row = await this.findings.getInScope(id, scopeOf(principal));
    if (!row) throw new NotFoundError(`no finding ${id}`);
    return (await this.attachRecurrences(await this.attachViews([row]), scopeOf(principal)))[0]!;
  }

  /** The later sightings pointing to each finding, those the caller may see. */
  private async attachRecurrences(rows: FindingWithViews[], scope: Scope): Promise<FindingWithViews[]> {
    const later = (await this.findings.recurrencesOf(rows.map((r) => r.id))).filter((f) => inScope(scope, f));
    return rows.map((r) => ({ ...r, recurrences: later.filter((l) => l.recurringOf === r.id) }));
  }

  private async attachViews(rows: FindingRow[]): Promise<FindingWithViews[]> {
    const views = await this.findings.views(rows.map((r) => r.id));
    return rows.map((r) => ({
      ...r,
      views: views
        .filter((v) => v.findingId === r.id)
        .map(({ rank, merit, detection }) => ({ rank, merit, detection })),
    }));
  }

  /** A detection on the flight's plane with its ground extent and view quality, or undefined without a position. */
  private place(row: UnmergedDetection, plane: LocalTangentPlane): PlacedDetection | undefined {
    const d = row.detection;
    if (d.groundLat === null || d.groundLon === null || !row.width || !row.height || !row.capture) return undefined;
    const projector = projectorFor(row.capture as unknown as CaptureRecord, row.width, row.height);
    if ('reason' in projector) return undefined;
    return {
      id: d.id,
      className: d.className,
      score: d.score,
      imageId: d.imageId,
      ...placeBox(projector, d, { lat: d.groundLat, lon: d.groundLon, errorM: d.groundErrorM ?? 1 }, plane),
    };
  }
}

/** When the views' photos were taken: the earliest (a photo without an EXIF time counts from its registration). */
function capturedAt(rows: readonly UnmergedDetection[], views: ReadonlyArray<{ id: string }>): Date {
  const ids = new Set(views.map((v) => v.id));
  let earliest: Date | undefined;
  for (const row of rows) {
    if (!ids.has(row.detection.id)) continue;
    const taken = captureInstant(row.capture?.takenAt, row.capture?.takenAtHasOffset, row.imageCreatedAt);
    if (!earliest || taken < earliest) earliest = taken;
  }
  return earliest ?? new Date();
}

function groundOrigin(rows: readonly UnmergedDetection[]): LocalTangentPlane {
  const first = rows.find((r) => r.detection.groundLat !== null && r.detection.groundLon !== null);
  return new LocalTangentPlane(
    first ? { lat: first.detection.groundLat!, lon: first.detection.groundLon! } : { lat: 0, lon: 0 },
  );
}

/** The GNSS position sigma of the photo a detection came from (its RTK state decides it). */
function positionSigma(rows: readonly UnmergedDetection[], detectionId: string): number {
  const row = rows.find((r) => r.detection.id === detectionId);
  const pose = row?.capture ? poseFrom(row.capture as unknown as CaptureRecord) : undefined;
  return pose && !('reason' in pose) ? pose.positionSigmaM : 0;
}

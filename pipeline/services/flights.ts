import { NotFoundError } from '../domain/errors.js';
import { IMAGE_STATUSES, type ImageStatus } from '../domain/images.js';
import type { Principal } from '../domain/roles.js';
import { inScope, scopeOf } from '../domain/scope.js';
import type { DetectionRepository } from '../repositories/detections.js';
import type { FindingRepository } from '../repositories/findings.js';
import type { FlightRepository, FlightRow, UploadRejectionRow } from '../repositories/flights.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import {
  type Feature,
  type FeatureCollection,
  featureCollection,
  type GeoJsonOptions,
  lineFeature,
  pointFeature,
  polygonFeature,
} from '../geo/geojson.js';
import type { LatLon } from '../geo/wgs84.js';
import type { LiveClasses } from './model-classes.js';

interface FlightStatus {
  flight: FlightRow;
  images: Record<ImageStatus, number> & { total: number };
  /** True when the flight is completed and no image is waiting or being processed. */
  done: boolean;
  /** `discardedAt`: when a person removed the photo from the work (it stays failed; "retry all" skips it). */
  failures: Array<{ imageId: string; filename: string | null; reason: string | null; discardedAt: Date | null }>;
  /** Presigned uploads that were not the photo asked for (deleted, never images), not since made good. */
  rejectedUploads: UploadRejectionRow[];
  /** `live` false: the class is not reviewed in the flight's organisation, so its flagged detections make no findings. */
  detections: Array<{ className: string; state: string; count: number; live: boolean }>;
  /** Photos the ingest rules flagged (domain/ingest-rules.ts), each with its reason and what a person may do. */
  flaggedImages: FlaggedImage[];
  /** Photos held outside the region that nobody has decided on yet. */
  awaitingDecision: number;
}

interface FlaggedImage {
  imageId: string;
  filename: string | null;
  status: ImageStatus;
  reason: 'outside_region' | 'no_gps' | 'duplicate';
  /** Where the photo says it was taken. */
  position: { lat: number; lon: number } | null;
  hold: { decision: 'process' | 'discard' | null; decidedAt: Date | null; note: string | null } | null;
  /** POST /images/{id}/hold decisions open now (process: administrators only). */
  actions: Array<'process' | 'discard'>;
  duplicateOf: { imageId: string; flightId: string | null } | null;
}

interface FlightQueryServiceOptions {
  flights: FlightRepository;
  imageRepository: ImageRepository;
  detections: DetectionRepository;
  findings: FindingRepository;
  liveClasses: LiveClasses;
}

export class FlightQueryService {
  private readonly flights: FlightRepository;
  private readonly imageRepository: ImageRepository;
  private readonly detections: DetectionRepository;
  private readonly findings: FindingRepository;
  private readonly liveClasses: LiveClasses;

  constructor(options: FlightQueryServiceOptions) {
    this.flights = options.flights;
    this.imageRepository = options.imageRepository;
    this.detections = options.detections;
    this.findings = options.findings;
    this.liveClasses = options.liveClasses;
  }

  async list(principal: Principal, limit: number, before?: { createdAt: Date; id: string }): Promise<FlightRow[]> {
    return this.flights.list(scopeOf(principal), limit, before);
  }

  async status(principal: Principal, flightId: string): Promise<FlightStatus> {
    const flight = await this.flights.getInScope(flightId, scopeOf(principal));
    if (!flight) throw new NotFoundError(`no flight ${flightId}`);
    const counts = await this.flights.imageCounts(flightId);
    const images = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<ImageStatus, number>;
    const total = Object.values(images).reduce((a, b) => a + b, 0);
    const pending = images.registered + images.queued + images.processing;
    const notLive = new Set(await this.liveClasses.notLive(flight.organisationId));
    const flaggedImages = (await this.imageRepository.flaggedInFlight(flightId)).map(toFlaggedImage);
    return {
      flight,
      images: { ...images, total },
      done: flight.status === 'completed' && pending === 0,
      rejectedUploads: await this.flights.uploadRejections(flightId),
      failures: await this.flights.failures(flightId),
      // In a fixed order, so an unchanged flight answers the same bytes and its ETag holds.
      detections: (await this.detections.countsByState(flightId))
        .sort((a, b) => a.className.localeCompare(b.className) || a.state.localeCompare(b.state))
        .map((d) => ({ ...d, live: !notLive.has(d.className) })),
      flaggedImages,
      awaitingDecision: flaggedImages.filter((f) => f.status === 'held' && f.hold?.decision == null).length,
    };
  }

  /**
   * A flight on the map: each photo's footprint, the track through the photo positions in the
   * order they were taken, the detections placed on the ground and the findings they merged into
   * (RFC 7946 GeoJSON).
   */
  async geojson(principal: Principal, flightId: string, options: GeoJsonOptions): Promise<FeatureCollection> {
    const images = await this.images(principal, flightId);
    const features: Feature[] = [];
    const taken = images
      .filter((i) => i.status === 'processed')
      .map((i) => ({
        image: i,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- false positive: without it the fields below are unknown
        capture: (i.capture ?? {}) as { latitude?: number; longitude?: number; takenAt?: string },
      }))
      .sort(
        (a, b) =>
          (a.capture.takenAt ?? '').localeCompare(b.capture.takenAt ?? '') ||
          (a.image.originalFilename ?? '').localeCompare(b.image.originalFilename ?? ''),
      );
    for (const { image } of taken) {
      const ring = image.footprint as LatLon[] | null;
      if (ring && ring.length >= 4)
        features.push(
          polygonFeature(ring, { kind: 'footprint', imageId: image.id, filename: image.originalFilename }, options),
        );
    }
    const track = taken.flatMap(({ capture }) =>
      capture.latitude !== undefined && capture.longitude !== undefined
        ? [{ lat: capture.latitude, lon: capture.longitude }]
        : [],
    );
    if (new Set(track.map((p) => `${p.lat},${p.lon}`)).size >= 2)
      features.push(lineFeature(track, { kind: 'track', flightId }, options));
    // A flight can cross into another region's sites: what its findings there hold stays theirs.
    const scope = scopeOf(principal);
    const flightFindings = await this.findings.listForFlight(flightId);
    const hidden = new Set(
      (await this.findings.views(flightFindings.filter((f) => !inScope(scope, f)).map((f) => f.id))).map(
        (v) => v.detection.id,
      ),
    );
    for (const d of await this.detections.groundedForFlight(flightId)) {
      if (hidden.has(d.id)) continue;
      features.push(
        pointFeature(
          { lat: d.groundLat!, lon: d.groundLon! },
          {
            kind: 'detection',
            detectionId: d.id,
            imageId: d.imageId,
            className: d.className,
            hazardCode: d.hazardCode,
            severity: d.severity,
            score: d.score,
            state: d.state,
            errorM: d.groundErrorM,
            siteId: d.siteId,
          },
          options,
        ),
      );
    }
    for (const f of flightFindings) {
      if (f.lat === null || f.lon === null || !inScope(scope, f)) continue;
      features.push(
        pointFeature(
          { lat: f.lat, lon: f.lon },
          {
            kind: 'finding',
            findingId: f.id,
            className: f.className,
            hazardCode: f.hazardCode,
            severity: f.severity,
            bestScore: f.bestScore,
            views: f.viewCount,
            errorM: f.errorM,
            siteId: f.siteId,
            recurringOf: f.recurringOf,
          },
          options,
        ),
      );
    }
    return featureCollection(features, options);
  }

  async images(principal: Principal, flightId: string): Promise<ImageRow[]> {
    if (!(await this.flights.getInScope(flightId, scopeOf(principal))))
      throw new NotFoundError(`no flight ${flightId}`);
    return this.imageRepository.listByFlight(flightId);
  }
}

function toFlaggedImage(image: ImageRow & { duplicateOfFlightId: string | null }): FlaggedImage {
  const capture = (image.capture ?? {}) as { latitude?: number; longitude?: number };
  const held = image.status === 'held';
  const decision = image.holdDecision ?? null;
  return {
    imageId: image.id,
    filename: image.originalFilename,
    status: image.status,
    reason: image.status === 'duplicate' ? 'duplicate' : (image.flagReason ?? 'outside_region'),
    position:
      capture.latitude !== undefined && capture.longitude !== undefined
        ? { lat: capture.latitude, lon: capture.longitude }
        : null,
    hold:
      image.flagReason === 'outside_region' ? { decision, decidedAt: image.holdDecidedAt, note: image.holdNote } : null,
    actions: held ? (decision === 'discard' ? ['process'] : ['process', 'discard']) : [],
    duplicateOf: image.duplicateOf ? { imageId: image.duplicateOf, flightId: image.duplicateOfFlightId } : null,
  };
}

import { createHash } from 'node:crypto';
import { PermanentJobError } from '../domain/errors.js';
import { hasJpegSignature, type ImageStatus } from '../domain/images.js';
import { duplicateOriginal, regionVerdict } from '../domain/ingest-rules.js';
import type { JobPayload } from '../domain/jobs.js';
import type { FailureKind } from '../domain/recovery.js';
import { STANDING_CLASSES } from '../domain/taxonomy.js';
import { type CaptureRecord, readCapture, withPixelSize } from '../geo/capture.js';
import { projectorFor } from '../geo/projection.js';
import { UndecodableImageError } from '../inference/decode.js';
import type { PhotoDetector, PhotoResultCore } from '../inference/detector.js';
import type { HazardClass } from '../inference/load.js';
import type { Logger } from '../logger.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { DetectionRepository, ModelIdentity, NewDetection } from '../repositories/detections.js';
import type { ImageFacts, ImageRepository, ImageRow } from '../repositories/images.js';
import type { OrganisationRepository } from '../repositories/organisations.js';
import type { SiteRef } from '../repositories/sites.js';
import type { FlightSettlement } from './findings-scheduler.js';
import type { ObjectStorage } from '../repositories/storage.js';
import type { UnitOfWork } from '../repositories/unit-of-work.js';

/** Which of an organisation's sites contains a ground point. */
export interface SiteAttribution {
  attribute(organisationId: string, lat: number, lon: number): Promise<SiteRef | undefined>;
}

/**
 * Below-threshold detections are kept too (for audits and threshold tuning), down to this fraction
 * of each class threshold; only those at or above the threshold are flagged for review.
 */
const STORE_FLOOR_FRACTION = 0.5;

/** Statuses a photo's job has nothing left to do in (held: until a person decides). */
const SETTLED: ReadonlySet<ImageStatus> = new Set(['processed', 'failed', 'duplicate', 'held']);

interface DetectionServiceOptions {
  images: ImageRepository;
  detections: DetectionRepository;
  storage: ObjectStorage;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
  detector: PhotoDetector;
  hazardClasses: readonly HazardClass[];
  sites: SiteAttribution;
  /** The bureau's region, which photos are checked against. */
  organisations: Pick<OrganisationRepository, 'region'>;
  settlement: FlightSettlement;
  maxImagePixels: number;
  logger: Logger;
}

/** The worker's use case: one original photo in, detections stored and flagged. */
export class DetectionService {
  private readonly images: ImageRepository;
  private readonly detections: DetectionRepository;
  private readonly storage: ObjectStorage;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;
  private readonly detector: PhotoDetector;
  private readonly hazardClasses: readonly HazardClass[];
  private readonly sites: SiteAttribution;
  private readonly organisations: Pick<OrganisationRepository, 'region'>;
  private readonly settlement: FlightSettlement;
  private readonly maxImagePixels: number;
  private readonly logger: Logger;

  constructor(options: DetectionServiceOptions) {
    this.images = options.images;
    this.detections = options.detections;
    this.storage = options.storage;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
    this.detector = options.detector;
    this.hazardClasses = options.hazardClasses;
    this.sites = options.sites;
    this.organisations = options.organisations;
    this.settlement = options.settlement;
    this.maxImagePixels = options.maxImagePixels;
    this.logger = options.logger;
  }

  async process(payload: JobPayload<'detect'>): Promise<'processed' | 'skipped'> {
    const { spec } = this.detector;
    const located = await this.images.withOrganisation(payload.imageId);
    if (!located) throw new PermanentJobError(`image ${payload.imageId} no longer exists`);
    const { image, organisationId } = located;
    // A redelivered or re-added job for finished work does nothing (results are already stored).
    if (SETTLED.has(image.status)) {
      // A job that stored its results but died before telling the flight tells it now.
      await this.settlement.imageSettled(payload.flightId);
      return 'skipped';
    }
    await this.images.markProcessing(image.id);

    let bytes: Buffer;
    try {
      bytes = await this.storage.getOriginal(image.objectKey);
    } catch (error) {
      throw transient(`could not read the original from storage: ${messageOf(error)}`, error);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== image.sha256) {
      return this.unrecoverable(image.id, `content sha256 ${sha256} does not match the registered ${image.sha256}`);
    }
    // Uploads through the API are checked on arrival; these came by presigned URL or straight into
    // the bucket. The decoder would read a PNG all the same and count it as a photo with no hazards.
    if (!hasJpegSignature(bytes))
      return this.unrecoverable(image.id, 'not a decodable image: not a JPEG (it does not start with FF D8 FF)');
    const capture = await readCapture(bytes);
    // Before any inference: the same bytes reviewed in another flight, or a photo from outside the
    // bureau's region, go no further (domain/ingest-rules.ts).
    const linked = await this.linkToReviewedCopy(image, organisationId, sha256, capture);
    if (linked) {
      await this.settle(payload.flightId);
      return 'skipped';
    }
    const region = await this.organisations.region(organisationId);
    const verdict = regionVerdict(capture, region ?? { regionCode: '', regionBoundary: null });
    if (verdict.verdict === 'outside_region' && image.holdDecision !== 'process') {
      await this.hold(image.id, capture, verdict.by);
      await this.settle(payload.flightId);
      return 'skipped';
    }
    // Outside but processed on a person's word, or without a position: processed, and flagged so.
    const flagReason = verdict.verdict === 'inside' ? null : verdict.verdict;
    // Classes that flag no hazard (a general-purpose model's "car") are not even decoded, so they
    // cannot take the places of hazards among the detections kept per tile and per photo.
    const byName = new Map(this.hazardClasses.map((c) => [c.name, c]));
    const thresholds = spec.classes.map((c) => {
      const hazard = byName.get(c.name);
      return hazard ? hazard.threshold * STORE_FLOOR_FRACTION : Number.POSITIVE_INFINITY;
    });
    let photo: PhotoResultCore;
    try {
      photo = await this.detector.detectEncoded(bytes, { thresholds }, this.maxImagePixels);
    } catch (error) {
      if (error instanceof UndecodableImageError)
        return this.unrecoverable(image.id, `not a decodable image: ${messageOf(error)}`);
      throw transient(`inference failed: ${messageOf(error)}`, error);
    }
    const found = photo.detections;
    const placed = withPixelSize(capture, photo.width, photo.height);
    // Photos without the metadata to place them still go to review; the reason is kept.
    const projector = projectorFor(placed, photo.width, photo.height);
    const geo = 'reason' in projector ? undefined : projector;
    const rows: NewDetection[] = [];
    for (const d of found) {
      const cls = byName.get(d.className);
      if (!cls) continue;
      const ground = geo?.boxToGeo(d, STANDING_CLASSES.has(d.className));
      let site: SiteRef | undefined;
      try {
        site = ground && (await this.sites.attribute(organisationId, ground.lat, ground.lon));
      } catch (error) {
        throw transient(`site attribution failed: ${messageOf(error)}`, error);
      }
      rows.push({
        className: d.className,
        hazardCode: cls.hazardCode,
        severity: cls.severity,
        score: d.score,
        threshold: cls.threshold,
        x1: d.x1,
        y1: d.y1,
        x2: d.x2,
        y2: d.y2,
        state: d.score >= cls.threshold ? 'flagged' : 'below_threshold',
        groundLat: ground?.lat ?? null,
        groundLon: ground?.lon ?? null,
        groundErrorM: ground?.errorM ?? null,
        groundPolygon: (ground && geo?.boxToGroundPolygon(d)) ?? null,
        siteId: site?.id ?? null,
      });
    }
    const stored = await this.storeResults(
      image.id,
      { name: spec.name, version: spec.version, sha256: spec.sha256 },
      {
        sha256,
        sizeBytes: bytes.length,
        width: photo.width,
        height: photo.height,
        capture: { ...placed },
        footprint: geo?.footprint() ?? null,
        geoReason: 'reason' in projector ? projector.reason : null,
        flagReason,
      },
      rows,
    );
    await this.settle(payload.flightId);
    if (!stored) {
      this.logger.info({ imageId: image.id }, 'another run of this job stored the results first');
      return 'skipped';
    }
    this.logger.info(
      { imageId: image.id, detections: rows.length, flagged: rows.filter((r) => r.state === 'flagged').length },
      'image processed',
    );
    return 'processed';
  }

  private async settle(flightId: string): Promise<void> {
    try {
      await this.settlement.imageSettled(flightId);
    } catch (error) {
      throw transient(`could not queue the flight's findings: ${messageOf(error)}`, error);
    }
  }

  /**
   * Bytes the organisation already processed in another flight are not detected or reviewed again:
   * the photo links to that copy (whose detections and findings stand for both) and settles as a
   * duplicate. False when there is no processed copy to link to.
   */
  private async linkToReviewedCopy(
    image: ImageRow,
    organisationId: string,
    sha256: string,
    capture: CaptureRecord,
  ): Promise<boolean> {
    const copy = duplicateOriginal(image.flightId, await this.images.sameBytes(organisationId, sha256));
    const original = copy && (await this.images.get(copy.imageId));
    if (!original) return false;
    return this.unitOfWork.withTransaction(async (tx) => {
      const status = await this.images.lockStatus(tx, image.id);
      if (status && SETTLED.has(status)) return true;
      await this.images.markDuplicate(tx, image.id, original, { ...capture });
      await this.audit.append(
        {
          actor: 'worker',
          action: 'image.duplicate_linked',
          subjectType: 'image',
          subjectId: image.id,
          detail: { sha256, duplicateOf: original.id, duplicateOfFlightId: original.flightId },
        },
        tx,
      );
      this.logger.info({ imageId: image.id, duplicateOf: original.id }, 'photo already processed in another flight');
      return true;
    });
  }

  /** Stores where the photo was taken and holds it for a person; nothing is detected. */
  private async hold(imageId: string, capture: CaptureRecord, by: string): Promise<void> {
    await this.unitOfWork.withTransaction(async (tx) => {
      const status = await this.images.lockStatus(tx, imageId);
      if (status && SETTLED.has(status)) return;
      await this.images.markHeld(tx, imageId, { ...capture });
      await this.audit.append(
        {
          actor: 'worker',
          action: 'image.held',
          subjectType: 'image',
          subjectId: imageId,
          detail: {
            reason: 'outside_region',
            checkedAgainst: by,
            latitude: capture.latitude,
            longitude: capture.longitude,
          },
        },
        tx,
      );
    });
    this.logger.info({ imageId, checkedAgainst: by }, 'photo taken outside the region: held');
  }

  /** The photo's job failed for good: the photo says why, unless it got further meanwhile. */
  async failedForGood(payload: JobPayload<'detect'>, reason: string, kind: FailureKind): Promise<void> {
    await this.images.markFailedIfUnfinished(payload.imageId, `processing failed: ${reason}`, kind);
    // A failed photo settles too: the flight's findings must not wait for it.
    await this.settlement.imageSettled(payload.flightId);
  }

  /**
   * Stores one photo's results, marks it processed and records that in the audit trail, atomically.
   * Re-running the same photo and model inserts no detections twice.
   */
  private async storeResults(
    imageId: string,
    model: ModelIdentity,
    facts: ImageFacts,
    found: readonly NewDetection[],
  ): Promise<boolean> {
    return this.unitOfWork.withTransaction(async (tx) => {
      // Two runs of one job can overlap (a lock not renewed in time under load, a job re-added
      // after Redis lost it while a worker still held it): the second to get here stores nothing.
      const status = await this.images.lockStatus(tx, imageId);
      if (status && SETTLED.has(status)) return false;
      await this.detections.insertForImage(tx, imageId, model, found);
      await this.images.markProcessed(tx, imageId, facts);
      await this.audit.append(
        {
          actor: 'worker',
          action: 'image.processed',
          subjectType: 'image',
          subjectId: imageId,
          detail: {
            model: model.name,
            version: model.version,
            detections: found.length,
            flagged: found.filter((d) => d.state === 'flagged').length,
          },
        },
        tx,
      );
      return true;
    });
  }

  private async unrecoverable(imageId: string, reason: string): Promise<never> {
    await this.images.markFailedForGood(imageId, reason);
    throw new PermanentJobError(reason);
  }
}

/**
 * Transient faults retry with backoff. When retries run out, the worker's final-failure handler
 * records this message on the image.
 */
function transient(reason: string, cause: unknown): Error {
  return new Error(reason, { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

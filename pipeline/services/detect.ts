import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { readCapture } from '../geo/capture.js';
import type { Detection } from '../inference/detector.js';
import { decodeRgb } from '../inference/detector.js';
import type { ModelManifest } from '../inference/manifest.js';
import type { RgbImage } from '../inference/preprocess.js';
import type { Logger } from '../logger.js';
import type { DetectionRepository, NewDetection } from '../repositories/detections.js';
import type { ImageRepository } from '../repositories/images.js';
import type { ObjectStorage } from '../repositories/storage.js';
import type { JobPayload } from '../jobs/registry.js';

export interface Detector {
  readonly manifest: ModelManifest;
  detect(image: RgbImage, options?: { floorFraction?: number }): Promise<Detection[]>;
}

/**
 * Below-threshold detections are kept too (for audits and threshold tuning), down to this fraction
 * of each class threshold; only those at or above the threshold are flagged for review.
 */
export const STORE_FLOOR_FRACTION = 0.5;

/** The worker's use case: one original photo in, detections stored and flagged. */
export class DetectionService {
  constructor(
    private readonly images: ImageRepository,
    private readonly detections: DetectionRepository,
    private readonly storage: ObjectStorage,
    private readonly detector: Detector,
    private readonly maxImagePixels: number,
    private readonly logger: Logger,
  ) {}

  async process(payload: JobPayload<'detect'>): Promise<'processed' | 'skipped'> {
    const { manifest } = this.detector;
    const image = await this.images.get(payload.imageId);
    if (!image) throw new UnrecoverableError(`image ${payload.imageId} no longer exists`);
    // A redelivered or re-added job for finished work does nothing (results are already stored).
    if (image.status === 'processed' || image.status === 'failed' || image.status === 'duplicate') return 'skipped';
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
    const capture = await readCapture(bytes);
    let rgb: RgbImage;
    try {
      rgb = await decodeRgb(bytes, this.maxImagePixels);
    } catch (error) {
      return this.unrecoverable(image.id, `not a decodable image: ${messageOf(error)}`);
    }
    let found: Detection[];
    try {
      found = await this.detector.detect(rgb, { floorFraction: STORE_FLOOR_FRACTION });
    } catch (error) {
      throw transient(`inference failed: ${messageOf(error)}`, error);
    }
    const byName = new Map(manifest.classes.map((c) => [c.name, c]));
    const rows: NewDetection[] = found.map((d) => {
      const cls = byName.get(d.className)!;
      return {
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
      };
    });
    await this.detections.storeResults(
      image.id,
      { name: manifest.name, version: manifest.version, sha256: manifest.sha256 },
      { sha256, sizeBytes: bytes.length, width: rgb.width, height: rgb.height, capture: { ...capture } },
      rows,
    );
    this.logger.info({ imageId: image.id, detections: rows.length, flagged: rows.filter((r) => r.state === 'flagged').length }, 'image processed');
    return 'processed';
  }

  private async unrecoverable(imageId: string, reason: string): Promise<never> {
    await this.images.markFailed(imageId, reason);
    throw new UnrecoverableError(reason);
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

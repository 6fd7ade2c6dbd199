import sharp from 'sharp';
import { NotFoundError } from '../domain/errors.js';
import type { Principal } from '../domain/roles.js';
import { scopeOf } from '../domain/scope.js';
import { cropWindow } from '../imaging/crop.js';
import { boxesOverlaySvg } from '../imaging/overlay.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { DetectionRepository, DetectionRow } from '../repositories/detections.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { ObjectStorage } from '../repositories/storage.js';

const PREVIEW_WIDTH = 1600;
const CROP_MAX_SIDE = 640;
const STATE_COLOURS: Record<string, string> = {
  flagged: '#ff3b30',
  confirmed: '#34c759',
  relabelled: '#34c759',
  rejected: '#8e8e93',
  below_threshold: '#ffcc00',
};

interface ImageServiceOptions {
  images: ImageRepository;
  detections: DetectionRepository;
  storage: ObjectStorage;
  audit: AuditRepository;
  /** How long a presigned URL of an original stays valid. */
  presignTtlSeconds: number;
}

/** Image metadata, presigned originals, previews and crops with boxes drawn (cached in the derived bucket). */
export class ImageService {
  private readonly images: ImageRepository;
  private readonly detections: DetectionRepository;
  private readonly storage: ObjectStorage;
  private readonly audit: AuditRepository;
  private readonly presignTtlSeconds: number;

  constructor(options: ImageServiceOptions) {
    this.images = options.images;
    this.detections = options.detections;
    this.storage = options.storage;
    this.audit = options.audit;
    this.presignTtlSeconds = options.presignTtlSeconds;
  }

  /**
   * The photo and the detections the caller may see on it: all of them when its flight is theirs,
   * only the views of their findings when they see it through one (a flight crossing regions).
   */
  async get(principal: Principal, imageId: string): Promise<{ image: ImageRow; detections: DetectionRow[] }> {
    const scope = scopeOf(principal);
    const found = await this.images.getInScope(imageId, scope);
    if (!found) throw new NotFoundError(`no image ${imageId}`);
    const { throughFlight, ...image } = found;
    return {
      image,
      detections: throughFlight
        ? await this.detections.forImage(imageId)
        : await this.detections.forImageThroughFindings(imageId, scope),
    };
  }

  /** A presigned URL of the photo exactly as uploaded; each one given out is recorded as a view of evidence. */
  async originalUrl(principal: Principal, imageId: string): Promise<{ url: string; expiresAt: string }> {
    const { image } = await this.get(principal, imageId);
    const url = await this.storage.presignedGetOriginal(image.objectKey, this.presignTtlSeconds);
    await this.audit.append({
      actor: `${principal.role}:${principal.name}`,
      action: 'image.original_viewed',
      subjectType: 'image',
      subjectId: imageId,
      detail: { sha256: image.sha256, userId: principal.userId },
    });
    return { url, expiresAt: new Date(Date.now() + this.presignTtlSeconds * 1000).toISOString() };
  }

  /**
   * A downscaled JPEG with the detections drawn. The cache key includes each detection's state,
   * so a preview reflects the latest review decisions.
   */
  async preview(
    principal: Principal,
    imageId: string,
    options: { includeBelowThreshold: boolean; boxes?: boolean },
  ): Promise<Buffer> {
    const { image, detections } = await this.get(principal, imageId);
    if (image.status !== 'processed' || !image.width || !image.height)
      throw new NotFoundError(`image ${imageId} has no preview: it is ${image.status}`);
    const shown =
      options.boxes === false
        ? []
        : detections.filter((d) => options.includeBelowThreshold || d.state !== 'below_threshold');
    const stamp = shown.map((d) => `${d.ordinal}${d.state[0]}`).join('');
    const key =
      options.boxes === false
        ? `previews/${image.id}/${PREVIEW_WIDTH}-plain.jpg`
        : `previews/${image.id}/${PREVIEW_WIDTH}-${options.includeBelowThreshold ? 'all' : 'flagged'}-${stamp || 'none'}.jpg`;
    const cached = await this.storage.getDerived(key);
    if (cached) return cached;
    const original = await this.storage.getOriginal(image.objectKey);
    const scale = Math.min(1, PREVIEW_WIDTH / image.width);
    const width = Math.round(image.width * scale);
    const height = Math.round(image.height * scale);
    const boxes = shown.map((d) => ({
      x1: d.x1,
      y1: d.y1,
      x2: d.x2,
      y2: d.y2,
      label: `${d.className} ${d.score.toFixed(2)}`,
      colour: STATE_COLOURS[d.state] ?? '#ffffff',
    }));
    const overlay = Buffer.from(boxesOverlaySvg(width, height, boxes, scale));
    const preview = await sharp(original)
      .rotate()
      .resize(width, height)
      .composite([{ input: overlay, top: 0, left: 0 }])
      .jpeg({ quality: 85 })
      .toBuffer();
    await this.storage.putDerived(key, preview, 'image/jpeg');
    return preview;
  }

  /** The detection cut out with some surroundings and its box drawn, at most 640 px a side. */
  async crop(principal: Principal, detectionId: string): Promise<Buffer> {
    const detection = await this.detections.get(detectionId);
    if (!detection) throw new NotFoundError(`no detection ${detectionId}`);
    const visible = await this.get(principal, detection.imageId).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (!visible || !visible.detections.some((d) => d.id === detectionId))
      throw new NotFoundError(`no detection ${detectionId}`);
    const { image } = visible;
    const key = `crops/${detection.id}/${CROP_MAX_SIDE}-${detection.state}.jpg`;
    const cached = await this.storage.getDerived(key);
    if (cached) return cached;
    const crop = await renderCrop(await this.storage.getOriginal(image.objectKey), image, detection);
    await this.storage.putDerived(key, crop, 'image/jpeg');
    return crop;
  }
}

/** Cuts a detection out of its original photo with the box drawn (also used for evidence bundles). */
export async function renderCrop(
  original: Buffer,
  image: Pick<ImageRow, 'width' | 'height'>,
  detection: Pick<DetectionRow, 'x1' | 'y1' | 'x2' | 'y2' | 'state' | 'className' | 'score'>,
  label = `${detection.className} ${detection.score.toFixed(2)}`,
): Promise<Buffer> {
  if (!image.width || !image.height) throw new NotFoundError('the photo is not processed yet: its size is not known');
  const window = cropWindow([detection.x1, detection.y1, detection.x2, detection.y2], image.width, image.height);
  const scale = Math.min(1, CROP_MAX_SIDE / Math.max(window.width, window.height));
  const width = Math.max(1, Math.round(window.width * scale));
  const height = Math.max(1, Math.round(window.height * scale));
  const box = {
    x1: detection.x1 - window.left,
    y1: detection.y1 - window.top,
    x2: detection.x2 - window.left,
    y2: detection.y2 - window.top,
    label,
    colour: STATE_COLOURS[detection.state] ?? '#ffffff',
  };
  const overlay = Buffer.from(boxesOverlaySvg(width, height, [box], scale));
  // Boxes are in the upright photo's pixels: rotate by EXIF first, then cut (sharp keeps the order).
  return sharp(original)
    .rotate()
    .extract(window)
    .resize(width, height)
    .composite([{ input: overlay, top: 0, left: 0 }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

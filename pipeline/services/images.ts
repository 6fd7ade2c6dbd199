import sharp from 'sharp';
import { NotFoundError } from '../domain/errors.js';
import { boxesOverlaySvg } from '../imaging/overlay.js';
import type { DetectionRepository, DetectionRow } from '../repositories/detections.js';
import type { ImageRepository, ImageRow } from '../repositories/images.js';
import type { ObjectStorage } from '../repositories/storage.js';

const PREVIEW_WIDTH = 1600;
const STATE_COLOURS: Record<string, string> = { flagged: '#ff3b30', confirmed: '#34c759', relabelled: '#34c759', rejected: '#8e8e93', below_threshold: '#ffcc00' };

/** Image metadata, presigned originals and previews with boxes drawn (cached in the derived bucket). */
export class ImageService {
  constructor(
    private readonly images: ImageRepository,
    private readonly detections: DetectionRepository,
    private readonly storage: ObjectStorage,
    private readonly presignTtlSeconds: number,
  ) {}

  async get(imageId: string): Promise<{ image: ImageRow; detections: DetectionRow[] }> {
    const image = await this.images.get(imageId);
    if (!image) throw new NotFoundError(`no image ${imageId}`);
    return { image, detections: await this.detections.forImage(imageId) };
  }

  async originalUrl(imageId: string): Promise<{ url: string; expiresAt: string }> {
    const image = await this.images.get(imageId);
    if (!image) throw new NotFoundError(`no image ${imageId}`);
    return { url: await this.storage.presignedGetOriginal(image.objectKey, this.presignTtlSeconds), expiresAt: new Date(Date.now() + this.presignTtlSeconds * 1000).toISOString() };
  }

  /**
   * A downscaled JPEG with the detections drawn. The cache key includes each detection's state,
   * so a preview reflects the latest review decisions.
   */
  async preview(imageId: string, options: { includeBelowThreshold: boolean }): Promise<Buffer> {
    const { image, detections } = await this.get(imageId);
    if (image.status !== 'processed' || !image.width || !image.height) throw new NotFoundError(`image ${imageId} has no preview: it is ${image.status}`);
    const shown = detections.filter((d) => options.includeBelowThreshold || d.state !== 'below_threshold');
    const stamp = shown.map((d) => `${d.ordinal}${d.state[0]}`).join('');
    const key = `previews/${image.id}/${PREVIEW_WIDTH}-${options.includeBelowThreshold ? 'all' : 'flagged'}-${stamp || 'none'}.jpg`;
    const cached = await this.storage.getDerived(key);
    if (cached) return cached;
    const original = await this.storage.getOriginal(image.objectKey);
    const scale = Math.min(1, PREVIEW_WIDTH / image.width);
    const width = Math.round(image.width * scale);
    const height = Math.round(image.height * scale);
    const boxes = shown.map((d) => ({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, label: `${d.className} ${d.score.toFixed(2)}`, colour: STATE_COLOURS[d.state] ?? '#ffffff' }));
    const overlay = Buffer.from(boxesOverlaySvg(width, height, boxes, scale));
    const preview = await sharp(original).rotate().resize(width, height).composite([{ input: overlay, top: 0, left: 0 }]).jpeg({ quality: 85 }).toBuffer();
    await this.storage.putDerived(key, preview, 'image/jpeg');
    return preview;
  }
}

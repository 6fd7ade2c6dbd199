/**
 * JPEG (or any image sharp reads) → the pixels the engine needs, upright per EXIF orientation.
 * When only the whole frame goes through the model, the photo is decoded straight to the placement
 * size, so libjpeg's shrink-on-load skips most of the work on a 12–20 MP photo.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { DecodedPhoto } from './engine.js';
import type { ModelInput } from './manifest.js';
import { readJpegHeader } from './jpeg-header.js';
import { placeInInput, type RgbImage } from './preprocess.js';

/**
 * For processes that decode photo after photo while inference threads hold the cores (the worker,
 * the detect CLI, benchmarks): libvips' own per-image thread pool only adds contention there
 * (measured: 53 ms CPU for a 9 MP JPEG with one thread, 66 ms with two), and its operation cache
 * never hits on a stream of distinct photos. Process-wide, so the API alone does not call it.
 */
export function tuneDecodingForThroughput(): void {
  sharp.concurrency(1);
  sharp.cache(false);
}

export class UndecodableImageError extends Error {}

export interface DecodePlan {
  /** Full resolution, for tiles. */
  full: boolean;
  /** A frame reduced to this input's whole-frame placement. */
  frameFor?: ModelInput;
}

/** Upright size from the header alone: orientations 5–8 turn the photo a quarter. */
export async function photoSize(
  source: Buffer | string,
  limitInputPixels: number,
): Promise<{ width: number; height: number }> {
  const header = typeof source === 'string' ? undefined : readJpegHeader(source);
  if (header) {
    if (header.width * header.height > limitInputPixels)
      throw new UndecodableImageError(
        `image is ${header.width}×${header.height}, above the limit of ${limitInputPixels} pixels`,
      );
    return header.orientation >= 5
      ? { width: header.height, height: header.width }
      : { width: header.width, height: header.height };
  }
  let meta: Metadata;
  try {
    meta = await sharp(source, { limitInputPixels }).metadata();
  } catch (error) {
    throw new UndecodableImageError((error as Error).message);
  }
  if (!meta.width || !meta.height) throw new UndecodableImageError('image has no size');
  return (meta.orientation ?? 1) >= 5
    ? { width: meta.height, height: meta.width }
    : { width: meta.width, height: meta.height };
}

export async function decodePhoto(
  source: Buffer | string,
  plan: DecodePlan,
  limitInputPixels = 100_000_000,
): Promise<DecodedPhoto> {
  const size = await photoSize(source, limitInputPixels);
  const reduce = plan.frameFor ? placeInInput(size.width, size.height, plan.frameFor) : undefined;
  // A frame no smaller than the photo gains nothing over the full decode.
  const wantFrame = reduce !== undefined && !plan.full && (reduce.width < size.width || reduce.height < size.height);
  const [full, frame] = await Promise.all([
    plan.full || !wantFrame ? toRgb(sharp(source, { limitInputPixels, sequentialRead: true }).rotate()) : undefined,
    wantFrame
      ? toRgb(sharp(source, { limitInputPixels }).rotate().resize(reduce.width, reduce.height, { fit: 'fill' }))
      : undefined,
  ]);
  return { ...size, ...(full ? { full } : {}), ...(frame ? { frame } : {}) };
}

async function toRgb(pipeline: Sharp): Promise<RgbImage> {
  try {
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new UndecodableImageError((error as Error).message);
  }
}

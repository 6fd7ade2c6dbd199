/**
 * The detector as callers see it: a decoded photo in, detections in photo pixels out. `Detector`
 * runs in the calling thread (scripts, tests); `InferencePool` has the same face over worker threads.
 */
import { type DecodePlan, decodePhoto } from './decode.js';
import { type DecodedPhoto, type Detection, mergeViews, type ModelRunner } from './engine.js';
import { loadModel, type SessionSettings } from './load.js';
import type { ModelSpec } from './manifest.js';
import { planViews, type View } from './tiling.js';
import { BoxVerifier } from './verifier.js';

export type { DecodedPhoto, Detection } from './engine.js';

export interface DetectOptions {
  /** Cut photos larger than a tile into tiles (default); false runs the whole frame only. */
  tiled?: boolean;
  /** Add a whole-frame pass to the tiles; default from the manifest. */
  fullFrame?: boolean;
  tileSize?: number;
  overlap?: number;
  /** Per-class thresholds instead of the model's, e.g. a low floor for precision-recall curves. */
  thresholds?: readonly number[];
  /** Lowers every class threshold by this factor, to keep near misses too. */
  floorFraction?: number;
  /** Let the model's verifier re-judge the boxes (default); false shows the detector alone. */
  verify?: boolean;
}

export interface PhotoResultCore {
  /** Upright size of the photo, the space of the boxes. */
  width: number;
  height: number;
  detections: Detection[];
}

export interface PhotoDetector {
  readonly spec: ModelSpec;
  detect(photo: DecodedPhoto, options?: DetectOptions): Promise<Detection[]>;
  /** From the encoded file: decodes only what the views need (shrink-on-load for the whole frame). */
  detectEncoded(bytes: Uint8Array, options?: DetectOptions, limitInputPixels?: number): Promise<PhotoResultCore>;
}

export function thresholdsFor(spec: ModelSpec, options: DetectOptions): number[] {
  if (options.thresholds) {
    if (options.thresholds.length !== spec.classes.length)
      throw new Error(`${options.thresholds.length} thresholds for ${spec.classes.length} classes`);
    return [...options.thresholds];
  }
  const fraction = options.floorFraction ?? 1;
  // Zero would make every anchor a candidate and the greedy merge quadratic in them.
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`floorFraction must be in (0, 1], not ${fraction}`);
  return spec.classes.map((c) => c.threshold * fraction);
}

export function viewsFor(spec: ModelSpec, photo: { width: number; height: number }, options: DetectOptions): View[] {
  return planViews(photo.width, photo.height, spec.input, spec.tiling, {
    tiled: options.tiled ?? true,
    ...(options.fullFrame === undefined ? {} : { fullFrame: options.fullFrame }),
    ...(options.tileSize === undefined ? {} : { tileSize: options.tileSize }),
    ...(options.overlap === undefined ? {} : { overlap: options.overlap }),
  });
}

/** What to decode: full resolution for tiles, or just a reduced frame for a whole-frame pass. */
export function decodePlanFor(spec: ModelSpec, options: DetectOptions): DecodePlan {
  return { full: options.tiled ?? true, frameFor: spec.input };
}

export class Detector implements PhotoDetector {
  private constructor(
    private readonly runner: ModelRunner,
    private readonly verifier: BoxVerifier | null,
  ) {}

  static async open(source: string, settings: SessionSettings = {}): Promise<Detector> {
    const runner = await loadModel(source, settings);
    const { verifier } = runner.spec;
    try {
      return new Detector(runner, verifier ? await BoxVerifier.open(verifier) : null);
    } catch (error) {
      await runner.release();
      throw error;
    }
  }

  get spec(): ModelSpec {
    return this.runner.spec;
  }

  async detect(photo: DecodedPhoto, options: DetectOptions = {}): Promise<Detection[]> {
    const views = viewsFor(this.spec, photo, options);
    const candidates = await this.runner.runViews(photo, views, thresholdsFor(this.spec, options));
    const merged = mergeViews(candidates, this.spec, views.length);
    return this.verifier && options.verify !== false ? this.verifier.filter(photo, merged) : merged;
  }

  async detectEncoded(
    bytes: Uint8Array,
    options: DetectOptions = {},
    limitInputPixels?: number,
  ): Promise<PhotoResultCore> {
    const photo = await decodePhoto(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      decodePlanFor(this.spec, options),
      limitInputPixels,
    );
    return { width: photo.width, height: photo.height, detections: await this.detect(photo, options) };
  }

  async release(): Promise<void> {
    await this.runner.release();
    await this.verifier?.release();
  }
}

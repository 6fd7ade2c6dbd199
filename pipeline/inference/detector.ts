import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { type ModelManifest, ModelManifestSchema } from './manifest.js';
import { decodeYoloV8, nonMaxSuppression, type RawDetection } from './postprocess.js';
import { type RgbImage, writeTileTensor } from './preprocess.js';
import { type Tile, tileGrid } from './tiling.js';

export interface Detection extends RawDetection {
  className: string;
}

export interface DetectOptions {
  /** Use tiles (default from the manifest); false runs the whole frame letterboxed only. */
  tiled?: boolean;
  /** Override per-class thresholds, e.g. a low floor for precision-recall evaluation. */
  thresholds?: readonly number[];
}

export interface SessionSettings {
  intraOpThreads?: number;
}

/** Reads and validates `manifest.json` of a model directory. */
export async function readManifest(modelDir: string): Promise<ModelManifest> {
  const manifestPath = path.join(modelDir, 'manifest.json');
  const parsed = ModelManifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
  if (!parsed.success) {
    throw new Error(`invalid model manifest ${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Loads a model directory (manifest.json + model file), checks its hash, and opens an ORT session. */
export async function loadModel(modelDir: string, settings: SessionSettings = {}): Promise<TiledDetector> {
  const manifest = await readManifest(modelDir);
  const bytes = await readFile(path.join(modelDir, manifest.file));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== manifest.sha256) {
    throw new Error(`model file ${manifest.file} has sha256 ${sha256}, but its manifest says ${manifest.sha256}`);
  }
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: settings.intraOpThreads ?? 0,
    interOpNumThreads: 1,
  });
  return new TiledDetector(manifest, session);
}

/**
 * Preprocess → session → postprocess for one photo, over tiles the size of the model input (drone
 * photos are 12–20 MP; at 640 px whole-frame a person is a few pixels) and optionally a whole-frame
 * pass, merged with class-wise NMS. Boxes come back in original-image pixels.
 */
export class TiledDetector {
  private readonly thresholds: number[];
  private readonly outputName: string;
  private readonly maxBatch: number;

  constructor(
    readonly manifest: ModelManifest,
    private readonly session: ort.InferenceSession,
  ) {
    this.thresholds = manifest.classes.map((c) => c.threshold);
    const output = session.outputNames[0];
    if (!output) throw new Error('model has no outputs');
    this.outputName = output;
    this.maxBatch = manifest.input.dynamicBatch ? 8 : 1;
  }

  async detect(image: RgbImage, options: DetectOptions = {}): Promise<Detection[]> {
    const { input, tiling, nms } = this.manifest;
    const thresholds = options.thresholds ?? this.thresholds;
    const tiled = options.tiled ?? true;
    const candidates: RawDetection[] = [];
    if (tiled) {
      const tiles = tileGrid(image.width, image.height, Math.min(tiling.tileSize, input.width), tiling.overlap);
      for (let i = 0; i < tiles.length; i += this.maxBatch) {
        const batch = tiles.slice(i, i + this.maxBatch);
        candidates.push(...(await this.runTiles(image, batch, thresholds)));
      }
    }
    if (!tiled || tiling.fullFrame) candidates.push(...(await this.runFullFrame(image, thresholds)));
    const merged = nonMaxSuppression(candidates, tiled ? tiling.mergeThreshold : nms.iou, nms.maxDetections, tiled ? tiling.mergeMetric : 'iou');
    return merged.map((d) => ({ ...d, className: this.manifest.classes[d.classIndex]!.name }));
  }

  private async runTiles(image: RgbImage, tiles: Tile[], thresholds: readonly number[]): Promise<RawDetection[]> {
    const { input, nms } = this.manifest;
    const plane = 3 * input.width * input.height;
    const data = new Float32Array(plane * tiles.length);
    const offsets = tiles.map((tile, slot) => writeTileTensor(image, tile, input, data, slot));
    const output = await this.run(data, tiles.length);
    const results: RawDetection[] = [];
    tiles.forEach((tile, slot) => {
      const { offsetX, offsetY } = offsets[slot]!;
      const perTile = nonMaxSuppression(
        decodeYoloV8(output.data, output.anchors, this.manifest.classes.length, thresholds, slot * output.perImage),
        nms.iou,
        nms.maxDetections,
      );
      for (const d of perTile) {
        results.push({
          ...d,
          x1: clamp(d.x1 - offsetX + tile.x, 0, image.width),
          y1: clamp(d.y1 - offsetY + tile.y, 0, image.height),
          x2: clamp(d.x2 - offsetX + tile.x, 0, image.width),
          y2: clamp(d.y2 - offsetY + tile.y, 0, image.height),
        });
      }
    });
    return results;
  }

  private async runFullFrame(image: RgbImage, thresholds: readonly number[]): Promise<RawDetection[]> {
    const { input, nms } = this.manifest;
    const scale = Math.min(input.width / image.width, input.height / image.height);
    const width = Math.max(1, Math.round(image.width * scale));
    const height = Math.max(1, Math.round(image.height * scale));
    const resized = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
    const data = new Float32Array(3 * input.width * input.height);
    const { offsetX, offsetY } = writeTileTensor({ data: resized, width, height }, { x: 0, y: 0, width, height }, input, data, 0);
    const output = await this.run(data, 1);
    return nonMaxSuppression(decodeYoloV8(output.data, output.anchors, this.manifest.classes.length, thresholds), nms.iou, nms.maxDetections).map((d) => ({
      ...d,
      x1: clamp((d.x1 - offsetX) / scale, 0, image.width),
      y1: clamp((d.y1 - offsetY) / scale, 0, image.height),
      x2: clamp((d.x2 - offsetX) / scale, 0, image.width),
      y2: clamp((d.y2 - offsetY) / scale, 0, image.height),
    }));
  }

  private async run(data: Float32Array, batch: number): Promise<{ data: Float32Array; anchors: number; perImage: number }> {
    const { input } = this.manifest;
    const tensor = new ort.Tensor('float32', data, [batch, 3, input.height, input.width]);
    const result = await this.session.run({ [input.name]: tensor });
    const out = result[this.outputName];
    if (!out) throw new Error(`model produced no output ${this.outputName}`);
    const dims = out.dims;
    const anchors = dims[2]!;
    const expected = 4 + this.manifest.classes.length;
    if (dims.length !== 3 || dims[1] !== expected) {
      throw new Error(`model output ${this.outputName} has shape [${dims.join(', ')}], expected [N, ${expected}, anchors]`);
    }
    return { data: out.data as Float32Array, anchors, perImage: expected * anchors };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}

/** Decodes a photo the way the pipeline sees it: EXIF orientation applied, RGB, 8 bit. */
export async function decodeRgb(file: string | Buffer, limitInputPixels = 100_000_000): Promise<RgbImage> {
  const { data, info } = await sharp(file, { limitInputPixels }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

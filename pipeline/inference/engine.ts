/**
 * Preprocess → session → postprocess over the views of one photo. `ModelRunner` owns one ONNX
 * session and runs in whichever thread holds it; `mergeViews` combines what the views found.
 */
import type * as ort from 'onnxruntime-node';
import { decodeOutput, type DecodeContext, type OutputLayout } from './formats.js';
import type { ModelSpec } from './manifest.js';
import { nonMaxMerge, nonMaxSuppression, type RawDetection } from './postprocess.js';
import { type RgbImage, toPhotoPixels, writeViewTensor } from './preprocess.js';
import type { View } from './tiling.js';

/**
 * A photo as the engine receives it: its upright size, and the pixels at full resolution and/or a
 * frame already reduced to the whole-frame placement (decoded with JPEG shrink-on-load).
 */
export interface DecodedPhoto {
  width: number;
  height: number;
  full?: RgbImage;
  frame?: RgbImage;
}

export interface Detection extends RawDetection {
  className: string;
}

export class ModelRunner {
  private batchTensor: Float32Array | undefined;
  /** Calls run one after another: the batch tensor is reused, and ORT reads it after run() returns. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly spec: ModelSpec,
    readonly layout: OutputLayout,
    private readonly session: ort.InferenceSession,
    private readonly Tensor: typeof ort.Tensor,
  ) {}

  /** Views per session.run: the manifest's batch when the batch axis is dynamic, else one. */
  get batchSize(): number {
    return this.spec.input.dynamicBatch ? this.spec.tiling.batch : 1;
  }

  /** Runs the views and returns candidates in photo pixels, each view already suppressed on its own. */
  runViews(photo: DecodedPhoto, views: readonly View[], thresholds: readonly number[]): Promise<RawDetection[]> {
    const run = this.queue.then(() => this.runViewsNow(photo, views, thresholds));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runViewsNow(
    photo: DecodedPhoto,
    views: readonly View[],
    thresholds: readonly number[],
  ): Promise<RawDetection[]> {
    const found: RawDetection[] = [];
    for (let i = 0; i < views.length; i += this.batchSize) {
      const batch = views.slice(i, i + this.batchSize);
      const output = await this.runBatch(photo, batch);
      batch.forEach((view, slot) => {
        for (const d of this.decodeView(output, slot, thresholds))
          found.push(toPhotoPixels(d, view.region, view.place, photo));
      });
    }
    return found;
  }

  /** One session.run on an already prepared batch: what the engine costs without pre- and post-processing. */
  async runPrepared(tensorData: Float32Array, batch: number): Promise<Float32Array> {
    const { input } = this.spec;
    const tensor = new this.Tensor('float32', tensorData, [batch, 3, input.height, input.width]);
    const result = await this.session.run({ [input.name]: tensor });
    const out = result[this.spec.outputName];
    if (!out) throw new Error(`model produced no output ${this.spec.outputName}`);
    if (out.dims[0] !== batch || out.data.length !== batch * this.layout.perImage) {
      throw new Error(
        `model output ${this.spec.outputName} has shape [${out.dims.join(', ')}], expected ${batch} × ${this.layout.perImage} values`,
      );
    }
    return out.data as Float32Array;
  }

  /** Writes the views' pixels into a reusable batch tensor and runs it. */
  private async runBatch(photo: DecodedPhoto, views: readonly View[]): Promise<Float32Array> {
    const { input } = this.spec;
    const size = views.length * 3 * input.width * input.height;
    // ORT reads the buffer during run only, so one buffer per runner is reused across batches.
    if (!this.batchTensor || this.batchTensor.length < size) this.batchTensor = new Float32Array(size);
    const data = this.batchTensor.length === size ? this.batchTensor : this.batchTensor.subarray(0, size);
    views.forEach((view, slot) => {
      const { image, region } = pixelsFor(photo, view);
      writeViewTensor(image, region, view.place, input, data, slot);
    });
    return this.runPrepared(data, views.length);
  }

  private decodeView(output: Float32Array, slot: number, thresholds: readonly number[]): RawDetection[] {
    const ctx: DecodeContext = {
      layout: this.layout,
      boxes: this.spec.boxes,
      input: this.spec.input,
      strides: this.spec.strides,
      thresholds,
    };
    const candidates = decodeOutput(output, slot, ctx);
    // End-to-end heads have suppressed already; the others leave it to us.
    if (this.layout.format === 'end2end') return candidates;
    return nonMaxSuppression(candidates, this.spec.nms.iou, this.spec.nms.maxDetections);
  }

  /** Releases the session once the runs already asked for have finished. */
  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}

/** Which pixels a view reads: a reduced frame for the whole-frame pass when one was decoded. */
function pixelsFor(photo: DecodedPhoto, view: View): { image: RgbImage; region: View['region'] } {
  const { frame, full } = photo;
  if (view.wholeFrame && frame && frame.width === view.place.width && frame.height === view.place.height) {
    return { image: frame, region: { x: 0, y: 0, width: frame.width, height: frame.height } };
  }
  if (full) return { image: full, region: view.region };
  if (view.wholeFrame && frame) {
    // A frame of another size (another model's placement): resample it, mapping stays in photo pixels.
    return { image: frame, region: { x: 0, y: 0, width: frame.width, height: frame.height } };
  }
  throw new Error('photo has no pixels for this view: tiles need the full-resolution image');
}

/** Combines the candidates of all views of one photo: class-wise NMS or merging, as the manifest says. */
export function mergeViews(candidates: RawDetection[], spec: ModelSpec, viewCount: number): Detection[] {
  const { tiling, nms } = spec;
  const merged =
    viewCount <= 1
      ? candidates.sort((a, b) => b.score - a.score).slice(0, nms.maxDetections)
      : tiling.merge === 'nmm'
        ? nonMaxMerge(candidates, tiling.mergeThreshold, nms.maxDetections, tiling.mergeMetric)
        : nonMaxSuppression(candidates, tiling.mergeThreshold, nms.maxDetections, tiling.mergeMetric);
  return merged.map((d) => ({ ...d, className: spec.classes[d.classIndex]?.name ?? `class ${d.classIndex}` }));
}

/**
 * A second look at the detector's boxes: a small classifier that sees each fire or smoke box with
 * context around it and keeps only those it also takes for fire or smoke. The detector learns from
 * whole tiles and meets few drone-photo negatives per step; the verifier is trained on the
 * detector's own false alarms on licensed drone photos (models/training/verifier.py), so it removes
 * most sunlit roofs and orange cars while the detector keeps its recall.
 *
 * The crop must be cut as the trainer cuts it: the square of side max(w, h) × context (at least
 * minSide photo pixels) centred on the box, outside the photo filled with padValue, resampled to
 * size × size, RGB scaled 1/255, CHW.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import { z } from 'zod';
import type { Box } from './postprocess.js';
import type { RgbImage } from './preprocess.js';

export const VerifierManifestSchema = z
  .object({
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    inputName: z.string().min(1),
    outputName: z.string().min(1),
    size: z.number().int().min(16).max(512),
    context: z.number().min(1).max(8),
    minSide: z.number().positive(),
    padValue: z.number().int().min(0).max(255),
    /** Detector class name → the verifier output that judges it and the probability it must reach. */
    classes: z.record(
      z.string().min(1),
      z.object({ output: z.number().int().min(0), threshold: z.number().gt(0).lt(1) }).strict(),
    ),
  })
  .strict();

export type VerifierManifest = z.infer<typeof VerifierManifestSchema>;

/** The most samples per axis a shrinking output pixel averages (an area filter, as the trainer's). */
const MAX_SUPERSAMPLE = 4;

/**
 * Writes the crop of one box into `out` at `slot` (CHW, scaled 1/255). `box` is in photo pixels;
 * `image` may be a reduced frame of the photo, `toImage` the factor from photo to image pixels.
 */
export function writeCrop(
  image: RgbImage,
  box: Box,
  toImage: number,
  spec: Pick<VerifierManifest, 'size' | 'context' | 'minSide' | 'padValue'>,
  out: Float32Array,
  slot: number,
): void {
  const { size } = spec;
  const side = Math.max(spec.minSide, Math.max(box.x2 - box.x1, box.y2 - box.y1) * spec.context) * toImage;
  const cx = ((box.x1 + box.x2) / 2) * toImage;
  const cy = ((box.y1 + box.y2) / 2) * toImage;
  const step = side / size;
  const samples = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(step)));
  const plane = size * size;
  const base = slot * 3 * plane;
  const pad = spec.padValue;
  const { data, width, height } = image;
  const sample: [number, number, number] = [0, 0, 0];
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < samples; sy++) {
        // Pixel centres: output pixel o covers [o, o+1) × step around the crop's top-left corner.
        const y = cy - side / 2 + (oy + (sy + 0.5) / samples) * step - 0.5;
        for (let sx = 0; sx < samples; sx++) {
          const x = cx - side / 2 + (ox + (sx + 0.5) / samples) * step - 0.5;
          bilinear(data, width, height, x, y, pad, sample);
          r += sample[0];
          g += sample[1];
          b += sample[2];
        }
      }
      const n = samples * samples * 255;
      const i = base + oy * size + ox;
      out[i] = r / n;
      out[i + plane] = g / n;
      out[i + 2 * plane] = b / n;
    }
  }
}

function bilinear(
  data: Uint8Array,
  width: number,
  height: number,
  x: number,
  y: number,
  pad: number,
  out: [number, number, number],
): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const px = (xx: number, yy: number, c: number): number =>
    xx < 0 || yy < 0 || xx >= width || yy >= height ? pad : data[(yy * width + xx) * 3 + c]!;
  for (let c = 0; c < 3; c++) {
    const top = px(x0, y0, c) * (1 - fx) + px(x0 + 1, y0, c) * fx;
    const bottom = px(x0, y0 + 1, c) * (1 - fx) + px(x0 + 1, y0 + 1, c) * fx;
    out[c] = top * (1 - fy) + bottom * fy;
  }
}

interface VerifiablePhoto {
  width: number;
  full?: RgbImage;
  frame?: RgbImage;
}

/** One verifier session; `filter` keeps the boxes it confirms (and every box of a class it does not judge). */
export class BoxVerifier {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly spec: VerifierManifest,
    private readonly session: Ort.InferenceSession,
    private readonly Tensor: typeof Ort.Tensor,
  ) {}

  /** Opens the verifier a model's spec names, checking its file against the manifest's sha256. */
  static async open(spec: VerifierManifest & { path: string }, intraOpThreads = 1): Promise<BoxVerifier> {
    const bytes = await readFile(spec.path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== spec.sha256)
      throw new Error(`verifier file ${spec.path} has sha256 ${sha256}, but its manifest says ${spec.sha256}`);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
    });
    return new BoxVerifier(spec, session, ort.Tensor);
  }

  filter<T extends Box & { className: string }>(photo: VerifiablePhoto, detections: T[]): Promise<T[]> {
    const run = this.queue.then(() => this.filterNow(photo, detections));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async filterNow<T extends Box & { className: string }>(
    photo: VerifiablePhoto,
    detections: T[],
  ): Promise<T[]> {
    const judged = detections.filter((d) => this.spec.classes[d.className]);
    if (judged.length === 0) return detections;
    const image = photo.full ?? photo.frame;
    if (!image) throw new Error('photo has no pixels for the verifier');
    const toImage = image.width / photo.width;
    const { size, inputName, outputName } = this.spec;
    const input = new Float32Array(judged.length * 3 * size * size);
    judged.forEach((d, slot) => writeCrop(image, d, toImage, this.spec, input, slot));
    const result = await this.session.run({
      [inputName]: new this.Tensor('float32', input, [judged.length, 3, size, size]),
    });
    const out = result[outputName];
    if (!out) throw new Error(`verifier produced no output ${outputName}`);
    const probabilities = out.data as Float32Array;
    const perBox = probabilities.length / judged.length;
    const rejected = new Set<T>();
    judged.forEach((d, i) => {
      const rule = this.spec.classes[d.className]!;
      if (probabilities[i * perBox + rule.output]! < rule.threshold) rejected.add(d);
    });
    return detections.filter((d) => !rejected.has(d));
  }

  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}

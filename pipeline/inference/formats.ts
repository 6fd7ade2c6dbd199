/**
 * The output layouts of common YOLO exports, how to recognise each from the output shape, and how
 * to decode one image of it into candidate boxes in model-input pixels. Pure.
 */
import type { ModelFormat, ModelInput } from './manifest.js';
import type { RawDetection } from './postprocess.js';

/**
 * Conventions of each format's own tooling, used only where neither the manifest nor the ONNX file
 * says otherwise: Ultralytics letterboxes centred with grey 114, RGB scaled to 0..1, and predicts
 * with conf 0.25, NMS IoU 0.7, at most 300 boxes; YOLOX pads top-left with 114 and feeds BGR 0..255,
 * with NMS IoU 0.45, on strides 8/16/32.
 */
export const FORMAT_CONVENTIONS: Record<
  ModelFormat,
  {
    input: Pick<ModelInput, 'channelOrder' | 'scale' | 'letterbox' | 'padValue'>;
    threshold: number;
    nmsIou: number;
    maxDetections: number;
    strides: number[];
  }
> = {
  yolov5: {
    input: { channelOrder: 'RGB', scale: 1 / 255, letterbox: 'centre', padValue: 114 },
    threshold: 0.25,
    nmsIou: 0.7,
    maxDetections: 300,
    strides: [8, 16, 32],
  },
  yolov8: {
    input: { channelOrder: 'RGB', scale: 1 / 255, letterbox: 'centre', padValue: 114 },
    threshold: 0.25,
    nmsIou: 0.7,
    maxDetections: 300,
    strides: [8, 16, 32],
  },
  end2end: {
    input: { channelOrder: 'RGB', scale: 1 / 255, letterbox: 'centre', padValue: 114 },
    threshold: 0.25,
    nmsIou: 0.7,
    maxDetections: 300,
    strides: [8, 16, 32],
  },
  yolox: {
    input: { channelOrder: 'BGR', scale: 1, letterbox: 'top-left', padValue: 114 },
    threshold: 0.25,
    nmsIou: 0.45,
    maxDetections: 300,
    strides: [8, 16, 32],
  },
};

export interface OutputLayout {
  format: ModelFormat;
  numClasses: number;
  /** Candidate boxes per image (anchors, grid cells or end-to-end slots). */
  candidates: number;
  /** Values per image in the output tensor. */
  perImage: number;
}

export class UnknownLayoutError extends Error {}

/** Grid cells of all feature maps: 8400 for 640×640 at strides 8/16/32. */
export function gridCells(width: number, height: number, strides: readonly number[]): number {
  return strides.reduce((sum, s) => sum + Math.ceil(width / s) * Math.ceil(height / s), 0);
}

/**
 * Recognises the layout from an output shape [batch, a, b]. `numClasses` (from the class names)
 * and `hint` (from the manifest or the `end2end` metadata) settle the ambiguous cases; when they
 * disagree with the shape, the error says so rather than guessing.
 */
export function recogniseLayout(
  dims: readonly number[],
  input: { width: number; height: number },
  strides: readonly number[],
  numClasses: number | undefined,
  hint: { format?: ModelFormat; end2end?: boolean } = {},
): OutputLayout {
  const shape = `[${dims.join(', ')}]`;
  if (dims.length !== 3)
    throw new UnknownLayoutError(
      `output shape ${shape} matches no known detector layout: expected three axes [batch, …, …]`,
    );
  const [, a, b] = dims as [number, number, number];
  const cells = gridCells(input.width, input.height, strides);
  const classesSay = (nc: number) => {
    if (numClasses !== undefined && numClasses !== nc) {
      throw new UnknownLayoutError(`output shape ${shape} implies ${nc} classes, but the model names ${numClasses}`);
    }
    return nc;
  };
  const layouts: Record<ModelFormat, () => OutputLayout | undefined> = {
    end2end: () =>
      b === 6 && a <= 10_000
        ? { format: 'end2end', numClasses: numClasses ?? 0, candidates: a, perImage: a * 6 }
        : undefined,
    yolov8: () =>
      a > 4 && b > a ? { format: 'yolov8', numClasses: classesSay(a - 4), candidates: b, perImage: a * b } : undefined,
    yolov5: () =>
      b > 5 && a === 3 * cells
        ? { format: 'yolov5', numClasses: classesSay(b - 5), candidates: a, perImage: a * b }
        : undefined,
    yolox: () =>
      b > 5 && a === cells
        ? { format: 'yolox', numClasses: classesSay(b - 5), candidates: a, perImage: a * b }
        : undefined,
  };
  if (hint.format) {
    const layout = layouts[hint.format]();
    if (!layout)
      throw new UnknownLayoutError(
        `output shape ${shape} does not fit the ${hint.format} layout the manifest names (${describe(hint.format, cells)})`,
      );
    return layout;
  }
  // [1, cells, 6] is a one-class YOLOX grid, not 6-wide end-to-end rows: the grid layouts are tried first
  // unless the model says it is end-to-end.
  const grids: ModelFormat[] = ['yolov8', 'yolov5', 'yolox'];
  const order: ModelFormat[] =
    hint.end2end === true ? ['end2end', ...grids] : hint.end2end === false ? grids : [...grids, 'end2end'];
  for (const format of order) {
    const layout = layouts[format]();
    if (layout) return layout;
  }
  throw new UnknownLayoutError(
    `output shape ${shape} matches no known detector layout for a ${input.width}×${input.height} input: expected ${MODEL_FORMATS_TEXT(cells)}`,
  );
}

function describe(format: ModelFormat, cells: number): string {
  switch (format) {
    case 'yolov8':
      return `[1, 4 + classes, ${cells}]`;
    case 'yolov5':
      return `[1, ${3 * cells}, 5 + classes]`;
    case 'yolox':
      return `[1, ${cells}, 5 + classes]`;
    case 'end2end':
      return '[1, K, 6]';
  }
}

const MODEL_FORMATS_TEXT = (cells: number) =>
  `${describe('yolov8', cells)} (YOLOv8/YOLO11), ${describe('yolov5', cells)} (YOLOv5), ${describe('yolox', cells)} (YOLOX raw grid) or ${describe('end2end', cells)} (YOLOv10/YOLO26 end-to-end)`;

export interface DecodeContext {
  layout: OutputLayout;
  boxes: 'pixels' | 'normalised';
  input: { width: number; height: number };
  strides: readonly number[];
  /** Per-class minimum score; classes at Infinity are never materialised. */
  thresholds: readonly number[];
}

/**
 * Decodes image `slot` of a batch into candidates above their class threshold, boxes as corners in
 * input pixels. Only candidates that pass are materialised: the cost is one pass over the scores.
 */
export function decodeOutput(output: Float32Array, slot: number, ctx: DecodeContext): RawDetection[] {
  const offset = slot * ctx.layout.perImage;
  switch (ctx.layout.format) {
    case 'yolov8':
      return decodeYoloV8(output, offset, ctx);
    case 'yolov5':
      return decodeYoloV5(output, offset, ctx);
    case 'end2end':
      return decodeEnd2End(output, offset, ctx);
    case 'yolox':
      return decodeYoloX(output, offset, ctx);
  }
}

function boxScale(ctx: DecodeContext): [number, number] {
  return ctx.boxes === 'normalised' ? [ctx.input.width, ctx.input.height] : [1, 1];
}

/** [4 + nc, N], channel-major: cx, cy, w, h, then class probabilities; no objectness. */
function decodeYoloV8(output: Float32Array, offset: number, ctx: DecodeContext): RawDetection[] {
  const { candidates: n, numClasses } = ctx.layout;
  const { thresholds } = ctx;
  const [sx, sy] = boxScale(ctx);
  const found: RawDetection[] = [];
  const best = new Int32Array(n).fill(-1);
  const bestScore = new Float32Array(n);
  // Class-major scan: each class row is contiguous, so this walks memory in order.
  for (let c = 0; c < numClasses; c++) {
    const threshold = thresholds[c]!;
    if (!(threshold <= 1)) continue;
    const row = offset + (4 + c) * n;
    for (let a = 0; a < n; a++) {
      const s = output[row + a]!;
      if (s >= threshold && s > bestScore[a]!) {
        bestScore[a] = s;
        best[a] = c;
      }
    }
  }
  for (let a = 0; a < n; a++) {
    const c = best[a]!;
    if (c < 0) continue;
    const cx = output[offset + a]! * sx;
    const cy = output[offset + n + a]! * sy;
    const w = output[offset + 2 * n + a]! * sx;
    const h = output[offset + 3 * n + a]! * sy;
    found.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, classIndex: c, score: bestScore[a]! });
  }
  return found;
}

/** [N, 5 + nc], row-major: cx, cy, w, h, objectness, class probabilities; score = objectness × class. */
function decodeYoloV5(output: Float32Array, offset: number, ctx: DecodeContext): RawDetection[] {
  const { candidates: n, numClasses } = ctx.layout;
  const stride = 5 + numClasses;
  const floor = Math.min(...ctx.thresholds);
  const [sx, sy] = boxScale(ctx);
  const found: RawDetection[] = [];
  for (let a = 0; a < n; a++) {
    const row = offset + a * stride;
    const objectness = output[row + 4]!;
    if (objectness < floor) continue; // class probabilities are at most 1
    const pick = bestClass(output, row + 5, numClasses, objectness, ctx.thresholds);
    if (pick < 0) continue;
    const cx = output[row]! * sx;
    const cy = output[row + 1]! * sy;
    const w = output[row + 2]! * sx;
    const h = output[row + 3]! * sy;
    found.push({
      x1: cx - w / 2,
      y1: cy - h / 2,
      x2: cx + w / 2,
      y2: cy + h / 2,
      classIndex: pick,
      score: objectness * output[row + 5 + pick]!,
    });
  }
  return found;
}

/** [K, 6]: x1, y1, x2, y2, score, class; NMS already done inside the model. */
function decodeEnd2End(output: Float32Array, offset: number, ctx: DecodeContext): RawDetection[] {
  const [sx, sy] = boxScale(ctx);
  const found: RawDetection[] = [];
  for (let k = 0; k < ctx.layout.candidates; k++) {
    const row = offset + k * 6;
    const score = output[row + 4]!;
    const classIndex = Math.round(output[row + 5]!);
    const threshold = ctx.thresholds[classIndex];
    if (threshold === undefined || !(score >= threshold)) continue;
    found.push({
      x1: output[row]! * sx,
      y1: output[row + 1]! * sy,
      x2: output[row + 2]! * sx,
      y2: output[row + 3]! * sy,
      classIndex,
      score,
    });
  }
  return found;
}

/**
 * YOLOX raw grid, [cells, 5 + nc]: per stride (8, 16, 32) its grid row by row; x, y are offsets in
 * grid cells, w, h log sizes, then sigmoid objectness and class probabilities.
 */
function decodeYoloX(output: Float32Array, offset: number, ctx: DecodeContext): RawDetection[] {
  const { numClasses } = ctx.layout;
  const stride = 5 + numClasses;
  const floor = Math.min(...ctx.thresholds);
  const found: RawDetection[] = [];
  let a = 0;
  for (const s of ctx.strides) {
    const gw = Math.ceil(ctx.input.width / s);
    const gh = Math.ceil(ctx.input.height / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, a++) {
        const row = offset + a * stride;
        const objectness = output[row + 4]!;
        if (objectness < floor) continue;
        const pick = bestClass(output, row + 5, numClasses, objectness, ctx.thresholds);
        if (pick < 0) continue;
        const cx = (output[row]! + gx) * s;
        const cy = (output[row + 1]! + gy) * s;
        const w = Math.exp(output[row + 2]!) * s;
        const h = Math.exp(output[row + 3]!) * s;
        found.push({
          x1: cx - w / 2,
          y1: cy - h / 2,
          x2: cx + w / 2,
          y2: cy + h / 2,
          classIndex: pick,
          score: objectness * output[row + 5 + pick]!,
        });
      }
    }
  }
  return found;
}

/** The class with the best objectness × probability that reaches its own threshold, or -1. */
function bestClass(
  output: Float32Array,
  start: number,
  numClasses: number,
  objectness: number,
  thresholds: readonly number[],
): number {
  let pick = -1;
  let pickScore = 0;
  for (let c = 0; c < numClasses; c++) {
    const score = objectness * output[start + c]!;
    if (score >= thresholds[c]! && score > pickScore) {
      pick = c;
      pickScore = score;
    }
  }
  return pick;
}

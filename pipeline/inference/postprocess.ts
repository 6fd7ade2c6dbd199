/** Pure post-processing: output decoding, NMS and box bookkeeping. No I/O. */

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface RawDetection extends Box {
  classIndex: number;
  score: number;
}

/**
 * Decodes one image of an Ultralytics v8 head, [4 + nc, anchors] row-major (cx, cy, w, h in input
 * pixels, then class scores). Only candidates above their class threshold are materialised, so the
 * cost is one pass over the scores plus work proportional to the candidates.
 */
export function decodeYoloV8(
  output: Float32Array,
  anchors: number,
  numClasses: number,
  thresholds: readonly number[],
  offset = 0,
): RawDetection[] {
  const detections: RawDetection[] = [];
  const minThreshold = Math.min(...thresholds);
  for (let a = 0; a < anchors; a++) {
    let best = -1;
    let bestScore = minThreshold;
    for (let c = 0; c < numClasses; c++) {
      const s = output[offset + (4 + c) * anchors + a]!;
      if (s >= bestScore && s >= thresholds[c]!) {
        best = c;
        bestScore = s;
      }
    }
    if (best < 0) continue;
    const cx = output[offset + a]!;
    const cy = output[offset + anchors + a]!;
    const w = output[offset + 2 * anchors + a]!;
    const h = output[offset + 3 * anchors + a]!;
    detections.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, classIndex: best, score: bestScore });
  }
  return detections;
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/** Intersection over the smaller box: near 1 when a box cut off at a tile edge lies inside the whole one. */
export function intersectionOverSmaller(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / Math.min((a.x2 - a.x1) * (a.y2 - a.y1), (b.x2 - b.x1) * (b.y2 - b.y1));
}

export type OverlapMetric = 'iou' | 'ios';

/** Class-wise greedy non-maximum suppression; keeps at most `maxDetections`, best first. */
export function nonMaxSuppression<T extends RawDetection>(
  detections: readonly T[],
  threshold: number,
  maxDetections = Infinity,
  metric: OverlapMetric = 'iou',
): T[] {
  const overlap = metric === 'iou' ? iou : intersectionOverSmaller;
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const suppressed = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length && kept.length < maxDetections; i++) {
    if (suppressed[i]) continue;
    const d = sorted[i]!;
    kept.push(d);
    for (let j = i + 1; j < sorted.length; j++) {
      if (!suppressed[j] && sorted[j]!.classIndex === d.classIndex && overlap(d, sorted[j]!) > threshold) suppressed[j] = 1;
    }
  }
  return kept;
}

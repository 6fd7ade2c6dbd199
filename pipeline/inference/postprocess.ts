/** Pure post-processing: overlap measures, suppression and merging of candidate boxes. No I/O. */

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

type OverlapMetric = 'iou' | 'ios';

const measures: Record<OverlapMetric, (a: Box, b: Box) => number> = { iou, ios: intersectionOverSmaller };

/** Class-wise greedy non-maximum suppression; keeps at most `maxDetections`, best first. */
export function nonMaxSuppression<T extends RawDetection>(
  detections: readonly T[],
  threshold: number,
  maxDetections = Infinity,
  metric: OverlapMetric = 'iou',
): T[] {
  return greedy(detections, threshold, maxDetections, metric, (best) => best);
}

/**
 * Class-wise greedy non-maximum merging (as in SAHI): the best box absorbs every same-class box that
 * overlaps it beyond the threshold and grows to their union, keeping the best score. Suits objects
 * cut in pieces by tile edges, where suppression would keep only the largest piece.
 */
export function nonMaxMerge<T extends RawDetection>(
  detections: readonly T[],
  threshold: number,
  maxDetections = Infinity,
  metric: OverlapMetric = 'ios',
): T[] {
  return greedy(detections, threshold, maxDetections, metric, (best, absorbed) => {
    if (absorbed.length === 0) return best;
    const merged = { ...best };
    for (const d of absorbed) {
      merged.x1 = Math.min(merged.x1, d.x1);
      merged.y1 = Math.min(merged.y1, d.y1);
      merged.x2 = Math.max(merged.x2, d.x2);
      merged.y2 = Math.max(merged.y2, d.y2);
    }
    return merged;
  });
}

function greedy<T extends RawDetection>(
  detections: readonly T[],
  threshold: number,
  maxDetections: number,
  metric: OverlapMetric,
  combine: (best: T, absorbed: T[]) => T,
): T[] {
  const overlap = measures[metric];
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const taken = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length && kept.length < maxDetections; i++) {
    if (taken[i]) continue;
    const best = sorted[i]!;
    const absorbed: T[] = [];
    for (let j = i + 1; j < sorted.length; j++) {
      const other = sorted[j]!;
      if (!taken[j] && other.classIndex === best.classIndex && overlap(best, other) > threshold) {
        taken[j] = 1;
        absorbed.push(other);
      }
    }
    kept.push(combine(best, absorbed));
  }
  return kept;
}

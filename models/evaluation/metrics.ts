/**
 * Detection metrics, VOC style: greedy matching at an IoU threshold per image and class, all-point
 * interpolated average precision. Ground truth marked `difficult` (hazards cut by the frame edge)
 * neither counts as missed nor makes a detection on it a false positive.
 */
import { type Box, iou } from '../../pipeline/inference/postprocess.js';

export interface GroundTruthBox extends Box {
  image: string;
  classIndex: number;
  difficult: boolean;
}

export interface ScoredBox extends Box {
  image: string;
  classIndex: number;
  score: number;
}

export interface ClassMetrics {
  ap50: number;
  groundTruth: number;
  /** Precision/recall curve points, by descending score. */
  curve: Array<{ score: number; precision: number; recall: number }>;
}

export function evaluateClass(
  classIndex: number,
  truths: readonly GroundTruthBox[],
  detections: readonly ScoredBox[],
  iouThreshold = 0.5,
): ClassMetrics {
  const byImage = new Map<string, Array<GroundTruthBox & { taken: boolean }>>();
  let positives = 0;
  for (const t of truths) {
    if (t.classIndex !== classIndex) continue;
    if (!t.difficult) positives++;
    const list = byImage.get(t.image) ?? [];
    list.push({ ...t, taken: false });
    byImage.set(t.image, list);
  }
  const sorted = detections.filter((d) => d.classIndex === classIndex).sort((a, b) => b.score - a.score);
  let tp = 0;
  let fp = 0;
  const curve: ClassMetrics['curve'] = [];
  for (const d of sorted) {
    const candidates = byImage.get(d.image) ?? [];
    let best: (GroundTruthBox & { taken: boolean }) | undefined;
    let bestIou = iouThreshold;
    for (const t of candidates) {
      const o = iou(d, t);
      if (o >= bestIou && !(t.taken && !t.difficult)) {
        best = t;
        bestIou = o;
      }
    }
    if (best?.difficult) continue;
    if (best) {
      best.taken = true;
      tp++;
    } else {
      fp++;
    }
    curve.push({ score: d.score, precision: tp / (tp + fp), recall: positives ? tp / positives : 0 });
  }
  return { ap50: averagePrecision(curve), groundTruth: positives, curve };
}

/** Area under the precision envelope (precision made monotone from the right). */
export function averagePrecision(curve: ReadonlyArray<{ precision: number; recall: number }>): number {
  if (curve.length === 0) return 0;
  const precision = curve.map((c) => c.precision);
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let ap = 0;
  let lastRecall = 0;
  curve.forEach((c, i) => {
    ap += (c.recall - lastRecall) * precision[i]!;
    lastRecall = c.recall;
  });
  return ap;
}

/** Recall and precision of the detections scoring at least `threshold`. */
export function atThreshold(metrics: ClassMetrics, threshold: number): { recall: number; precision: number } {
  let point: ClassMetrics['curve'][number] | undefined;
  for (const c of metrics.curve) {
    if (c.score < threshold) break;
    point = c;
  }
  return point ? { recall: point.recall, precision: point.precision } : { recall: 0, precision: 1 };
}

/**
 * The score threshold a reviewer would want by default: the best F1, lowered if needed so recall
 * reaches `minRecall` (a missed hazard costs more than a rejected false alarm), never above
 * `ceiling` (a small validation set makes high-confidence cut-offs fragile on new sites), never
 * below `floor`.
 */
export function chooseThreshold(metrics: ClassMetrics, minRecall: number, floor: number, ceiling = 1): number {
  let bestF1 = -1;
  let best = 0.5;
  for (const c of metrics.curve) {
    const f1 = (2 * c.precision * c.recall) / (c.precision + c.recall || 1);
    if (f1 > bestF1) {
      bestF1 = f1;
      best = c.score;
    }
  }
  const bestRecall = atThreshold(metrics, best).recall;
  if (bestRecall < minRecall) {
    const reaching = metrics.curve.find((c) => c.recall >= minRecall);
    if (reaching) best = reaching.score;
  }
  return Math.max(floor, Math.min(ceiling, Math.floor(best * 1000) / 1000));
}

/**
 * Runs models over a bureau's reviewed originals the way the worker does (tiled, only the classes
 * that flag hazards decoded, each model's own thresholds) and scores them against the reviewers'
 * labels.
 */
import type { Detector } from '../../pipeline/inference/detector.js';
import {
  OriginalUnavailableError,
  type PhotoRow,
  type ReviewedPhoto,
  type ReviewedPhotoService,
  type TrainingWindow,
} from '../../pipeline/services/reviewed-photos.js';
import { type NamedDetection, type ReviewedScore, type ReviewedTruth, scoreOnReviewed } from './reviewed-metrics.js';

export interface ReviewedEvaluation {
  photos: number;
  skipped: Array<{ imageId: string; reason: string }>;
  classes: string[];
  truths: { positives: number; falseAlarms: number; unknown: number };
  scores: ReviewedScore[];
}

export function truthOf(photo: ReviewedPhoto): ReviewedTruth {
  const truth: ReviewedTruth = { id: photo.id, truths: [], falseAlarms: [], unknown: [] };
  for (const b of photo.boxes) {
    const [x1, y1, x2, y2] = b.box;
    if (b.label.kind === 'positive') truth.truths.push({ className: b.label.className, x1, y1, x2, y2 });
    else if (b.label.kind === 'negative') truth.falseAlarms.push({ className: b.className, x1, y1, x2, y2 });
    else if (b.label.kind === 'unknown') truth.unknown.push({ x1, y1, x2, y2 });
  }
  return truth;
}

/** The hazard classes of the models first (in the first model's order), then classes only reviewers named. */
export function classesOf(detectors: readonly Detector[], truths: readonly ReviewedTruth[]): string[] {
  const names: string[] = [];
  const add = (n: string) => {
    if (!names.includes(n)) names.push(n);
  };
  for (const d of detectors) for (const c of d.spec.classes) if (c.hazardCode) add(c.name);
  for (const t of truths) for (const b of t.truths) add(b.className);
  return names;
}

export async function evaluateOnReviewed(
  reviewed: ReviewedPhotoService,
  photos: readonly PhotoRow[],
  window: TrainingWindow,
  detectors: readonly Detector[],
  maxImagePixels: number,
  onProgress?: (done: number, total: number) => void,
): Promise<ReviewedEvaluation> {
  const truths: ReviewedTruth[] = [];
  const detections: NamedDetection[][] = detectors.map(() => []);
  const skipped: ReviewedEvaluation['skipped'] = [];
  let done = 0;
  for await (const photo of reviewed.labelled(photos, window)) {
    onProgress?.(++done, photos.length);
    let bytes: Buffer;
    try {
      bytes = await reviewed.original(photo);
    } catch (error) {
      if (!(error instanceof OriginalUnavailableError)) throw error;
      skipped.push({ imageId: photo.id, reason: error.message });
      continue;
    }
    const found: NamedDetection[][] = [];
    let mismatch: string | undefined;
    for (const detector of detectors) {
      // As the worker: classes that flag nothing are not decoded, so they cannot crowd hazards out.
      const thresholds = detector.spec.classes.map((c) => (c.hazardCode ? c.threshold : Number.POSITIVE_INFINITY));
      const result = await detector.detectEncoded(bytes, { thresholds }, maxImagePixels);
      if (result.width !== photo.width || result.height !== photo.height)
        mismatch = `decodes to ${result.width}×${result.height}, not the ${photo.width}×${photo.height} its labels are in`;
      found.push(
        result.detections.map((d) => ({
          photo: photo.id,
          className: d.className,
          score: d.score,
          x1: d.x1,
          y1: d.y1,
          x2: d.x2,
          y2: d.y2,
        })),
      );
    }
    if (mismatch) {
      skipped.push({ imageId: photo.id, reason: mismatch });
      continue;
    }
    truths.push(truthOf(photo));
    found.forEach((list, i) => detections[i]!.push(...list));
  }
  const classes = classesOf(detectors, truths);
  return {
    photos: truths.length,
    skipped,
    classes,
    truths: {
      positives: truths.reduce((n, t) => n + t.truths.length, 0),
      falseAlarms: truths.reduce((n, t) => n + t.falseAlarms.length, 0),
      unknown: truths.reduce((n, t) => n + t.unknown.length, 0),
    },
    scores: detections.map((list) => scoreOnReviewed(classes, truths, list)),
  };
}

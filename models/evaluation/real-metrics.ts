/**
 * Scores detections on real labelled photos the way the model card reports them: per class, box
 * recall and precision at IoU 0.3 and 0.5 at the default threshold, image-level recall, how often a
 * head wearing a helmet is flagged as bare, and false alarms per hazard-free photo, aerial and
 * ground apart. Pure: the caller runs the model.
 */
import { type Box, iou } from '../../pipeline/inference/postprocess.js';

export interface RealPhoto {
  id: string;
  source: string;
  aerial: boolean;
  boxes: Array<Box & { classIndex: number }>;
  /** Regions whose content is unlabelled or ambiguous: detections there are neither right nor wrong. */
  ignore: Box[];
  /** Classes this photo's source labels exhaustively; others are not scored on it. */
  annotated: number[];
}

export interface RealDetection extends Box {
  photo: string;
  classIndex: number;
  score: number;
}

export interface BoxCounts {
  truths: number;
  found: number;
  detections: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface RealClassScore {
  instances: number;
  photosWithClass: number;
  iou30: BoxCounts;
  iou50: BoxCounts;
  imageRecall: number;
}

/**
 * Greedy one-to-one matching by score at `iouThreshold`, on the photos whose source labels the
 * class. A detection mostly inside an ignored region is not counted.
 */
export function boxCounts(
  classIndex: number,
  threshold: number,
  photos: readonly RealPhoto[],
  detections: readonly RealDetection[],
  iouThreshold: number,
): BoxCounts {
  const byPhoto = groupByPhoto(detections.filter((d) => d.classIndex === classIndex && d.score >= threshold));
  let truths = 0;
  let found = 0;
  let counted = 0;
  let correct = 0;
  for (const photo of photos) {
    if (!photo.annotated.includes(classIndex)) continue;
    const gts = photo.boxes.filter((b) => b.classIndex === classIndex).map((b) => ({ box: b, taken: false }));
    truths += gts.length;
    const dets = (byPhoto.get(photo.id) ?? []).sort((a, b) => b.score - a.score);
    for (const d of dets) {
      let best: (typeof gts)[number] | undefined;
      let bestIou = iouThreshold;
      for (const g of gts) {
        if (g.taken) continue;
        const o = iou(d, g.box);
        if (o >= bestIou) {
          best = g;
          bestIou = o;
        }
      }
      if (best) {
        best.taken = true;
        correct++;
        counted++;
        continue;
      }
      if (insideIgnored(d, photo.ignore)) continue;
      // A second box on a hazard already found (a fire drawn as one box, found as two) is not a false alarm at IoU 0.3.
      if (iouThreshold <= 0.3 && gts.some((g) => g.taken && intersectionOverSmaller(d, g.box) >= 0.5)) continue;
      counted++;
    }
    found += gts.filter((g) => g.taken).length;
  }
  return {
    truths,
    found,
    detections: counted,
    correct,
    recall: truths ? found / truths : 0,
    precision: counted ? correct / counted : 1,
  };
}

export function scoreClass(
  classIndex: number,
  threshold: number,
  photos: readonly RealPhoto[],
  detections: readonly RealDetection[],
): RealClassScore {
  const labelled = photos.filter(
    (p) => p.annotated.includes(classIndex) && p.boxes.some((b) => b.classIndex === classIndex),
  );
  const flagged = new Set(
    detections.filter((d) => d.classIndex === classIndex && d.score >= threshold).map((d) => d.photo),
  );
  return {
    instances: labelled.reduce((n, p) => n + p.boxes.filter((b) => b.classIndex === classIndex).length, 0),
    photosWithClass: labelled.length,
    iou30: boxCounts(classIndex, threshold, photos, detections, 0.3),
    iou50: boxCounts(classIndex, threshold, photos, detections, 0.5),
    imageRecall: labelled.length ? labelled.filter((p) => flagged.has(p.id)).length / labelled.length : 0,
  };
}

/**
 * Hazard-free photos: no box of a flagged class their source labels. Alarms are detections, at
 * their class's threshold, of the flagged classes the source labels (a fire set's photo says
 * nothing about hard hats), counted per photo.
 */
export function falseAlarms(
  photos: readonly RealPhoto[],
  detections: readonly RealDetection[],
  thresholds: readonly number[],
  flagged: readonly number[],
  aerial: boolean,
): { photos: number; alarms: number; perPhoto: number; byClass: Record<number, number> } {
  const free = new Map<string, Set<number>>();
  for (const p of photos) {
    if (p.aerial !== aerial) continue;
    const checked = flagged.filter((c) => p.annotated.includes(c));
    if (checked.length && !p.boxes.some((b) => checked.includes(b.classIndex))) free.set(p.id, new Set(checked));
  }
  const byClass: Record<number, number> = {};
  let alarms = 0;
  for (const d of detections) {
    if (!free.get(d.photo)?.has(d.classIndex) || d.score < thresholds[d.classIndex]!) continue;
    alarms++;
    byClass[d.classIndex] = (byClass[d.classIndex] ?? 0) + 1;
  }
  return { photos: free.size, alarms, perPhoto: free.size ? alarms / free.size : 0, byClass };
}

/** Of the heads labelled as wearing a helmet, the share a `bareClass` detection covers (IoU ≥ 0.3). */
export function helmetsFlagged(
  helmetClass: number,
  bareClass: number,
  threshold: number,
  photos: readonly RealPhoto[],
  detections: readonly RealDetection[],
): { helmets: number; flagged: number; rate: number } {
  const byPhoto = groupByPhoto(detections.filter((d) => d.classIndex === bareClass && d.score >= threshold));
  let helmets = 0;
  let flagged = 0;
  for (const p of photos) {
    if (!p.annotated.includes(helmetClass)) continue;
    for (const h of p.boxes.filter((b) => b.classIndex === helmetClass)) {
      helmets++;
      if ((byPhoto.get(p.id) ?? []).some((d) => iou(d, h) >= 0.3)) flagged++;
    }
  }
  return { helmets, flagged, rate: helmets ? flagged / helmets : 0 };
}

function groupByPhoto(detections: readonly RealDetection[]): Map<string, RealDetection[]> {
  const map = new Map<string, RealDetection[]>();
  for (const d of detections) {
    const list = map.get(d.photo) ?? [];
    list.push(d);
    map.set(d.photo, list);
  }
  return map;
}

function intersectionOverSmaller(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const smaller = Math.min((a.x2 - a.x1) * (a.y2 - a.y1), (b.x2 - b.x1) * (b.y2 - b.y1));
  return smaller > 0 ? (w * h) / smaller : 0;
}

function insideIgnored(d: Box, ignore: readonly Box[]): boolean {
  return ignore.some((g) => intersectionOverSmaller(d, g) >= 0.5);
}

/**
 * Alarms of one class on the hazard-free drone photos of a set (photos without that class, from
 * sources that label it), and the megapixels they cover. Per megapixel, because validation and
 * field photos differ in size and the engine cuts every megapixel into tiles alike.
 */
export function aerialAlarms(
  classIndex: number,
  threshold: number,
  photos: readonly (RealPhoto & { width: number; height: number })[],
  detections: readonly RealDetection[],
): { alarms: number; megapixels: number } {
  const free = new Set(
    photos
      .filter((p) => p.aerial && p.annotated.includes(classIndex) && !p.boxes.some((b) => b.classIndex === classIndex))
      .map((p) => p.id),
  );
  const megapixels = photos.reduce((n, p) => n + (free.has(p.id) ? (p.width * p.height) / 1e6 : 0), 0);
  const alarms = detections.filter(
    (d) => d.classIndex === classIndex && d.score >= threshold && free.has(d.photo),
  ).length;
  return { alarms, megapixels };
}

export interface ThresholdRow {
  threshold: number;
  f1: number;
  /** Alarms on the hazard-free drone validation photos at this threshold. */
  aerialAlarms: number;
}

/**
 * The default threshold: the best F1 among thresholds whose alarms on hazard-free drone validation
 * photos stay within `allowedAlarms`; when none does, the one with fewest such alarms (best F1
 * among equals), and the caller says so.
 */
export function pickThreshold(
  rows: readonly ThresholdRow[],
  allowedAlarms: number,
): ThresholdRow & { withinBudget: boolean } {
  if (rows.length === 0) throw new Error('no thresholds to choose from');
  const within = rows.filter((r) => r.aerialAlarms <= allowedAlarms);
  const pool = within.length
    ? within
    : rows.filter((r) => r.aerialAlarms === Math.min(...rows.map((x) => x.aerialAlarms)));
  const best = pool.reduce((a, b) => (b.f1 > a.f1 || (b.f1 === a.f1 && b.threshold < a.threshold) ? b : a));
  return { ...best, withinBudget: within.length > 0 };
}

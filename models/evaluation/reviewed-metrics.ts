/**
 * Scores a model on a bureau's reviewed photos: what reviewers confirmed, relabelled or drew as
 * missed is ground truth, what they rejected as a false alarm is a known false alarm, and what
 * nobody decided is neither (ignored). Per class, at each model's own thresholds: box recall and
 * precision at IoU 0.3 and 0.5 (real-metrics' one-to-one matching), false alarms per photo, and how
 * many of the rejected false alarms the model raises again. Pure: the caller runs the models.
 *
 * Reviewers only decided what the active model flagged (and drew what they noticed it missed), so
 * a candidate's detection where nobody looked counts as a false alarm even if it is real: the
 * figures lean towards the model the reviews were made with, and a candidate that wins anyway wins.
 */
import { type Box, iou } from '../../pipeline/inference/postprocess.js';
import { boxCounts, type BoxCounts, type RealDetection, type RealPhoto } from './real-metrics.js';

export interface ReviewedTruth {
  id: string;
  truths: Array<Box & { className: string }>;
  /** Detections reviewers rejected as "not what the model says". */
  falseAlarms: Array<Box & { className: string }>;
  /** Undecided or undecidable boxes: detections there are neither right nor wrong. */
  unknown: Box[];
}

export interface NamedDetection extends Box {
  photo: string;
  className: string;
  score: number;
}

export interface ClassScore {
  name: string;
  truths: number;
  /** Known false alarms of this class on the photos. */
  rejected: number;
  iou30: BoxCounts;
  iou50: BoxCounts;
  /** Detections at IoU 0.3 matching no truth (and not in an undecided region). */
  falseAlarms: number;
  falseAlarmsPerPhoto: number;
  /** Rejected false alarms the model raises again (a detection of the class at IoU ≥ 0.3). */
  rejectedRaised: number;
}

export interface ReviewedScore {
  photos: number;
  classes: ClassScore[];
  all: Omit<ClassScore, 'name'>;
}

/** A confirmed view and a reviewer's mark on the same object are one truth, not two. */
const SAME_OBJECT_IOU = 0.7;

export function scoreOnReviewed(
  classes: readonly string[],
  photos: readonly ReviewedTruth[],
  detections: readonly NamedDetection[],
): ReviewedScore {
  const everyClass = classes.map((_, i) => i);
  const asReal: RealPhoto[] = photos.map((p) => ({
    id: p.id,
    source: 'reviewed',
    aerial: true,
    boxes: dedupe(p.truths).flatMap((t) =>
      classes.includes(t.className)
        ? [{ classIndex: classes.indexOf(t.className), x1: t.x1, y1: t.y1, x2: t.x2, y2: t.y2 }]
        : [],
    ),
    ignore: p.unknown,
    annotated: everyClass,
  }));
  const real: RealDetection[] = detections.flatMap((d) =>
    classes.includes(d.className)
      ? [
          {
            photo: d.photo,
            classIndex: classes.indexOf(d.className),
            score: d.score,
            x1: d.x1,
            y1: d.y1,
            x2: d.x2,
            y2: d.y2,
          },
        ]
      : [],
  );
  const byPhoto = new Map<string, NamedDetection[]>();
  for (const d of detections) byPhoto.set(d.photo, [...(byPhoto.get(d.photo) ?? []), d]);
  const n = photos.length;
  const scored = classes.map((name, c): ClassScore => {
    // Thresholds were applied by the detector: every detection passed in counts.
    const iou30 = boxCounts(c, 0, asReal, real, 0.3);
    const iou50 = boxCounts(c, 0, asReal, real, 0.5);
    let rejected = 0;
    let rejectedRaised = 0;
    for (const p of photos) {
      for (const fa of p.falseAlarms) {
        if (fa.className !== name) continue;
        rejected++;
        if ((byPhoto.get(p.id) ?? []).some((d) => d.className === name && iou(d, fa) >= 0.3)) rejectedRaised++;
      }
    }
    const falseAlarms = iou30.detections - iou30.correct;
    return {
      name,
      truths: iou30.truths,
      rejected,
      iou30,
      iou50,
      falseAlarms,
      falseAlarmsPerPhoto: n ? falseAlarms / n : 0,
      rejectedRaised,
    };
  });
  const sum = (pick: (c: ClassScore) => number) => scored.reduce((s, c) => s + pick(c), 0);
  const total = (key: 'iou30' | 'iou50'): BoxCounts => {
    const truths = sum((c) => c[key].truths);
    const found = sum((c) => c[key].found);
    const counted = sum((c) => c[key].detections);
    const correct = sum((c) => c[key].correct);
    return {
      truths,
      found,
      detections: counted,
      correct,
      recall: truths ? found / truths : 0,
      precision: counted ? correct / counted : 1,
    };
  };
  const falseAlarms = sum((c) => c.falseAlarms);
  return {
    photos: n,
    classes: scored,
    all: {
      truths: sum((c) => c.truths),
      rejected: sum((c) => c.rejected),
      iou30: total('iou30'),
      iou50: total('iou50'),
      falseAlarms,
      falseAlarmsPerPhoto: n ? falseAlarms / n : 0,
      rejectedRaised: sum((c) => c.rejectedRaised),
    },
  };
}

function dedupe<T extends Box & { className: string }>(boxes: readonly T[]): T[] {
  const kept: T[] = [];
  for (const b of boxes)
    if (!kept.some((k) => k.className === b.className && iou(k, b) >= SAME_OBJECT_IOU)) kept.push(b);
  return kept;
}

/**
 * The two models' figures side by side, a row per class that has truths, known false alarms or
 * detections with either model, and a row for all.
 */
export function sideBySide(
  models: readonly [{ label: string; score: ReviewedScore }, { label: string; score: ReviewedScore }],
): string {
  const [a, b] = models;
  const f = (n: number) => n.toFixed(2);
  const columns: Array<[string, (c: Omit<ClassScore, 'name'>) => string]> = [
    ['recall@0.3', (c) => (c.truths ? f(c.iou30.recall) : '—')],
    ['prec@0.3', (c) => (c.iou30.detections ? f(c.iou30.precision) : '—')],
    ['recall@0.5', (c) => (c.truths ? f(c.iou50.recall) : '—')],
    ['prec@0.5', (c) => (c.iou50.detections ? f(c.iou50.precision) : '—')],
    ['FA/photo', (c) => f(c.falseAlarmsPerPhoto)],
    ['rejected again', (c) => (c.rejected ? `${c.rejectedRaised}/${c.rejected}` : '—')],
  ];
  const width = 7;
  const pad = (s: string, w = width) => s.padStart(w);
  const head1 =
    `${'class'.padEnd(20)}${pad('truths', 7)}${pad('rejected', 9)}  ` +
    columns.map(([name]) => `│ ${name.padEnd(width * 2 + 2)}`).join('');
  const head2 =
    `${''.padEnd(36)}  ` + columns.map(() => `│ ${pad(short(a.label), width)} ${pad(short(b.label), width)} `).join('');
  const rows = a.score.classes
    .map((ca, i) => [ca, b.score.classes[i]!] as const)
    .filter(([ca, cb]) => ca.truths || ca.rejected || ca.iou30.detections || cb.iou30.detections)
    .map(([ca, cb]) => line(ca.name, ca, cb));
  function line(name: string, ca: Omit<ClassScore, 'name'>, cb: Omit<ClassScore, 'name'>): string {
    return (
      `${name.padEnd(20)}${pad(String(ca.truths), 7)}${pad(String(ca.rejected), 9)}  ` +
      columns.map(([, value]) => `│ ${pad(value(ca))} ${pad(value(cb))} `).join('')
    );
  }
  return [
    head1,
    head2,
    '─'.repeat(head1.length),
    ...rows,
    '─'.repeat(head1.length),
    line('all', a.score.all, b.score.all),
  ].join('\n');
}

function short(label: string): string {
  return label.length > 7 ? label.slice(0, 7) : label;
}

/**
 * The real-photo half of `npm run model:evaluate`: thresholds chosen on the real validation split
 * (never on test photos), the test split scored per class, false alarms on hazard-free photos, and
 * the markdown table for the model card.
 */
import type { Detector } from '../../pipeline/inference/detector.js';
import {
  aerialAlarms,
  boxCounts,
  falseAlarms,
  helmetsFlagged,
  pickThreshold,
  type RealDetection,
  type RealPhoto,
  scoreClass,
} from './real-metrics.js';
import {
  classMapping,
  detectAll,
  fixtureDronePhotos,
  loadRealSet,
  type RealSet,
  type RealSetPhoto,
  toModelClasses,
} from './real-set.js';

export const SCORE_FLOOR = 0.05;
/** A class is measured on real photos only with at least this many real test instances. */
export const MIN_REAL_TEST_INSTANCES = 30;
/**
 * Drone-photo alarms one class may raise per megapixel of hazard-free validation photos: the
 * target is at most 0.2 alarms per 20 MP survey photo from fire and smoke together.
 */
export const AERIAL_ALARMS_PER_MEGAPIXEL = 0.005;
const SWEEP = Array.from({ length: 33 }, (_, i) => Math.round((0.1 + i * 0.025) * 1000) / 1000);

export interface RealOptions {
  dir: string;
  limitPerSource: number;
  fixturesDir: string;
  fixtureFiles: readonly string[];
}

export interface Prepared {
  set: RealSet;
  photos: RealSetPhoto[];
}

export async function prepare(
  detector: Detector,
  options: RealOptions,
  split: 'val' | 'test',
): Promise<Prepared | null> {
  const set = await loadRealSet(options.dir, split, options.limitPerSource);
  if (!set) return null;
  const modelClasses = detector.spec.classes.map((c) => c.name);
  let photos = toModelClasses(set.photos, classMapping(set.classes, modelClasses));
  if (split === 'test')
    photos = [...photos, ...fixtureDronePhotos(options.fixturesDir, options.fixtureFiles, hazardIndices(detector))];
  return { set, photos };
}

export function hazardIndices(detector: Detector): number[] {
  return detector.spec.classes.flatMap((c, i) => (c.hazardCode ? [i] : []));
}

export interface Calibrated {
  threshold: number;
  instances: number;
  f1: number;
  /** Alarms at that threshold on the hazard-free drone validation photos, the allowance, and their megapixels. */
  aerial: { alarms: number; allowed: number; megapixels: number; withinBudget: boolean };
}

/**
 * Per class with enough real validation instances: the threshold with the best F1 at IoU 0.3 on
 * the validation photos (hazard-free ones included: their alarms lower precision) among those
 * that keep hazard-free drone validation photos within AERIAL_ALARMS_PER_MEGAPIXEL.
 */
export async function calibrateOnReal(detector: Detector, options: RealOptions): Promise<Map<number, Calibrated>> {
  const prepared = await prepare(detector, options, 'val');
  const chosen = new Map<number, Calibrated>();
  if (!prepared) return chosen;
  const detections = await detectAll(detector, prepared.photos, SCORE_FLOOR, 'real val');
  for (const c of hazardIndices(detector)) {
    const instances = prepared.photos.reduce(
      (n, p) => n + (p.annotated.includes(c) ? p.boxes.filter((b) => b.classIndex === c).length : 0),
      0,
    );
    if (instances < MIN_REAL_TEST_INSTANCES) continue;
    const megapixels = aerialAlarms(c, 1, prepared.photos, []).megapixels;
    const allowed = Math.floor(megapixels * AERIAL_ALARMS_PER_MEGAPIXEL);
    const rows = SWEEP.map((t) => {
      const b = boxCounts(c, t, prepared.photos, detections, 0.3);
      return {
        threshold: t,
        f1: (2 * b.precision * b.recall) / (b.precision + b.recall || 1),
        aerialAlarms: aerialAlarms(c, t, prepared.photos, detections).alarms,
      };
    });
    const best = pickThreshold(rows, allowed);
    chosen.set(c, {
      threshold: best.threshold,
      instances,
      f1: best.f1,
      aerial: {
        alarms: best.aerialAlarms,
        allowed,
        megapixels: Math.round(megapixels * 10) / 10,
        withinBudget: best.withinBudget,
      },
    });
  }
  return chosen;
}

export interface RealReport {
  sources: RealSet['sources'];
  classes: Array<{
    name: string;
    threshold: number;
    instances: number;
    photosWithClass: number;
    iou30: ReturnType<typeof boxCounts>;
    iou50: ReturnType<typeof boxCounts>;
    imageRecall: number;
    objectSidePx: { p10: number; median: number; p90: number } | null;
    bySource: Record<string, { instances: number; recall30: number; precision30: number }>;
  }>;
  falseAlarms: {
    aerial: ReturnType<typeof falseAlarms> & { byClassName: Record<string, number> };
    ground: ReturnType<typeof falseAlarms> & { byClassName: Record<string, number> };
  };
  helmets: ReturnType<typeof helmetsFlagged> | null;
  /** Test photos the decoder refused (truncated web JPEGs), left out of every figure. */
  undecodable?: string[];
}

export async function evaluateOnReal(detector: Detector, options: RealOptions): Promise<RealReport | null> {
  const prepared = await prepare(detector, options, 'test');
  if (!prepared) return null;
  const skipped: string[] = [];
  const detections = await detectAll(detector, prepared.photos, SCORE_FLOOR, 'real test', skipped);
  const gone = new Set(skipped);
  return {
    ...scoreReal(detector, { ...prepared, photos: prepared.photos.filter((p) => !gone.has(p.id)) }, detections),
    undecodable: skipped,
  };
}

export function scoreReal(detector: Detector, prepared: Prepared, detections: RealDetection[]): RealReport {
  const spec = detector.spec;
  const thresholds = spec.classes.map((c) => c.threshold);
  const flagged = hazardIndices(detector);
  const classes = spec.classes.map((c, i) => {
    const s = scoreClass(i, c.threshold, prepared.photos, detections);
    const bySource: RealReport['classes'][number]['bySource'] = {};
    for (const source of new Set(prepared.photos.map((p) => p.source))) {
      const subset = prepared.photos.filter((p) => p.source === source);
      const b = boxCounts(i, c.threshold, subset, detections, 0.3);
      if (b.truths > 0)
        bySource[source] = { instances: b.truths, recall30: round(b.recall), precision30: round(b.precision) };
    }
    return {
      name: c.name,
      threshold: c.threshold,
      ...s,
      objectSidePx: objectSides(prepared.photos, i, spec.input.width),
      bySource,
    };
  });
  const named = (r: ReturnType<typeof falseAlarms>) => ({
    ...r,
    byClassName: Object.fromEntries(Object.entries(r.byClass).map(([k, v]) => [spec.classes[Number(k)]!.name, v])),
  });
  const helmet = spec.classes.findIndex((c) => c.name === 'helmet');
  const bare = spec.classes.findIndex((c) => c.name === 'no_helmet');
  const withHelmets: RealPhoto[] = helmet >= 0 ? prepared.photos : toHelmetless(prepared);
  return {
    sources: prepared.set.sources,
    classes,
    falseAlarms: {
      aerial: named(falseAlarms(prepared.photos, detections, thresholds, flagged, true)),
      ground: named(falseAlarms(prepared.photos, detections, thresholds, flagged, false)),
    },
    helmets:
      bare >= 0
        ? helmetsFlagged(helmet >= 0 ? helmet : HELMET_PLACEHOLDER, bare, thresholds[bare]!, withHelmets, detections)
        : null,
  };
}

/** A model without a helmet class still gets scored on helmeted heads: they are ignored regions of the set, kept under a placeholder class. */
const HELMET_PLACEHOLDER = 10_000;
function toHelmetless(prepared: Prepared): RealPhoto[] {
  const helmetInSet = prepared.set.classes.indexOf('helmet');
  return prepared.set.photos.map((p) => ({
    ...p,
    boxes: p.boxes.filter((b) => b.classIndex === helmetInSet).map((b) => ({ ...b, classIndex: HELMET_PLACEHOLDER })),
    annotated: p.annotated.includes(helmetInSet) ? [HELMET_PLACEHOLDER] : [],
  }));
}

/** The long side of labelled objects as the model sees them (a photo no larger than the input is letterboxed to it). */
function objectSides(
  photos: readonly RealSetPhoto[],
  classIndex: number,
  inputSide: number,
): RealReport['classes'][number]['objectSidePx'] {
  const sides: number[] = [];
  for (const p of photos) {
    const k = p.width && Math.max(p.width, p.height) <= inputSide ? inputSide / Math.max(p.width, p.height) : 1;
    for (const b of p.boxes) if (b.classIndex === classIndex) sides.push(Math.max(b.x2 - b.x1, b.y2 - b.y1) * k);
  }
  if (sides.length === 0) return null;
  sides.sort((a, b) => a - b);
  const at = (q: number) => Math.round(sides[Math.min(sides.length - 1, Math.floor(q * sides.length))]!);
  return { p10: at(0.1), median: at(0.5), p90: at(0.9) };
}

export function realTable(
  report: RealReport,
  enabled: ReadonlyMap<string, { enabled: boolean; reason?: string }>,
): string {
  const used = Object.entries(report.sources)
    .map(([s, v]) => `${s} ${v.used}${v.used < v.available ? ` of ${v.available}` : ''}`)
    .join(', ');
  const fmt = (n: number) => n.toFixed(2);
  const rows = report.classes
    .filter((c) => c.instances > 0 || c.name !== 'helmet')
    .map((c) => {
      const state = enabled.get(c.name);
      const live = state ? (state.enabled ? 'on' : 'off') : '—';
      const size = c.objectSidePx ? `${c.objectSidePx.p10}–${c.objectSidePx.p90}` : '—';
      return c.instances === 0
        ? `| ${c.name} | ${c.threshold} | ${live} | 0 | — | — | — | — | — | — |`
        : `| ${c.name} | ${c.threshold} | ${live} | ${c.instances} | ${fmt(c.iou30.recall)} | ${fmt(c.iou30.precision)} | ${fmt(c.iou50.recall)} | ${fmt(c.iou50.precision)} | ${fmt(c.imageRecall)} | ${size} |`;
    });
  const live = (r: RealReport['falseAlarms']['aerial']) =>
    Object.entries(r.byClassName).reduce((n, [k, v]) => n + (enabled.get(k)?.enabled ? v : 0), 0);
  const fa = (r: RealReport['falseAlarms']['aerial']) =>
    `**${r.photos ? (live(r) / r.photos).toFixed(2) : '—'}** per photo from the classes on by default, ${r.perPhoto.toFixed(2)} from all (${r.alarms} on ${r.photos} photos${
      r.alarms
        ? `: ${Object.entries(r.byClassName)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`
        : ''
    })`;
  return [
    `Real test photos (${used}${report.undecodable?.length ? `; ${report.undecodable.length} that do not decode left out` : ''}); default thresholds; boxes matched one to one.`,
    '',
    '| class | threshold | on by default | instances | recall @0.3 | precision @0.3 | recall @0.5 | precision @0.5 | image recall | object size (px, p10–p90) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `False alarms on hazard-free photos, tiled as in the pipeline: aerial ${fa(report.falseAlarms.aerial)}; ground ${fa(report.falseAlarms.ground)}.`,
    report.helmets
      ? `Heads wearing helmets flagged as no_helmet: ${report.helmets.flagged} of ${report.helmets.helmets} (${(report.helmets.rate * 100).toFixed(1)}%).`
      : '',
    '',
    'Per source (recall / precision at IoU 0.3):',
    '',
    ...report.classes
      .filter((c) => Object.keys(c.bySource).length)
      .map(
        (c) =>
          `- ${c.name}: ${Object.entries(c.bySource)
            .map(([s, v]) => `${s} ${v.recall30.toFixed(2)} / ${v.precision30.toFixed(2)} (${v.instances})`)
            .join('; ')}`,
      ),
  ].join('\n');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

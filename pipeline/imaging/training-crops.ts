/**
 * Where to cut training images out of a reviewed photo, and what each cut holds. Pure.
 *
 * Crops at full resolution, not the photo downscaled: the pipeline tiles 12–20 MP photos at the
 * model's input size, so a 40-pixel bare head must be trained on at the size the tiles show it,
 * which a whole photo shrunk to 1280 px would make 4× smaller.
 */
import type { Rect } from './crop.js';

export type Box = readonly [number, number, number, number];

export interface PhotoBox {
  box: Box;
  kind: 'positive' | 'negative' | 'unknown';
  /** Index into the export's class names; positives only. */
  classIndex?: number;
  /** Decided in the export's window: gets a crop of its own unless an earlier crop already holds it. */
  anchor: boolean;
}

export interface YoloLabel {
  classIndex: number;
  /** Centre and size as fractions of the crop. */
  cx: number;
  cy: number;
  w: number;
  h: number;
}

export interface PlannedCrop {
  window: Rect;
  /** Output pixels per photo pixel (≤ 1): a window widened for a large box is scaled down to the crop side. */
  scale: number;
  labels: YoloLabel[];
  /** Regions, in window pixels, to grey out: nobody said what is there. */
  masks: Rect[];
  /** Indices of the anchors this crop was cut for or holds whole. */
  anchors: number[];
}

/** A box cut by the crop's edge is a label when at least this share of it is inside, else greyed out. */
const MIN_VISIBLE = 0.5;
/** Context around a box larger than the crop side, so its edges are not the crop's. */
const LARGE_BOX_MARGIN = 1.2;
/** Two positives of one class overlapping this much are one object drawn twice (a view and a mark). */
const SAME_OBJECT_IOU = 0.7;

/**
 * One window per anchor (positives first, then negatives), skipping anchors a window already holds
 * whole, so a photo with five confirmed boxes close together gives one crop, not five. Each window
 * is `side` × `side` (the photo's size where smaller), centred on its anchor and moved inside the
 * photo; a box larger than that widens it, and the crop is scaled back to `side`.
 */
export function planCrops(width: number, height: number, boxes: readonly PhotoBox[], side: number): PlannedCrop[] {
  const positives = dedupePositives(boxes);
  const order = [...boxes.keys()].filter(
    (i) => boxes[i]!.anchor && boxes[i]!.kind !== 'unknown' && (boxes[i]!.kind !== 'positive' || positives.has(i)),
  );
  order.sort((a, b) => rank(boxes[a]!) - rank(boxes[b]!) || a - b);
  const windows: Rect[] = [];
  for (const i of order) {
    const box = boxes[i]!.box;
    if (windows.some((w) => holds(w, box))) continue;
    windows.push(windowAround(box, width, height, side));
  }
  return windows.map((window) => {
    const labels: YoloLabel[] = [];
    const labelled: Box[] = [];
    const masks: Rect[] = [];
    for (const i of positives) {
      const b = boxes[i]!;
      const clipped = clip(b.box, window);
      if (!clipped) continue;
      if (area(clipped) >= MIN_VISIBLE * area(b.box) && clipped[2] - clipped[0] >= 1 && clipped[3] - clipped[1] >= 1) {
        labels.push(toYolo(b.classIndex!, clipped, window));
        labelled.push(clipped);
      } else {
        masks.push(toWindowRect(clipped, window));
      }
    }
    for (const b of boxes) {
      if (b.kind !== 'unknown') continue;
      const clipped = clip(b.box, window);
      // Greying out part of a labelled object would teach the model half a hazard.
      if (!clipped || labelled.some((l) => clip(l, rectOf(clipped)))) continue;
      masks.push(toWindowRect(clipped, window));
    }
    const long = Math.max(window.width, window.height);
    return {
      window,
      scale: long > side ? side / long : 1,
      labels,
      masks,
      anchors: order.filter((i) => holds(window, boxes[i]!.box)),
    };
  });
}

/** Positive indices, dropping a second drawing of the same object (same class, IoU ≥ 0.7). */
function dedupePositives(boxes: readonly PhotoBox[]): Set<number> {
  const kept: number[] = [];
  for (const [i, b] of boxes.entries()) {
    if (b.kind !== 'positive' || b.classIndex === undefined) continue;
    const twin = kept.find(
      (k) => boxes[k]!.classIndex === b.classIndex && iou(boxes[k]!.box, b.box) >= SAME_OBJECT_IOU,
    );
    if (twin === undefined) kept.push(i);
    // The anchor flag follows the object: a twin decided in the window makes the kept one an anchor.
    else if (b.anchor && !boxes[twin]!.anchor) kept[kept.indexOf(twin)] = i;
  }
  return new Set(kept);
}

function rank(b: PhotoBox): number {
  return b.kind === 'positive' ? 0 : 1;
}

export function windowAround(box: Box, width: number, height: number, side: number): Rect {
  const [x1, y1, x2, y2] = box;
  const want = Math.max(side, Math.ceil(Math.max(x2 - x1, y2 - y1) * LARGE_BOX_MARGIN));
  const w = Math.min(width, want);
  const h = Math.min(height, want);
  const left = Math.round(Math.min(Math.max(0, (x1 + x2) / 2 - w / 2), width - w));
  const top = Math.round(Math.min(Math.max(0, (y1 + y2) / 2 - h / 2), height - h));
  return { left, top, width: w, height: h };
}

function holds(w: Rect, [x1, y1, x2, y2]: Box): boolean {
  return x1 >= w.left && y1 >= w.top && x2 <= w.left + w.width && y2 <= w.top + w.height;
}

function clip([x1, y1, x2, y2]: Box, w: Rect): Box | undefined {
  const c: Box = [
    Math.max(x1, w.left),
    Math.max(y1, w.top),
    Math.min(x2, w.left + w.width),
    Math.min(y2, w.top + w.height),
  ];
  return c[2] > c[0] && c[3] > c[1] ? c : undefined;
}

function rectOf([x1, y1, x2, y2]: Box): Rect {
  return { left: x1, top: y1, width: x2 - x1, height: y2 - y1 };
}

function area([x1, y1, x2, y2]: Box): number {
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

function iou(a: Box, b: Box): number {
  const inter = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

function toYolo(classIndex: number, [x1, y1, x2, y2]: Box, w: Rect): YoloLabel {
  return {
    classIndex,
    cx: ((x1 + x2) / 2 - w.left) / w.width,
    cy: ((y1 + y2) / 2 - w.top) / w.height,
    w: (x2 - x1) / w.width,
    h: (y2 - y1) / w.height,
  };
}

/** Whole pixels, growing outwards: a mask never leaves a sliver of what it covers. */
function toWindowRect([x1, y1, x2, y2]: Box, w: Rect): Rect {
  const left = Math.max(0, Math.floor(x1 - w.left));
  const top = Math.max(0, Math.floor(y1 - w.top));
  return {
    left,
    top,
    width: Math.min(w.width, Math.ceil(x2 - w.left)) - left,
    height: Math.min(w.height, Math.ceil(y2 - w.top)) - top,
  };
}

/** `class cx cy w h`, one line per label, six decimals (sub-pixel on a 1280 crop). */
export function yoloText(labels: readonly YoloLabel[]): string {
  return labels
    .map((l) => `${l.classIndex} ${l.cx.toFixed(6)} ${l.cy.toFixed(6)} ${l.w.toFixed(6)} ${l.h.toFixed(6)}\n`)
    .join('');
}

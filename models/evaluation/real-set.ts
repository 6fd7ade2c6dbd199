/**
 * The real photo sets the model card is measured on: `index.json` written by
 * models/training/prepare_real.py (see models/training/DATA.md), plus the real drone photos of the
 * shared fixtures as hazard-free aerial photos. Runs a detector over them the way the pipeline does
 * (from the encoded file, tiled when larger than the model input).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Detector } from '../../pipeline/inference/detector.js';
import type { RealDetection, RealPhoto } from './real-metrics.js';

interface IndexItem {
  source: string;
  use: 'train' | 'measure';
  role: 'labelled' | 'negatives';
  path: string;
  width: number;
  height: number;
  boxes: Array<[number, number, number, number, number]>;
  ignore: Array<[number, number, number, number]>;
  split: 'train' | 'val' | 'test';
  viewpoint: string;
  annotated: number[];
}

export interface RealSetPhoto extends RealPhoto {
  file: string;
  width: number;
  height: number;
}

export interface RealSet {
  classes: string[];
  photos: RealSetPhoto[];
  /** Images per source before and after the per-source limit. */
  sources: Record<string, { available: number; used: number; viewpoint: string; use: string }>;
}

/**
 * The photos of one split, at most `limitPerSource` from each source, picked evenly through the
 * source's sorted list so the pick is the same on every run and spans the whole source.
 */
export async function loadRealSet(
  dir: string,
  split: IndexItem['split'],
  limitPerSource: number,
): Promise<RealSet | null> {
  const indexPath = path.join(dir, 'index.json');
  if (!existsSync(indexPath)) return null;
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { classes: string[]; items: IndexItem[] };
  const bySource = new Map<string, IndexItem[]>();
  for (const item of index.items) {
    if (item.split !== split) continue;
    bySource.set(item.source, [...(bySource.get(item.source) ?? []), item]);
  }
  const photos: RealSetPhoto[] = [];
  const sources: RealSet['sources'] = {};
  for (const [source, items] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const picked = evenly(items, limitPerSource);
    sources[source] = {
      available: items.length,
      used: picked.length,
      viewpoint: items[0]!.viewpoint,
      use: items[0]!.use,
    };
    for (const it of picked) {
      photos.push({
        id: `${source}/${it.path}`,
        file: path.join(dir, 'raw', it.path),
        source,
        aerial: it.viewpoint.startsWith('aerial'),
        width: it.width,
        height: it.height,
        boxes: it.boxes.map(([classIndex, x1, y1, x2, y2]) => ({ classIndex, x1, y1, x2, y2 })),
        ignore: it.ignore.map(([x1, y1, x2, y2]) => ({ x1, y1, x2, y2 })),
        // Hazard-free sets (aerial car parks, fences) have no hazard of any kind in them, bare heads
        // included: the trainer leaves heads out of their loss to be safe, the card counts them.
        annotated:
          it.role === 'negatives' ? index.classes.flatMap((c, i) => (c === 'helmet' ? [] : [i])) : it.annotated,
      });
    }
  }
  return { classes: index.classes, photos, sources };
}

/** Real drone photos with nothing hazardous in them (shared fixtures), every hazard class labelled absent. */
export function fixtureDronePhotos(
  dir: string,
  files: readonly string[],
  hazardClasses: readonly number[],
): RealSetPhoto[] {
  return files
    .filter((f) => existsSync(path.join(dir, f)))
    .map((f) => ({
      id: `fixtures/${f}`,
      file: path.join(dir, f),
      source: 'shared-fixtures',
      aerial: true,
      width: 0,
      height: 0,
      boxes: [],
      ignore: [],
      annotated: [...hazardClasses],
    }));
}

/** Photos that could not be decoded are skipped, named on stderr and added to `skipped`. */
export async function detectAll(
  detector: Detector,
  photos: readonly RealSetPhoto[],
  floor: number,
  label: string,
  skipped: string[] = [],
  /** false: the detector's own boxes, before the model's verifier (what the verifier learns from). */
  verify = true,
): Promise<RealDetection[]> {
  const thresholds = detector.spec.classes.map(() => floor);
  const out: RealDetection[] = [];
  const started = performance.now();
  let done = 0;
  for (const photo of photos) {
    const bytes = await readFile(photo.file);
    let result;
    try {
      result = await detector.detectEncoded(bytes, { thresholds, verify });
    } catch (error) {
      // A few web images are truncated JPEGs; one must not cost the whole evaluation.
      process.stderr.write(
        `${label}: skipped ${photo.id}: ${error instanceof Error ? error.message || error.name : String(error)}\n`,
      );
      skipped.push(photo.id);
      continue;
    }
    for (const d of result.detections)
      out.push({ photo: photo.id, classIndex: d.classIndex, score: d.score, x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 });
    if (++done % 200 === 0)
      process.stderr.write(
        `${label}: ${done}/${photos.length} photos, ${((performance.now() - started) / done).toFixed(0)} ms each\n`,
      );
  }
  return out;
}

/** The model's class index for each of the set's classes (by name), or -1. */
export function classMapping(setClasses: readonly string[], modelClasses: readonly string[]): number[] {
  return setClasses.map((c) => modelClasses.indexOf(c));
}

/** Re-indexes a set's labels into the model's class order; labels of classes the model lacks become ignored regions. */
export function toModelClasses(photos: readonly RealSetPhoto[], mapping: readonly number[]): RealSetPhoto[] {
  return photos.map((p) => ({
    ...p,
    boxes: p.boxes
      .filter((b) => mapping[b.classIndex]! >= 0)
      .map((b) => ({ ...b, classIndex: mapping[b.classIndex]! })),
    ignore: [...p.ignore, ...p.boxes.filter((b) => mapping[b.classIndex]! < 0)],
    annotated: p.annotated.map((c) => mapping[c]!).filter((c) => c >= 0),
  }));
}

function evenly<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}

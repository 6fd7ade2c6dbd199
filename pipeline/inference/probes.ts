/**
 * The load-time sanity check: a few synthetic probe images through the model, and what their
 * outputs must look like for the model to be usable. A model whose class head is dead, whose boxes
 * are degenerate or whose output is not a detector's is refused before it can flag anything. Pure.
 */
import { decodeOutput, type OutputLayout } from './formats.js';
import type { RawDetection } from './postprocess.js';
import type { RgbImage } from './preprocess.js';

/** Deterministic probe images: flat grey, noise, and a scene of shapes, edges and colours. */
export function probeImages(width: number, height: number): Array<{ label: string; image: RgbImage }> {
  const grey = new Uint8Array(width * height * 3).fill(128);
  const noise = new Uint8Array(width * height * 3);
  let seed = 0x9e3779b9;
  for (let i = 0; i < noise.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    noise[i] = seed >>> 24;
  }
  return [
    { label: 'grey', image: { data: grey, width, height } },
    { label: 'noise', image: { data: noise, width, height } },
    { label: 'shapes', image: { data: shapes(width, height), width, height } },
  ];
}

function shapes(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  const palette = [
    [200, 40, 30],
    [240, 200, 40],
    [30, 90, 200],
    [250, 250, 250],
    [20, 20, 20],
    [60, 160, 60],
  ] as const;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      // A sky-to-ground gradient with a horizon, stripes and blobs: edges and colours at many scales.
      const ground = y > height * 0.55;
      let rgb: readonly number[] = ground ? [110 + ((x >> 3) % 2) * 20, 100, 80] : [120 + (y * 100) / height, 160, 220];
      for (let k = 0; k < 12; k++) {
        const cx = ((k * 97) % 11) * (width / 11) + width / 22;
        const cy = ((k * 53) % 7) * (height / 7) + height / 14;
        const r = (0.03 + (k % 4) * 0.025) * Math.min(width, height);
        const inside =
          k % 2 === 0
            ? (x - cx) ** 2 + ((y - cy) * 0.6) ** 2 < r * r
            : Math.abs(x - cx) < r * 0.5 && Math.abs(y - cy) < r * 1.4;
        if (inside) rgb = palette[k % palette.length]!;
      }
      data[i] = rgb[0]!;
      data[i + 1] = rgb[1]!;
      data[i + 2] = rgb[2]!;
    }
  }
  return data;
}

/**
 * Whether box coordinates are input pixels or 0..1 fractions. Every anchor of a grid head predicts
 * some box, and in pixels their right edges reach far beyond 1 across the input; end-to-end heads
 * may pad unused slots with zeros, so only slots with a score count there, over every probe.
 */
export function detectBoxUnits(outputs: readonly Float32Array[], layout: OutputLayout): 'pixels' | 'normalised' {
  if (layout.format === 'yolox') return 'pixels';
  let largest = -Infinity;
  const n = layout.candidates;
  for (const output of outputs) {
    for (let a = 0; a < n; a++) {
      let x: number;
      if (layout.format === 'yolov8') x = output[a]! + output[2 * n + a]! / 2;
      else if (layout.format === 'yolov5')
        x = output[a * (5 + layout.numClasses)]! + output[a * (5 + layout.numClasses) + 2]! / 2;
      else if (output[a * 6 + 4]! > SCORE_EPSILON) x = output[a * 6 + 2]!;
      else continue;
      if (x > largest) largest = x;
    }
  }
  return largest <= 1.5 ? 'normalised' : 'pixels';
}

const SCORE_EPSILON = 1e-6;
const TOP = 100;

/** Problems that make a model unusable, read off its outputs on the probe images; empty when healthy. */
export function inspectProbeOutputs(
  outputs: ReadonlyArray<{ label: string; data: Float32Array }>,
  layout: OutputLayout,
  boxes: 'pixels' | 'normalised',
  input: { width: number; height: number },
  strides: readonly number[],
  numClasses: number,
): string[] {
  const problems: string[] = [];
  for (const { label, data } of outputs) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) problems.push(`its output holds ${data[bad]} at index ${bad} on the ${label} probe`);
  }
  if (problems.length > 0) return problems;
  if (layout.format === 'end2end') {
    const stray = endToEndClassOutOfRange(outputs, layout.candidates, numClasses);
    if (stray !== undefined)
      problems.push(
        `its end-to-end output gives class ${stray}, but the model names ${numClasses} classes (0 to ${numClasses - 1})`,
      );
  }

  const thresholds = new Array<number>(Math.max(1, numClasses)).fill(SCORE_EPSILON);
  const candidates: RawDetection[] = outputs.flatMap(({ data }) =>
    decodeOutput(data, 0, { layout, boxes, input, strides, thresholds }),
  );
  if (candidates.length === 0) {
    problems.push(
      `every class score is 0 on all ${outputs.length} probe images (${outputs.map((o) => o.label).join(', ')}): its class head is dead, as when int8 quantisation collapses it`,
    );
    return problems;
  }
  let maxScore = 0;
  for (const c of candidates) if (c.score > maxScore) maxScore = c.score;
  if (maxScore > 1 + 1e-3)
    problems.push(`class scores reach ${maxScore.toFixed(3)}, above 1: the export seems to lack the final sigmoid`);

  const top = candidates.sort((a, b) => b.score - a.score).slice(0, TOP);
  const sane = top.filter((d) => {
    const w = d.x2 - d.x1;
    const h = d.y2 - d.y1;
    return w >= 1 && h >= 1 && w <= 4 * input.width && h <= 4 * input.height;
  });
  if (sane.length < top.length / 2) {
    problems.push(
      `its boxes are degenerate: ${top.length - sane.length} of its ${top.length} best boxes on the probes have no area or are far larger than the input`,
    );
  } else if (
    top.length > 1 &&
    top.every((d) => d.x1 === top[0]!.x1 && d.y1 === top[0]!.y1 && d.x2 === top[0]!.x2 && d.y2 === top[0]!.y2)
  ) {
    problems.push(`its boxes are degenerate: its ${top.length} best boxes on the probes are all the same box`);
  }
  return problems;
}

/** A class index of a scoring end-to-end slot that is not a whole number below `numClasses`. */
function endToEndClassOutOfRange(
  outputs: ReadonlyArray<{ data: Float32Array }>,
  slots: number,
  numClasses: number,
): number | undefined {
  for (const { data } of outputs) {
    for (let k = 0; k < slots; k++) {
      if (!(data[k * 6 + 4]! > SCORE_EPSILON)) continue;
      const cls = data[k * 6 + 5]!;
      if (!Number.isInteger(cls) || cls < 0 || cls >= numClasses) return cls;
    }
  }
  return undefined;
}

import { describe, expect, it } from 'vitest';
import type { OutputLayout } from './formats.js';
import { detectBoxUnits, inspectProbeOutputs, probeImages } from './probes.js';

type Anchor = { box: [number, number, number, number]; scores: [number, number] };

/** A YOLOv8 output [4 + 2, 4], channel-major, from four anchors: (cx, cy, w, h) and two class scores. */
function yolov8Output(anchors: Anchor[]): Float32Array {
  const n = anchors.length;
  const out = new Float32Array(6 * n);
  anchors.forEach(({ box, scores }, a) => {
    box.forEach((v, k) => (out[k * n + a] = v));
    scores.forEach((v, c) => (out[(4 + c) * n + a] = v));
  });
  return out;
}

const layout: OutputLayout = { format: 'yolov8', numClasses: 2, candidates: 4, perImage: 24 };
const input = { width: 64, height: 64 };
const strides = [8, 16, 32];

const healthyAnchors: Anchor[] = [
  { box: [10, 10, 8, 8], scores: [0.5, 0.1] },
  { box: [30, 20, 12, 6], scores: [0.2, 0.7] },
  { box: [50, 50, 10, 10], scores: [0.05, 0.3] },
  { box: [20, 40, 16, 16], scores: [0.9, 0.01] },
];

/** The same output for each of the three probes, or per-probe outputs when given. */
function probes(grey: Float32Array, noise = grey, shapes = grey) {
  return [
    { label: 'grey', data: grey },
    { label: 'noise', data: noise },
    { label: 'shapes', data: shapes },
  ];
}

const inspect = (outputs: ReturnType<typeof probes>, boxes: 'pixels' | 'normalised' = 'pixels') =>
  inspectProbeOutputs(outputs, layout, boxes, input, strides, layout.numClasses);

describe('inspectProbeOutputs', () => {
  it('when the outputs look like a working detector, then there are no problems', () => {
    expect(inspect(probes(yolov8Output(healthyAnchors)))).toEqual([]);
  });

  it('when every class score is 0 on every probe, then the one problem says the class head is dead', () => {
    const dead = yolov8Output(healthyAnchors.map((a) => ({ box: a.box, scores: [0, 0] })));
    const problems = inspect(probes(dead));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('every class score is 0');
    expect(problems[0]).toContain('grey, noise, shapes');
  });

  it('when one probe output holds a NaN, then the problem names NaN, its index and the probe', () => {
    const broken = yolov8Output(healthyAnchors);
    broken[5] = NaN;
    const problems = inspect(probes(yolov8Output(healthyAnchors), broken));
    expect(problems).toEqual(['its output holds NaN at index 5 on the noise probe']);
  });

  it('when an output holds an infinity, then it is reported like a NaN', () => {
    const broken = yolov8Output(healthyAnchors);
    broken[0] = Infinity;
    expect(inspect(probes(broken))).toHaveLength(3);
    expect(inspect(probes(broken))[0]).toContain('Infinity at index 0 on the grey probe');
  });

  it('when class scores exceed 1, then the problem says the sigmoid seems to be missing', () => {
    const logits = yolov8Output(healthyAnchors.map((a, i) => ({ box: a.box, scores: [i === 2 ? 3.5 : 0.5, -2] })));
    const problems = inspect(probes(logits));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('sigmoid');
    expect(problems[0]).toContain('3.500');
  });

  it('when all boxes have zero size, then the boxes are reported degenerate', () => {
    const flat = yolov8Output(healthyAnchors.map((a) => ({ box: [a.box[0], a.box[1], 0, 0], scores: a.scores })));
    const problems = inspect(probes(flat));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('degenerate');
    expect(problems[0]).toContain('no area');
  });

  it('when all boxes are far larger than the input, then the boxes are reported degenerate', () => {
    const huge = yolov8Output(healthyAnchors.map((a) => ({ box: [32, 32, 1000, 1000], scores: a.scores })));
    const problems = inspect(probes(huge));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('degenerate');
  });

  it('when every best box is the same box, then the boxes are reported degenerate', () => {
    const same = yolov8Output(healthyAnchors.map((a) => ({ box: [32, 32, 16, 16], scores: a.scores })));
    const problems = inspect(probes(same));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('degenerate');
    expect(problems[0]).toContain('all the same box');
  });

  it('when only a minority of boxes has no area, then there is no problem', () => {
    const oneFlat = yolov8Output(
      healthyAnchors.map((a, i) => (i === 0 ? { box: [10, 10, 0, 0], scores: a.scores } : a)),
    );
    expect(inspect(probes(oneFlat))).toEqual([]);
  });

  it('when boxes are fractions of the input, then they are judged at their pixel size', () => {
    const normalised = yolov8Output(
      healthyAnchors.map((a) => ({ box: a.box.map((v) => v / 64) as Anchor['box'], scores: a.scores })),
    );
    expect(inspect(probes(normalised), 'normalised')).toEqual([]);
    // Read as pixels, the same boxes are all under a pixel wide.
    expect(inspect(probes(normalised), 'pixels')[0]).toContain('degenerate');
  });
});

describe('detectBoxUnits', () => {
  it('when yolov8 boxes are in input pixels, then it says pixels', () => {
    expect(detectBoxUnits([yolov8Output(healthyAnchors)], layout)).toBe('pixels');
  });

  it('when every yolov8 box stays within 0..1, even one reaching the right edge, then it says normalised', () => {
    const out = yolov8Output([
      { box: [0.5, 0.5, 0.25, 0.25], scores: [0.5, 0] },
      { box: [0.9, 0.1, 0.2, 0.2], scores: [0, 0.5] },
      { box: [0.1, 0.9, 0.1, 0.1], scores: [0, 0] },
      { box: [0, 0, 0, 0], scores: [0, 0] },
    ]);
    expect(detectBoxUnits([out], layout)).toBe('normalised');
  });

  const end2end: OutputLayout = { format: 'end2end', numClasses: 2, candidates: 3, perImage: 18 };

  it('when end-to-end corners are in pixels, then it says pixels', () => {
    const out = new Float32Array([10, 20, 300, 200, 0.9, 0, 5, 5, 40, 40, 0.5, 1, 0, 0, 0, 0, 0, 0]);
    expect(detectBoxUnits([out], end2end)).toBe('pixels');
  });

  it('when unused end-to-end slots are zero-padded, then only scoring slots decide, over every probe', () => {
    const empty = new Float32Array(18);
    const scoring = new Float32Array([0, 0, 0, 0, 0, 0, 12, 30, 200, 90, 0.7, 1, 0, 0, 0, 0, 0, 0]);
    expect(detectBoxUnits([empty, scoring], end2end)).toBe('pixels');
  });

  it('when end-to-end corners are all at most 1, then it says normalised', () => {
    const out = new Float32Array([0.1, 0.2, 0.5, 0.6, 0.9, 0, 0.5, 0.5, 1, 1, 0.5, 1, 0, 0, 0, 0, 0, 0]);
    expect(detectBoxUnits([out], end2end)).toBe('normalised');
  });

  it('when yolov5 rows hold pixel or fractional boxes, then it tells them apart', () => {
    const yolov5: OutputLayout = { format: 'yolov5', numClasses: 1, candidates: 2, perImage: 12 };
    expect(detectBoxUnits([new Float32Array([100, 100, 20, 20, 0.9, 1, 5, 5, 2, 2, 0.1, 1])], yolov5)).toBe('pixels');
    expect(detectBoxUnits([new Float32Array([0.5, 0.5, 0.2, 0.2, 0.9, 1, 0.1, 0.1, 0.1, 0.1, 0.1, 1])], yolov5)).toBe(
      'normalised',
    );
  });

  it('when the layout is a yolox raw grid, then it says pixels whatever the values', () => {
    const yolox: OutputLayout = { format: 'yolox', numClasses: 1, candidates: 1, perImage: 6 };
    expect(detectBoxUnits([new Float32Array([0.1, 0.1, 0.1, 0.1, 0.5, 0.5])], yolox)).toBe('pixels');
  });
});

describe('probeImages', () => {
  it('when asked for 16×8, then it returns grey, noise and shapes images of that size', () => {
    const images = probeImages(16, 8);
    expect(images.map((p) => p.label)).toEqual(['grey', 'noise', 'shapes']);
    for (const { image } of images) {
      expect([image.width, image.height]).toEqual([16, 8]);
      expect(image.data).toHaveLength(16 * 8 * 3);
    }
  });

  it('when called twice, then the images are byte for byte the same', () => {
    const first = probeImages(24, 16);
    const second = probeImages(24, 16);
    for (let i = 0; i < 3; i++)
      expect(Buffer.from(second[i]!.image.data).equals(Buffer.from(first[i]!.image.data))).toBe(true);
  });

  it('when the images are made, then grey is flat 128 and noise and shapes are not flat', () => {
    const [grey, noise, shapes] = probeImages(32, 32);
    expect(grey!.image.data.every((v) => v === 128)).toBe(true);
    expect(new Set(noise!.image.data).size).toBeGreaterThan(100);
    expect(new Set(shapes!.image.data).size).toBeGreaterThan(5);
  });
});

describe('end-to-end class indices', () => {
  const end2end: OutputLayout = { format: 'end2end', numClasses: 2, candidates: 2, perImage: 12 };
  const run = (data: number[]) =>
    inspectProbeOutputs([{ label: 'shapes', data: new Float32Array(data) }], end2end, 'pixels', input, strides, 2);

  it('when a scoring slot names a class the model does not have, then the model is refused naming it', () => {
    expect(run([10, 10, 50, 50, 0.8, 0, 10, 10, 60, 60, 0.6, 7])[0]).toMatch(
      /gives class 7, but the model names 2 classes/,
    );
  });

  it('when only slots without a score carry a stray class, then nothing is wrong', () => {
    expect(run([10, 10, 50, 50, 0.8, 1, 0, 0, 0, 0, 0, 99])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  decodeOutput,
  type DecodeContext,
  gridCells,
  type OutputLayout,
  recogniseLayout,
  UnknownLayoutError,
} from './formats.js';

type Corners = [number, number, number, number];

/** A YOLOv8 output [4 + nc, N], channel-major, from one row per anchor: (cx, cy, w, h) then class scores. */
function yolov8Output(anchors: Array<{ box: Corners; scores: number[] }>): Float32Array {
  const n = anchors.length;
  const nc = anchors[0]!.scores.length;
  const out = new Float32Array((4 + nc) * n);
  anchors.forEach(({ box, scores }, a) => {
    box.forEach((v, k) => (out[k * n + a] = v));
    scores.forEach((v, c) => (out[(4 + c) * n + a] = v));
  });
  return out;
}

/** A row-major output (YOLOv5, YOLOX, end-to-end): one row per candidate, as written. */
function rowMajor(rows: number[][]): Float32Array {
  return new Float32Array(rows.flat());
}

function context(layout: OutputLayout, overrides: Partial<DecodeContext> = {}): DecodeContext {
  return {
    layout,
    boxes: 'pixels',
    input: { width: 640, height: 640 },
    strides: [8, 16, 32],
    thresholds: new Array<number>(Math.max(1, layout.numClasses)).fill(0.25),
    ...overrides,
  };
}

const corners = (d: { x1: number; y1: number; x2: number; y2: number }): Corners => [d.x1, d.y1, d.x2, d.y2];

describe('decodeOutput, yolov8 layout [4 + nc, N]', () => {
  const layout: OutputLayout = { format: 'yolov8', numClasses: 2, candidates: 3, perImage: 6 * 3 };

  it('when anchors pass their class threshold, then they decode to corner boxes in pixels with their best class', () => {
    const out = yolov8Output([
      { box: [100, 50, 20, 10], scores: [0.125, 0.875] },
      { box: [10, 10, 4, 4], scores: [0.125, 0.0625] },
      { box: [300, 300, 40, 40], scores: [0.625, 0.375] },
    ]);
    expect(decodeOutput(out, 0, context(layout))).toEqual([
      { x1: 90, y1: 45, x2: 110, y2: 55, classIndex: 1, score: 0.875 },
      { x1: 280, y1: 280, x2: 320, y2: 320, classIndex: 0, score: 0.625 },
    ]);
  });

  it('when boxes are normalised, then they are scaled by the input width and height', () => {
    const single: OutputLayout = { format: 'yolov8', numClasses: 1, candidates: 1, perImage: 5 };
    const out = yolov8Output([{ box: [0.5, 0.25, 0.125, 0.5], scores: [0.75] }]);
    const found = decodeOutput(out, 0, context(single, { boxes: 'normalised', input: { width: 640, height: 480 } }));
    expect(found.map(corners)).toEqual([[280, 0, 360, 240]]);
  });

  it('when a class threshold is above 1, then that class is never materialised even where it scores best', () => {
    const out = yolov8Output([
      { box: [100, 100, 10, 10], scores: [0.875, 0.5] },
      { box: [200, 200, 10, 10], scores: [0.875, 0.125] },
      { box: [300, 300, 10, 10], scores: [0.125, 0.625] },
    ]);
    const found = decodeOutput(out, 0, context(layout, { thresholds: [2, 0.25] }));
    expect(found.map((d) => [d.classIndex, d.score])).toEqual([
      [1, 0.5],
      [1, 0.625],
    ]);
    expect(decodeOutput(out, 0, context(layout, { thresholds: [Infinity, Infinity] }))).toEqual([]);
  });

  it('when thresholds differ per class, then each class is held to its own', () => {
    const out = yolov8Output([
      { box: [100, 100, 10, 10], scores: [0.375, 0.3125] },
      { box: [200, 200, 10, 10], scores: [0.5, 0.0625] },
      { box: [300, 300, 10, 10], scores: [0.0625, 0.0625] },
    ]);
    const found = decodeOutput(out, 0, context(layout, { thresholds: [0.5, 0.25] }));
    expect(found.map((d) => [d.x1, d.classIndex, d.score])).toEqual([
      [95, 1, 0.3125],
      [195, 0, 0.5],
    ]);
  });

  it('when slot 1 of a batch is decoded, then the second image is read', () => {
    const first = yolov8Output([
      { box: [10, 10, 2, 2], scores: [0.875, 0] },
      { box: [20, 20, 2, 2], scores: [0, 0] },
      { box: [30, 30, 2, 2], scores: [0, 0] },
    ]);
    const second = yolov8Output([
      { box: [50, 50, 2, 2], scores: [0, 0] },
      { box: [60, 60, 4, 4], scores: [0, 0.75] },
      { box: [70, 70, 2, 2], scores: [0, 0] },
    ]);
    const batch = new Float32Array([...first, ...second]);
    expect(decodeOutput(batch, 1, context(layout))).toEqual([
      { x1: 58, y1: 58, x2: 62, y2: 62, classIndex: 1, score: 0.75 },
    ]);
    expect(decodeOutput(batch, 0, context(layout))).toEqual([
      { x1: 9, y1: 9, x2: 11, y2: 11, classIndex: 0, score: 0.875 },
    ]);
  });
});

describe('decodeOutput, yolov5 layout [N, 5 + nc]', () => {
  const layout: OutputLayout = { format: 'yolov5', numClasses: 2, candidates: 4, perImage: 4 * 7 };

  it('when an anchor is decoded, then its score is objectness × class probability', () => {
    const out = rowMajor([
      [100, 60, 20, 10, 0.75, 0.5, 0.875],
      [0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(decodeOutput(out, 0, context(layout))).toEqual([
      { x1: 90, y1: 55, x2: 110, y2: 65, classIndex: 1, score: 0.65625 },
    ]);
  });

  it('when the class probability is high but the objectness low, then the anchor is dropped', () => {
    const out = rowMajor([
      [100, 100, 10, 10, 0.125, 1, 0],
      [200, 200, 10, 10, 0.5, 0.375, 0.25],
      [300, 300, 10, 10, 0.5, 0.75, 0.25],
      [400, 400, 10, 10, 1, 0, 0.125],
    ]);
    // 0.125 × 1 and 0.5 × 0.375 and 1 × 0.125 are all below 0.25; only 0.5 × 0.75 passes.
    const found = decodeOutput(out, 0, context(layout));
    expect(found.map((d) => [d.x1, d.classIndex, d.score])).toEqual([[295, 0, 0.375]]);
  });

  it('when boxes are normalised, then they are scaled by the input size', () => {
    const single: OutputLayout = { format: 'yolov5', numClasses: 1, candidates: 1, perImage: 6 };
    const out = rowMajor([[0.25, 0.5, 0.25, 0.25, 1, 0.5]]);
    const found = decodeOutput(out, 0, context(single, { boxes: 'normalised', input: { width: 640, height: 320 } }));
    expect(found.map(corners)).toEqual([[80, 120, 240, 200]]);
  });

  it('when slot 1 of a batch is decoded, then the second image is read', () => {
    const single: OutputLayout = { format: 'yolov5', numClasses: 1, candidates: 1, perImage: 6 };
    const out = rowMajor([
      [10, 10, 2, 2, 1, 0.5],
      [40, 40, 2, 2, 0.5, 1],
    ]);
    expect(decodeOutput(out, 1, context(single)).map(corners)).toEqual([[39, 39, 41, 41]]);
  });
});

describe('decodeOutput, end-to-end layout [K, 6]', () => {
  const layout: OutputLayout = { format: 'end2end', numClasses: 2, candidates: 3, perImage: 18 };

  it('when rows are decoded, then corners, score and class are read as written and rows below threshold are dropped', () => {
    const out = rowMajor([
      [10, 20, 30, 40, 0.75, 1],
      [5, 5, 15, 15, 0.125, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
    expect(decodeOutput(out, 0, context(layout))).toEqual([
      { x1: 10, y1: 20, x2: 30, y2: 40, classIndex: 1, score: 0.75 },
    ]);
  });

  it('when a row names a class the model does not have, then it is dropped', () => {
    const out = rowMajor([
      [10, 20, 30, 40, 0.75, 5],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
    expect(decodeOutput(out, 0, context(layout))).toEqual([]);
  });

  it('when boxes are normalised, then corners are scaled by the input size', () => {
    const out = rowMajor([
      [0.25, 0.5, 0.5, 1, 0.75, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
    const found = decodeOutput(out, 0, context(layout, { boxes: 'normalised', input: { width: 640, height: 480 } }));
    expect(found.map(corners)).toEqual([[160, 240, 320, 480]]);
  });

  it('when slot 1 of a batch is decoded, then the second image is read', () => {
    const single: OutputLayout = { format: 'end2end', numClasses: 1, candidates: 1, perImage: 6 };
    const out = rowMajor([
      [1, 2, 3, 4, 0.5, 0],
      [11, 12, 13, 14, 0.875, 0],
    ]);
    expect(decodeOutput(out, 1, context(single))).toEqual([
      { x1: 11, y1: 12, x2: 13, y2: 14, classIndex: 0, score: 0.875 },
    ]);
  });
});

describe('decodeOutput, yolox raw grid [cells, 5 + nc]', () => {
  // 64×64 at strides 8/16/32: 8×8 + 4×4 + 2×2 = 84 cells, numbered stride by stride, row by row.
  const layout: OutputLayout = { format: 'yolox', numClasses: 2, candidates: 84, perImage: 84 * 7 };
  const input = { width: 64, height: 64 };

  function grid(cells: Record<number, number[]>): Float32Array {
    const out = new Float32Array(84 * 7);
    for (const [index, row] of Object.entries(cells)) out.set(row, Number(index) * 7);
    return out;
  }

  it('when a stride-16 cell predicts offsets and log sizes, then the box is centred in grid units times the stride', () => {
    // Stride-16 grid starts after the 64 stride-8 cells; (gx 2, gy 1) on a 4-wide grid is 64 + 4 + 2 = 70.
    const out = grid({ 70: [0.5, 0.5, Math.log(2), Math.log(2), 0.75, 0.25, 1] });
    const found = decodeOutput(out, 0, context(layout, { input }));
    expect(found).toHaveLength(1);
    // Centre ((2 + 0.5) × 16, (1 + 0.5) × 16) = (40, 24), size 2 × 16 = 32.
    const [x1, y1, x2, y2] = corners(found[0]!);
    expect(x1).toBeCloseTo(24, 4);
    expect(y1).toBeCloseTo(8, 4);
    expect(x2).toBeCloseTo(56, 4);
    expect(y2).toBeCloseTo(40, 4);
    expect(found[0]!.classIndex).toBe(1);
    expect(found[0]!.score).toBe(0.75);
  });

  it('when the last stride-32 cell and the first stride-8 cell predict, then each uses its own stride and grid position', () => {
    const out = grid({
      0: [0.5, 0.5, 0, 0, 1, 0.5, 0],
      83: [0, 0, 0, 0, 0.5, 1, 0],
    });
    const found = decodeOutput(out, 0, context(layout, { input }));
    // Cell 0: centre (4, 4), size 8. Cell 83 is (gx 1, gy 1) at stride 32: centre (32, 32), size 32.
    expect(found.map(corners)).toEqual([
      [0, 0, 8, 8],
      [16, 16, 48, 48],
    ]);
    expect(found.map((d) => d.score)).toEqual([0.5, 0.5]);
  });

  it('when the objectness × class probability is below threshold, then the cell is dropped', () => {
    const out = grid({ 10: [0, 0, 0, 0, 0.125, 1, 1], 20: [0, 0, 0, 0, 1, 0.125, 0.125] });
    expect(decodeOutput(out, 0, context(layout, { input }))).toEqual([]);
  });
});

describe('gridCells', () => {
  it('when the input is 640×640 on strides 8/16/32, then there are 8400 cells', () => {
    expect(gridCells(640, 640, [8, 16, 32])).toBe(8400);
  });

  it('when the input is 64×64, then there are 64 + 16 + 4 cells', () => {
    expect(gridCells(64, 64, [8, 16, 32])).toBe(84);
  });

  it('when the input is not a multiple of the stride, then a partial cell still counts', () => {
    expect(gridCells(100, 40, [32])).toBe(4 * 2);
  });
});

describe('recogniseLayout', () => {
  const input640 = { width: 640, height: 640 };
  const strides = [8, 16, 32];

  it('when the shape is [1, 84, 8400], then it is yolov8 with 80 classes', () => {
    expect(recogniseLayout([1, 84, 8400], input640, strides, undefined)).toEqual({
      format: 'yolov8',
      numClasses: 80,
      candidates: 8400,
      perImage: 84 * 8400,
    });
  });

  it('when the shape is [1, 300, 6], then it is end-to-end with the named class count', () => {
    expect(recogniseLayout([1, 300, 6], input640, strides, 80)).toEqual({
      format: 'end2end',
      numClasses: 80,
      candidates: 300,
      perImage: 1800,
    });
  });

  it('when the shape is [1, 25200, 85] on a 640 input, then it is yolov5 with 80 classes', () => {
    expect(recogniseLayout([1, 25200, 85], input640, strides, undefined)).toEqual({
      format: 'yolov5',
      numClasses: 80,
      candidates: 25200,
      perImage: 25200 * 85,
    });
  });

  it('when the shape is [1, 8400, 85] on a 640 input, then it is the yolox raw grid', () => {
    expect(recogniseLayout([1, 8400, 85], input640, strides, 80)).toEqual({
      format: 'yolox',
      numClasses: 80,
      candidates: 8400,
      perImage: 8400 * 85,
    });
  });

  it('when a two-class yolov8 gives [1, 6, 8400], then it is yolov8 and not end-to-end', () => {
    expect(recogniseLayout([1, 6, 8400], input640, strides, 2).format).toBe('yolov8');
    expect(recogniseLayout([1, 6, 8400], input640, strides, undefined)).toMatchObject({
      format: 'yolov8',
      numClasses: 2,
    });
  });

  it('when a one-class grid output is six wide, then it is read as the grid, not as end-to-end rows', () => {
    // A one-class YOLOX grid on 64×64 is [1, 84, 6]; a one-class YOLOv5 on 320 is [1, 6300, 6].
    const input64 = { width: 64, height: 64 };
    expect(recogniseLayout([1, 84, 6], input64, strides, 1)).toEqual({
      format: 'yolox',
      numClasses: 1,
      candidates: 84,
      perImage: 84 * 6,
    });
    expect(recogniseLayout([1, 6300, 6], { width: 320, height: 320 }, strides, 1).format).toBe('yolov5');
    expect(recogniseLayout([1, 8400, 6], input640, strides, 1).format).toBe('yolox');
  });

  it('when the model or its manifest says how to read a shape that fits two layouts, then that decides', () => {
    const input64 = { width: 64, height: 64 };
    expect(recogniseLayout([1, 84, 6], input64, strides, 1, { end2end: true }).format).toBe('end2end');
    expect(recogniseLayout([1, 84, 6], input64, strides, 1, { format: 'end2end' }).format).toBe('end2end');
    expect(recogniseLayout([1, 84, 6], input64, strides, 1, { format: 'yolox' }).format).toBe('yolox');
  });

  it('when the manifest names a format the shape does not fit, then the error names both', () => {
    const attempt = () => recogniseLayout([1, 84, 8400], input640, strides, 80, { format: 'end2end' });
    expect(attempt).toThrow(UnknownLayoutError);
    expect(attempt).toThrow(/\[1, 84, 8400\].*end2end.*\[1, K, 6\]/);
  });

  it('when the class names disagree with the class count the shape implies, then the error mentions both counts', () => {
    expect(() => recogniseLayout([1, 25200, 85], input640, strides, 3)).toThrow(UnknownLayoutError);
    expect(() => recogniseLayout([1, 25200, 85], input640, strides, 3)).toThrow(
      /implies 80 classes, but the model names 3/,
    );
    expect(() => recogniseLayout([1, 8400, 85], input640, strides, 3)).toThrow(
      /implies 80 classes, but the model names 3/,
    );
    expect(() => recogniseLayout([1, 84, 8400], input640, strides, 3)).toThrow(
      /implies 80 classes, but the model names 3/,
    );
  });

  it('when the shape has two axes, then it is refused for lacking the batch axis', () => {
    const attempt = () => recogniseLayout([84, 8400], input640, strides, undefined);
    expect(attempt).toThrow(UnknownLayoutError);
    expect(attempt).toThrow(/\[84, 8400\].*three axes/);
  });

  it('when a three-axis shape fits no layout, then the error lists every expected layout for the input', () => {
    let message = '';
    try {
      recogniseLayout([1, 100, 50], input640, strides, undefined);
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownLayoutError);
      message = (error as Error).message;
    }
    expect(message).toContain('[1, 100, 50]');
    expect(message).toContain('640×640');
    for (const expected of ['[1, 4 + classes, 8400]', '[1, 25200, 5 + classes]', '[1, 8400, 5 + classes]', '[1, K, 6]'])
      expect(message).toContain(expected);
  });
});

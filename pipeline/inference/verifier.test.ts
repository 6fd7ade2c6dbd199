import { describe, expect, it } from 'vitest';
import type { RgbImage } from './preprocess.js';
import { VerifierManifestSchema, writeCrop } from './verifier.js';

const SPEC = { size: 8, context: 2, minSide: 4, padValue: 114 };

function image(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  return { data, width, height };
}

/** The crop's red plane as 0..255 integers, row by row. */
function redPlane(out: Float32Array, size: number, slot = 0): number[][] {
  const base = slot * 3 * size * size;
  return Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => Math.round(out[base + y * size + x]! * 255)),
  );
}

describe('writeCrop', () => {
  it('when the photo is one colour, then every crop pixel is that colour in each plane', () => {
    const out = new Float32Array(3 * 64);
    writeCrop(
      image(40, 30, () => [200, 100, 50]),
      { x1: 10, y1: 10, x2: 20, y2: 20 },
      1,
      SPEC,
      out,
      0,
    );
    expect(new Set(Array.from(out.subarray(0, 64), (v) => Math.round(v * 255)))).toEqual(new Set([200]));
    expect(Math.round(out[64]! * 255)).toBe(100);
    expect(Math.round(out[128]! * 255)).toBe(50);
  });

  it.each([
    ['top-left corner', { x1: 0, y1: 0, x2: 4, y2: 4 }, [0, 0], [7, 7]],
    ['bottom-right corner', { x1: 36, y1: 26, x2: 40, y2: 30 }, [7, 7], [0, 0]],
  ])('when the box sits at the %s, then the crop outside the photo is the pad value', (_, box, padded, inside) => {
    const out = new Float32Array(3 * 64);
    writeCrop(
      image(40, 30, () => [10, 10, 10]),
      box,
      1,
      SPEC,
      out,
      0,
    );
    const red = redPlane(out, 8);
    expect(red[padded[1]!]![padded[0]!]).toBe(114);
    expect(red[inside[1]!]![inside[0]!]).toBe(10);
  });

  it('when the photo is red on the left and black on the right, then so is the crop (not mirrored)', () => {
    const out = new Float32Array(3 * 64);
    writeCrop(
      image(40, 40, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 0])),
      { x1: 16, y1: 16, x2: 24, y2: 24 },
      1,
      SPEC,
      out,
      0,
    );
    const red = redPlane(out, 8);
    expect(red[4]![0]).toBe(255);
    expect(red[4]![7]).toBe(0);
  });

  it('when the box is much larger than the crop, then fine detail is averaged, not aliased', () => {
    // A one-pixel checkerboard seen at four photo pixels per crop pixel: every sample average is grey.
    const out = new Float32Array(3 * 64);
    const board = image(64, 64, (x, y) => ((x + y) % 2 === 0 ? [255, 255, 255] : [0, 0, 0]));
    writeCrop(board, { x1: 16, y1: 16, x2: 32, y2: 32 }, 1, SPEC, out, 0);
    for (const row of redPlane(out, 8)) for (const v of row) expect(Math.abs(v - 128)).toBeLessThanOrEqual(2);
  });

  it('when the pixels are a half-size frame, then the box is scaled into it and the same region is cut', () => {
    const paint = (x: number): [number, number, number] => [x < 40 ? 250 : 5, 0, 0];
    const full = image(80, 80, paint);
    const half = image(40, 40, (x) => paint(x * 2));
    const box = { x1: 32, y1: 32, x2: 48, y2: 48 };
    const a = new Float32Array(3 * 64);
    const b = new Float32Array(3 * 64);
    writeCrop(full, box, 1, SPEC, a, 0);
    writeCrop(half, box, 0.5, SPEC, b, 0);
    expect(redPlane(b, 8)[4]![1]).toBe(redPlane(a, 8)[4]![1]);
    expect(redPlane(b, 8)[4]![6]).toBe(redPlane(a, 8)[4]![6]);
  });

  it('when a second slot is written, then the first is left as it was', () => {
    const out = new Float32Array(2 * 3 * 64);
    writeCrop(
      image(20, 20, () => [30, 30, 30]),
      { x1: 5, y1: 5, x2: 15, y2: 15 },
      1,
      SPEC,
      out,
      0,
    );
    writeCrop(
      image(20, 20, () => [90, 90, 90]),
      { x1: 5, y1: 5, x2: 15, y2: 15 },
      1,
      SPEC,
      out,
      1,
    );
    expect(redPlane(out, 8, 0)[3]![3]).toBe(30);
    expect(redPlane(out, 8, 1)[3]![3]).toBe(90);
  });
});

describe('VerifierManifestSchema', () => {
  const valid = {
    file: 'verifier.onnx',
    sha256: 'a'.repeat(64),
    inputName: 'images',
    outputName: 'scores',
    size: 64,
    context: 1.6,
    minSide: 20,
    padValue: 114,
    classes: { fire: { output: 0, threshold: 0.5 } },
  };
  it.each([
    ['a threshold of 1', { classes: { fire: { output: 0, threshold: 1 } } }],
    ['a context under 1', { context: 0.5 }],
    ['an unknown key', { extra: true }],
    ['a short sha256', { sha256: 'abc' }],
  ])('when the block has %s, then it is refused', (_, change) => {
    expect(VerifierManifestSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
  it('when the block is complete, then it is accepted', () => {
    expect(VerifierManifestSchema.safeParse(valid).success).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { ModelInput } from './manifest.js';
import { type Placement, placeInInput, type RgbImage, toPhotoPixels, writeViewTensor } from './preprocess.js';

/** An interleaved RGB image from one [r, g, b] per pixel, row by row. */
function image(width: number, height: number, pixels: Array<[number, number, number]>): RgbImage {
  expect(pixels).toHaveLength(width * height);
  return { data: new Uint8Array(pixels.flat()), width, height };
}

/** A single-channel picture as an RGB image: red carries the values, green and blue are 0. */
function redImage(width: number, height: number, red: number[]): RgbImage {
  return image(
    width,
    height,
    red.map((r) => [r, 0, 0]),
  );
}

function modelInput(overrides: Partial<ModelInput>): ModelInput {
  return {
    name: 'images',
    width: 2,
    height: 2,
    channelOrder: 'RGB',
    scale: 1,
    letterbox: 'centre',
    padValue: 0,
    dynamicBatch: false,
    ...overrides,
  };
}

/** The three planes of slot `slot` of an NCHW batch, as plain arrays. */
function planes(batch: Float32Array, input: ModelInput, slot = 0): [number[], number[], number[]] {
  const plane = input.width * input.height;
  const base = slot * 3 * plane;
  const read = (c: number) => Array.from(batch.subarray(base + c * plane, base + (c + 1) * plane));
  return [read(0), read(1), read(2)];
}

describe('placeInInput', () => {
  const square = { width: 640, height: 640 } as const;

  it('when an 825×619 photo is centred in 640×640, then it is scaled to 640×480 with 80 px above', () => {
    expect(placeInInput(825, 619, { ...square, letterbox: 'centre' })).toEqual({
      offsetX: 0,
      offsetY: 80,
      width: 640,
      height: 480,
    });
  });

  it('when the padding is odd, then the smaller half goes first as Ultralytics rounds it (round(d - 0.1))', () => {
    // 159 px of padding: 79.5 - 0.1 rounds to 79 (plain rounding would give 80).
    expect(placeInInput(640, 481, { ...square, letterbox: 'centre' })).toEqual({
      offsetX: 0,
      offsetY: 79,
      width: 640,
      height: 481,
    });
    expect(placeInInput(481, 640, { ...square, letterbox: 'centre' })).toEqual({
      offsetX: 79,
      offsetY: 0,
      width: 481,
      height: 640,
    });
  });

  it('when the region is smaller than the input, then it is scaled up to fit', () => {
    expect(placeInInput(320, 240, { ...square, letterbox: 'centre' })).toEqual({
      offsetX: 0,
      offsetY: 80,
      width: 640,
      height: 480,
    });
  });

  it('when the input is not square, then the tighter axis decides the scale', () => {
    expect(placeInInput(1000, 1000, { width: 640, height: 480, letterbox: 'centre' })).toEqual({
      offsetX: 80,
      offsetY: 0,
      width: 480,
      height: 480,
    });
  });

  it('when the region is a sliver, then its placed size is at least one pixel', () => {
    expect(placeInInput(1, 1000, { ...square, letterbox: 'centre' })).toEqual({
      offsetX: 319,
      offsetY: 0,
      width: 1,
      height: 640,
    });
  });

  it('when the letterbox is top-left, then the offsets are 0 and the size is the same as centred', () => {
    expect(placeInInput(825, 619, { ...square, letterbox: 'top-left' })).toEqual({
      offsetX: 0,
      offsetY: 0,
      width: 640,
      height: 480,
    });
  });

  it('when the letterbox is stretch, then the region fills the input whatever its aspect', () => {
    expect(placeInInput(825, 619, { ...square, letterbox: 'stretch' })).toEqual({
      offsetX: 0,
      offsetY: 0,
      width: 640,
      height: 640,
    });
  });
});

describe('toPhotoPixels', () => {
  const photo = { width: 825, height: 619 };
  const wholeRegion = { x: 0, y: 0, width: 825, height: 619 };
  const wholePlace: Placement = { offsetX: 0, offsetY: 80, width: 640, height: 480 };

  it('when a box covers the whole placed area, then it maps to the whole photo', () => {
    expect(toPhotoPixels({ x1: 0, y1: 80, x2: 640, y2: 560 }, wholeRegion, wholePlace, photo)).toEqual({
      x1: 0,
      y1: 0,
      x2: 825,
      y2: 619,
    });
  });

  it('when a box lies inside a letterboxed frame, then the offset is removed and the scale undone', () => {
    // x scale 825 / 640 = 1.2890625, y scale 619 / 480.
    const back = toPhotoPixels(
      { x1: 64, y1: 128, x2: 320, y2: 320, score: 0.5, classIndex: 3 },
      wholeRegion,
      wholePlace,
      photo,
    );
    expect(back.x1).toBeCloseTo(82.5, 9);
    expect(back.y1).toBeCloseTo(61.9, 9);
    expect(back.x2).toBeCloseTo(412.5, 9);
    expect(back.y2).toBeCloseTo(309.5, 9);
    expect(back.score).toBe(0.5);
    expect(back.classIndex).toBe(3);
  });

  it('when the box comes from an unscaled tile, then the tile origin is added', () => {
    const tile = { x: 1000, y: 500, width: 640, height: 640 };
    const place: Placement = { offsetX: 0, offsetY: 0, width: 640, height: 640 };
    expect(toPhotoPixels({ x1: 10, y1: 20, x2: 30, y2: 40 }, tile, place, { width: 4000, height: 3000 })).toEqual({
      x1: 1010,
      y1: 520,
      x2: 1030,
      y2: 540,
    });
  });

  it('when the box comes from a tile scaled down by half, then it is scaled up and offset by the tile origin', () => {
    const tile = { x: 1280, y: 640, width: 1280, height: 1280 };
    const place: Placement = { offsetX: 0, offsetY: 0, width: 640, height: 640 };
    expect(toPhotoPixels({ x1: 10, y1: 20, x2: 30, y2: 40 }, tile, place, { width: 4000, height: 3000 })).toEqual({
      x1: 1300,
      y1: 680,
      x2: 1340,
      y2: 720,
    });
  });

  it('when a box reaches past the photo, then it is clamped to the photo edges', () => {
    expect(toPhotoPixels({ x1: -10, y1: 70, x2: 700, y2: 600 }, wholeRegion, wholePlace, photo)).toEqual({
      x1: 0,
      y1: 0,
      x2: 825,
      y2: 619,
    });
    const lastTile = { x: 3360, y: 2360, width: 640, height: 640 };
    const place: Placement = { offsetX: 0, offsetY: 0, width: 640, height: 640 };
    expect(
      toPhotoPixels({ x1: 600, y1: 600, x2: 660, y2: 700 }, lastTile, place, { width: 4000, height: 3000 }),
    ).toEqual({ x1: 3960, y1: 2960, x2: 4000, y2: 3000 });
  });
});

describe('writeViewTensor, equal-size copy', () => {
  const twoByTwo = image(2, 2, [
    [10, 20, 30],
    [40, 50, 60],
    [70, 80, 90],
    [100, 110, 120],
  ]);
  // A 2×4 input with the 2×2 image in rows 1–2, scale 0.5, pad 114 → 57.
  const input = modelInput({ width: 2, height: 4, scale: 0.5, padValue: 114 });
  const region = { x: 0, y: 0, width: 2, height: 2 };
  const place: Placement = { offsetX: 0, offsetY: 1, width: 2, height: 2 };
  const red = [57, 57, 5, 20, 35, 50, 57, 57];
  const green = [57, 57, 10, 25, 40, 55, 57, 57];
  const blue = [57, 57, 15, 30, 45, 60, 57, 57];

  it('when the region is copied as is, then planes are R, G, B, scaled, with the pad value where nothing lands', () => {
    const batch = new Float32Array(3 * 8);
    writeViewTensor(twoByTwo, region, place, input, batch, 0);
    expect(planes(batch, input)).toEqual([red, green, blue]);
  });

  it('when the model wants BGR, then the first and third planes swap', () => {
    const bgr = { ...input, channelOrder: 'BGR' as const };
    const batch = new Float32Array(3 * 8);
    writeViewTensor(twoByTwo, region, place, bgr, batch, 0);
    expect(planes(batch, bgr)).toEqual([blue, green, red]);
  });

  it('when writing slot 1, then slot 0 is left untouched', () => {
    const batch = new Float32Array(2 * 3 * 8).fill(-1);
    writeViewTensor(twoByTwo, region, place, input, batch, 1);
    expect(planes(batch, input, 0)).toEqual([new Array(8).fill(-1), new Array(8).fill(-1), new Array(8).fill(-1)]);
    expect(planes(batch, input, 1)).toEqual([red, green, blue]);
  });

  it('when the region is offset inside the image and placed with a left offset, then the right pixels land in the right cells', () => {
    // 3×3 image, red = 10 × index, green = red + 1, blue = red + 2.
    const threeByThree = image(
      3,
      3,
      Array.from({ length: 9 }, (_, i) => [10 * i, 10 * i + 1, 10 * i + 2] as [number, number, number]),
    );
    const wide = modelInput({ width: 3, height: 2, padValue: 9 });
    const batch = new Float32Array(3 * 6);
    writeViewTensor(
      threeByThree,
      { x: 1, y: 1, width: 2, height: 2 },
      { offsetX: 1, offsetY: 0, width: 2, height: 2 },
      wide,
      batch,
      0,
    );
    expect(planes(batch, wide)).toEqual([
      [9, 40, 50, 9, 70, 80],
      [9, 41, 51, 9, 71, 81],
      [9, 42, 52, 9, 72, 82],
    ]);
  });
});

describe('writeViewTensor, bilinear resampling', () => {
  it('when a 4×4 region is reduced to 2×2, then each output pixel is the mean of its 2×2 source block', () => {
    // The region sits at (1, 1) of a 5×5 image whose other pixels are 255, so any read outside it shows.
    const region = [
      [0, 20, 40, 60],
      [100, 120, 140, 160],
      [8, 4, 200, 0],
      [12, 16, 40, 20],
    ];
    const pixels: Array<[number, number, number]> = [];
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 5; x++) {
        const r = y >= 1 && x >= 1 ? region[y - 1]![x - 1]! : undefined;
        pixels.push(r === undefined ? [255, 255, 255] : [r, 255 - r, 7]);
      }
    }
    // Into rows 1–2 of a 2×4 input, scale 0.5, pad 10 → 5.
    const input = modelInput({ width: 2, height: 4, scale: 0.5, padValue: 10 });
    const batch = new Float32Array(3 * 8);
    writeViewTensor(
      image(5, 5, pixels),
      { x: 1, y: 1, width: 4, height: 4 },
      { offsetX: 0, offsetY: 1, width: 2, height: 2 },
      input,
      batch,
      0,
    );
    // Block means: red 60, 100, 10, 65; green 255 minus those; blue 7. Then halved.
    const [r, g, b] = planes(batch, input);
    expect(r).toEqual([5, 5, 30, 50, 5, 32.5, 5, 5]);
    expect(g).toEqual([5, 5, 97.5, 77.5, 122.5, 95, 5, 5]);
    expect(b).toEqual([5, 5, 3.5, 3.5, 3.5, 3.5, 5, 5]);
  });

  it('when a region is enlarged twice along x, then outputs sit a quarter and three quarters between source pixels, edges clamped', () => {
    const source = redImage(2, 2, [0, 200, 100, 20]);
    const input = modelInput({ width: 4, height: 2 });
    const batch = new Float32Array(3 * 8);
    writeViewTensor(
      source,
      { x: 0, y: 0, width: 2, height: 2 },
      { offsetX: 0, offsetY: 0, width: 4, height: 2 },
      input,
      batch,
      0,
    );
    // Row 0: 0, 0.75·0 + 0.25·200, 0.25·0 + 0.75·200, 200. Row 1 likewise between 100 and 20.
    expect(planes(batch, input)[0]).toEqual([0, 50, 150, 200, 100, 80, 40, 20]);
  });

  it('when a region is enlarged twice along y, then the vertical weights are used', () => {
    const source = redImage(2, 2, [0, 200, 100, 20]);
    const input = modelInput({ width: 2, height: 4 });
    const batch = new Float32Array(3 * 8);
    writeViewTensor(
      source,
      { x: 0, y: 0, width: 2, height: 2 },
      { offsetX: 0, offsetY: 0, width: 2, height: 4 },
      input,
      batch,
      0,
    );
    // Column 0 goes 0 → 100, column 1 goes 200 → 20.
    expect(planes(batch, input)[0]).toEqual([0, 200, 25, 155, 75, 65, 100, 20]);
  });

  it('when a region is enlarged twice on both axes, then an inner pixel blends four sources with 9/16, 3/16, 3/16, 1/16', () => {
    const source = redImage(2, 2, [0, 200, 100, 20]);
    const input = modelInput({ width: 4, height: 4 });
    const batch = new Float32Array(3 * 16);
    writeViewTensor(
      source,
      { x: 0, y: 0, width: 2, height: 2 },
      { offsetX: 0, offsetY: 0, width: 4, height: 4 },
      input,
      batch,
      0,
    );
    const red = planes(batch, input)[0];
    // (1, 1): 9/16·0 + 3/16·200 + 3/16·100 + 1/16·20.
    expect(red[1 * 4 + 1]).toBeCloseTo(57.5, 9);
    expect([red[0], red[3], red[12], red[15]]).toEqual([0, 200, 100, 20]);
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePhoto, photoSize, UndecodableImageError } from './decode.js';
import type { ModelInput } from './manifest.js';
import type { RgbImage } from './preprocess.js';

type Rgb = [number, number, number];

const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 30];
const BLUE: Rgb = [30, 30, 220];
const YELLOW: Rgb = [230, 220, 40];

/** The upright picture: 32×24, quadrants of 16×12, red top-left, green top-right, blue bottom-left, yellow bottom-right. */
const UW = 32;
const UH = 24;
function uprightColour(x: number, y: number): Rgb {
  if (y < UH / 2) return x < UW / 2 ? RED : GREEN;
  return x < UW / 2 ? BLUE : YELLOW;
}

/**
 * Where stored pixel (sx, sy) of a sw×sh stored image appears once a viewer applies EXIF orientation n:
 * 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose, 6 rotate 90° clockwise,
 * 7 transverse, 8 rotate 90° counter-clockwise.
 */
function shownAt(n: number, sx: number, sy: number, sw: number, sh: number): [number, number] {
  switch (n) {
    case 1:
      return [sx, sy];
    case 2:
      return [sw - 1 - sx, sy];
    case 3:
      return [sw - 1 - sx, sh - 1 - sy];
    case 4:
      return [sx, sh - 1 - sy];
    case 5:
      return [sy, sx];
    case 6:
      return [sh - 1 - sy, sx];
    case 7:
      return [sh - 1 - sy, sw - 1 - sx];
    case 8:
      return [sy, sw - 1 - sx];
    default:
      throw new Error(`orientation ${n}`);
  }
}

/** A JPEG whose stored pixels are the upright picture transformed so that orientation n turns them upright again. */
async function storedJpeg(n: number): Promise<Buffer> {
  const [sw, sh] = n >= 5 ? [UH, UW] : [UW, UH];
  const data = Buffer.alloc(sw * sh * 3);
  for (let sy = 0; sy < sh; sy++) {
    for (let sx = 0; sx < sw; sx++) {
      const [ux, uy] = shownAt(n, sx, sy, sw, sh);
      data.set(uprightColour(ux, uy), (sy * sw + sx) * 3);
    }
  }
  return sharp(data, { raw: { width: sw, height: sh, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .withMetadata({ orientation: n })
    .toBuffer();
}

function pixel(image: RgbImage, x: number, y: number): Rgb {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

/** JPEG is lossy: each channel within 30 of the colour painted. */
function expectColour(actual: Rgb, expected: Rgb, where: string): void {
  const off = actual.map((v, c) => Math.abs(v - expected[c]!));
  expect(
    Math.max(...off),
    `${where}: got ${actual.join(',')}, expected about ${expected.join(',')}`,
  ).toBeLessThanOrEqual(30);
}

/** Checks an upright image by the centres of its four quadrants. */
function expectUpright(image: RgbImage, width: number, height: number): void {
  expect([image.width, image.height]).toEqual([width, height]);
  const [qx, qy] = [width / 4, height / 4];
  expectColour(pixel(image, qx, qy), RED, 'top-left');
  expectColour(pixel(image, 3 * qx, qy), GREEN, 'top-right');
  expectColour(pixel(image, qx, 3 * qy), BLUE, 'bottom-left');
  expectColour(pixel(image, 3 * qx, 3 * qy), YELLOW, 'bottom-right');
}

/** The stored pixels as the file holds them, no orientation applied. */
async function storedPixels(jpeg: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

/**
 * What the stored file holds at its top-left and top-right quadrants, worked out by hand from the
 * EXIF table (e.g. 6: the upright picture turned a quarter counter-clockwise puts green top-left).
 */
const STORED_TOP: Record<(typeof ORIENTATIONS)[number], [Rgb, Rgb]> = {
  1: [RED, GREEN],
  2: [GREEN, RED],
  3: [YELLOW, BLUE],
  4: [BLUE, YELLOW],
  5: [RED, BLUE],
  6: [GREEN, YELLOW],
  7: [YELLOW, GREEN],
  8: [BLUE, RED],
};

describe('test image construction (sanity)', () => {
  it.each(ORIENTATIONS)(
    'when orientation %i is written, then the file stores the transformed pixels and the tag',
    async (n) => {
      const jpeg = await storedJpeg(n);
      expect((await sharp(jpeg).metadata()).orientation).toBe(n);
      const stored = await storedPixels(jpeg);
      const [sw, sh] = n >= 5 ? [UH, UW] : [UW, UH];
      expect([stored.width, stored.height]).toEqual([sw, sh]);
      const [topLeft, topRight] = STORED_TOP[n];
      expectColour(pixel(stored, sw / 4, sh / 4), topLeft, 'stored top-left');
      expectColour(pixel(stored, (3 * sw) / 4, sh / 4), topRight, 'stored top-right');
    },
  );

  it('when orientation 1 is written, then the stored pixels are already upright', async () => {
    expectUpright(await storedPixels(await storedJpeg(1)), UW, UH);
  });
});

describe('photoSize', () => {
  it.each(ORIENTATIONS)('when the EXIF orientation is %i, then the upright size is 32×24', async (n) => {
    expect(await photoSize(await storedJpeg(n), 1e8)).toEqual({ width: UW, height: UH });
  });

  it('when the buffer is not an image, then UndecodableImageError is thrown', async () => {
    await expect(photoSize(Buffer.from('not an image at all'), 1e8)).rejects.toThrow(UndecodableImageError);
  });
});

describe('decodePhoto, full resolution', () => {
  it.each(ORIENTATIONS)('when the EXIF orientation is %i, then the full image comes back upright', async (n) => {
    const photo = await decodePhoto(await storedJpeg(n), { full: true });
    expect([photo.width, photo.height]).toEqual([UW, UH]);
    expect(photo.frame).toBeUndefined();
    expectUpright(photo.full!, UW, UH);
  });

  it('when the buffer is not an image, then UndecodableImageError is thrown', async () => {
    await expect(decodePhoto(Buffer.from('GIF89a but not really'), { full: true })).rejects.toThrow(
      UndecodableImageError,
    );
  });
});

describe('decodePhoto, reduced frame', () => {
  const input16: ModelInput = {
    name: 'images',
    width: 16,
    height: 16,
    channelOrder: 'RGB',
    scale: 1 / 255,
    letterbox: 'centre',
    padValue: 114,
    dynamicBatch: false,
  };

  it.each(ORIENTATIONS)(
    'when orientation %i is decoded for a 16×16 whole-frame pass, then only an upright 16×12 frame comes back',
    async (n) => {
      const photo = await decodePhoto(await storedJpeg(n), { full: false, frameFor: input16 });
      expect([photo.width, photo.height]).toEqual([UW, UH]);
      expect(photo.full).toBeUndefined();
      expectUpright(photo.frame!, 16, 12);
    },
  );

  it('when the placement is no smaller than the photo, then the full image is decoded instead of a frame', async () => {
    const input64 = { ...input16, width: 64, height: 64 };
    const photo = await decodePhoto(await storedJpeg(6), { full: false, frameFor: input64 });
    expect(photo.frame).toBeUndefined();
    expectUpright(photo.full!, UW, UH);
  });

  it('when the full image is asked for as well, then no reduced frame is decoded', async () => {
    const photo = await decodePhoto(await storedJpeg(8), { full: true, frameFor: input16 });
    expect(photo.frame).toBeUndefined();
    expectUpright(photo.full!, UW, UH);
  });
});

/**
 * From decoded pixels to the model's NCHW float tensor in one pass, and the geometry that maps
 * boxes back. Pure.
 */
import type { ModelInput } from './manifest.js';
import type { Box } from './postprocess.js';

/** Decoded pixels, interleaved RGB, 8 bits per channel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a region of the photo lands inside the model input, and at what size. */
export interface Placement {
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

/**
 * Letterbox geometry as Ultralytics computes it: one scale that fits the region (up or down),
 * rounded size, padding split evenly for `centre` (rounded the same way), none for `top-left`;
 * `stretch` fills the input and ignores the aspect ratio.
 */
export function placeInInput(
  regionWidth: number,
  regionHeight: number,
  input: Pick<ModelInput, 'width' | 'height' | 'letterbox'>,
): Placement {
  if (input.letterbox === 'stretch') return { offsetX: 0, offsetY: 0, width: input.width, height: input.height };
  const scale = Math.min(input.width / regionWidth, input.height / regionHeight);
  const width = Math.max(1, Math.min(input.width, Math.round(regionWidth * scale)));
  const height = Math.max(1, Math.min(input.height, Math.round(regionHeight * scale)));
  if (input.letterbox === 'top-left') return { offsetX: 0, offsetY: 0, width, height };
  // `|| 0` turns Math.round(-0.1) = -0 into 0.
  return {
    offsetX: Math.round((input.width - width) / 2 - 0.1) || 0,
    offsetY: Math.round((input.height - height) / 2 - 0.1) || 0,
    width,
    height,
  };
}

/** Inverse of the placement: a box in input pixels back to photo pixels, clamped to the photo. */
export function toPhotoPixels<T extends Box>(
  box: T,
  region: Rect,
  place: Placement,
  photo: { width: number; height: number },
): T {
  const sx = region.width / place.width;
  const sy = region.height / place.height;
  return {
    ...box,
    x1: clamp((box.x1 - place.offsetX) * sx + region.x, 0, photo.width),
    y1: clamp((box.y1 - place.offsetY) * sy + region.y, 0, photo.height),
    x2: clamp((box.x2 - place.offsetX) * sx + region.x, 0, photo.width),
    y2: clamp((box.y2 - place.offsetY) * sy + region.y, 0, photo.height),
  };
}

function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}

/**
 * Writes `region` of `image`, resized to the placement, into slot `slot` of an NCHW float32
 * batch: channel order, scale and padding from the model input. Equal sizes are copied; otherwise
 * sampled bilinearly with pixel centres aligned (what OpenCV's INTER_LINEAR does, which
 * Ultralytics uses), so there is never an intermediate resized image.
 */
export function writeViewTensor(
  image: RgbImage,
  region: Rect,
  place: Placement,
  input: ModelInput,
  batch: Float32Array,
  slot: number,
): void {
  const { width: iw, height: ih, scale } = input;
  const plane = iw * ih;
  const base = slot * 3 * plane;
  const bgr = input.channelOrder === 'BGR';
  const c0 = base + (bgr ? 2 : 0) * plane;
  const c1 = base + plane;
  const c2 = base + (bgr ? 0 : 2) * plane;
  if (place.width < iw || place.height < ih) fillPadding(batch, [c0, c1, c2], iw, ih, place, input.padValue * scale);
  const src = image.data;
  if (place.width === region.width && place.height === region.height) {
    const d = place.offsetY * iw + place.offsetX;
    copyRegion(image, region, batch, c0 + d, c1 + d, c2 + d, iw, scale);
    return;
  }
  const rowBytes = image.width * 3;
  const [x0, x1, wx] = samplingAxis(region.x, region.width, place.width, image.width);
  const [y0, y1, wy] = samplingAxis(region.y, region.height, place.height, image.height);
  for (let y = 0; y < place.height; y++) {
    const rowA = y0[y]! * rowBytes;
    const rowB = y1[y]! * rowBytes;
    const fy = wy[y]!;
    let d = (place.offsetY + y) * iw + place.offsetX;
    for (let x = 0; x < place.width; x++, d++) {
      const a = rowA + x0[x]! * 3;
      const b = rowA + x1[x]! * 3;
      const c = rowB + x0[x]! * 3;
      const e = rowB + x1[x]! * 3;
      const fx = wx[x]!;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      batch[c0 + d] = (src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[e]! * w11) * scale;
      batch[c1 + d] = (src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[e + 1]! * w11) * scale;
      batch[c2 + d] = (src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[e + 2]! * w11) * scale;
    }
  }
}

/** Pads only around the placed region: the region itself is written next, so filling it too would write it twice. */
function fillPadding(
  batch: Float32Array,
  planes: number[],
  iw: number,
  ih: number,
  place: Placement,
  value: number,
): void {
  const right = place.offsetX + place.width;
  const bottom = place.offsetY + place.height;
  for (const p of planes) {
    batch.fill(value, p, p + place.offsetY * iw);
    batch.fill(value, p + bottom * iw, p + ih * iw);
    if (place.offsetX > 0 || right < iw) {
      for (let y = place.offsetY; y < bottom; y++) {
        batch.fill(value, p + y * iw, p + y * iw + place.offsetX);
        batch.fill(value, p + y * iw + right, p + (y + 1) * iw);
      }
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Copies a region of interleaved RGB into three planes at (r, g, b) + row × rowStride. Where the
 * pixels are 4-byte aligned, four pixels are read as three 32-bit words: 40% faster than byte by
 * byte, which matters because this runs once per tile and the tiles of a photo overlap. Kept as one
 * function with its loops inside: split into per-row helpers, V8 ran it at byte-by-byte speed.
 */
function copyRegion(
  image: RgbImage,
  region: Rect,
  out: Float32Array,
  r0: number,
  g0: number,
  b0: number,
  rowStride: number,
  scale: number,
): void {
  const src = image.data;
  const words =
    LITTLE_ENDIAN && src.byteOffset % 4 === 0
      ? new Uint32Array(src.buffer, src.byteOffset, src.byteLength >> 2)
      : undefined;
  const count = region.width;
  for (let y = 0; y < region.height; y++) {
    const first = (region.y + y) * image.width + region.x;
    const r = r0 + y * rowStride;
    const g = g0 + y * rowStride;
    const b = b0 + y * rowStride;
    // Byte offset 3 × pixel is a multiple of 4 exactly when the pixel index is.
    const lead = words ? Math.min(count, (4 - (first % 4)) % 4) : count;
    let p = 0;
    for (let s = first * 3; p < lead; p++, s += 3) {
      out[r + p] = src[s]! * scale;
      out[g + p] = src[s + 1]! * scale;
      out[b + p] = src[s + 2]! * scale;
    }
    if (words) {
      for (let w = ((first + p) * 3) >> 2; p + 4 <= count; p += 4, w += 3) {
        const w0 = words[w]!;
        const w1 = words[w + 1]!;
        const w2 = words[w + 2]!;
        out[r + p] = (w0 & 255) * scale;
        out[g + p] = ((w0 >>> 8) & 255) * scale;
        out[b + p] = ((w0 >>> 16) & 255) * scale;
        out[r + p + 1] = (w0 >>> 24) * scale;
        out[g + p + 1] = (w1 & 255) * scale;
        out[b + p + 1] = ((w1 >>> 8) & 255) * scale;
        out[r + p + 2] = ((w1 >>> 16) & 255) * scale;
        out[g + p + 2] = (w1 >>> 24) * scale;
        out[b + p + 2] = (w2 & 255) * scale;
        out[r + p + 3] = ((w2 >>> 8) & 255) * scale;
        out[g + p + 3] = ((w2 >>> 16) & 255) * scale;
        out[b + p + 3] = (w2 >>> 24) * scale;
      }
    }
    for (let s = (first + p) * 3; p < count; p++, s += 3) {
      out[r + p] = src[s]! * scale;
      out[g + p] = src[s + 1]! * scale;
      out[b + p] = src[s + 2]! * scale;
    }
  }
}

/** For each output coordinate: the two source coordinates around its centre and the weight of the second. */
function samplingAxis(
  start: number,
  length: number,
  outLength: number,
  limit: number,
): [Int32Array, Int32Array, Float32Array] {
  const lo = new Int32Array(outLength);
  const hi = new Int32Array(outLength);
  const weight = new Float32Array(outLength);
  const ratio = length / outLength;
  const last = Math.min(start + length, limit) - 1;
  for (let i = 0; i < outLength; i++) {
    const s = Math.max(0, (i + 0.5) * ratio - 0.5);
    const f = Math.floor(s);
    lo[i] = Math.min(start + f, last);
    hi[i] = Math.min(start + f + 1, last);
    weight[i] = s - f;
  }
  return [lo, hi, weight];
}

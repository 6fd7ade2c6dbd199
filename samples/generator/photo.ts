import sharp from 'sharp';
import type { NadirView } from '../../pipeline/geo/camera.js';
import type { Rng } from './random.js';
import type { WorldRaster } from './raster.js';

export interface SensorLook {
  /** Per-channel gain: exposure and white balance of this frame. */
  gain: [number, number, number];
  /** Standard deviation of sensor noise in 8-bit levels. */
  noiseSigma: number;
  /** Light fall-off in the corners, 0..1. */
  vignetting: number;
  /** Motion blur length along the flight direction, pixels (0 = none). */
  motionBlurPx: number;
  jpegQuality: number;
}

/**
 * Resamples one nadir photo from the world raster (bilinear), then applies what a real camera adds:
 * vignetting, exposure, sensor noise, motion blur along track and JPEG compression.
 */
export async function renderPhoto(world: WorldRaster, view: NadirView, look: SensorLook, rng: Rng): Promise<Buffer> {
  const { imageWidth: w, imageHeight: h } = view;
  const out = new Uint8ClampedArray(w * h * 3);
  const src = world.pixels;
  const ww = world.width;
  const wh = world.height;
  // Image pixel → world pixel is affine; step it incrementally.
  const origin = view.pixelToGround(0.5, 0.5);
  const stepX = view.pixelToGround(1.5, 0.5);
  const stepY = view.pixelToGround(0.5, 1.5);
  const res = world.metresPerPixel;
  const toCol = (e: number) => (e - world.west) / res - 0.5;
  const toRow = (n: number) => (world.north - n) / res - 0.5;
  const c0 = toCol(origin.east);
  const r0 = toRow(origin.north);
  const dcx = toCol(stepX.east) - c0;
  const drx = toRow(stepX.north) - r0;
  const dcy = toCol(stepY.east) - c0;
  const dry = toRow(stepY.north) - r0;
  const cx = w / 2;
  const cy = h / 2;
  const invR2 = 1 / (cx * cx + cy * cy);
  const [gr, gg, gb] = look.gain;
  const sigma = look.noiseSigma;
  let seed = rng.nextUint32() | 1;

  for (let y = 0; y < h; y++) {
    let col = c0 + dcy * y;
    let row = r0 + dry * y;
    const dy2 = (y - cy) * (y - cy);
    let o = y * w * 3;
    for (let x = 0; x < w; x++, col += dcx, row += drx, o += 3) {
      let r = 90;
      let g = 100;
      let b = 70;
      const ci = Math.floor(col);
      const ri = Math.floor(row);
      if (ci >= 0 && ri >= 0 && ci < ww - 1 && ri < wh - 1) {
        const fx = col - ci;
        const fy = row - ri;
        const i00 = (ri * ww + ci) * 3;
        const i10 = i00 + 3;
        const i01 = i00 + ww * 3;
        const i11 = i01 + 3;
        const w00 = (1 - fx) * (1 - fy);
        const w10 = fx * (1 - fy);
        const w01 = (1 - fx) * fy;
        const w11 = fx * fy;
        r = src[i00]! * w00 + src[i10]! * w10 + src[i01]! * w01 + src[i11]! * w11;
        g = src[i00 + 1]! * w00 + src[i10 + 1]! * w10 + src[i01 + 1]! * w01 + src[i11 + 1]! * w11;
        b = src[i00 + 2]! * w00 + src[i10 + 2]! * w10 + src[i01 + 2]! * w01 + src[i11 + 2]! * w11;
      }
      const v = 1 - look.vignetting * ((x - cx) * (x - cx) + dy2) * invR2;
      // xorshift32: triangular noise from two bytes, cheap enough for 12 MP per frame.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const n1 = (((seed & 0xff) + ((seed >>> 8) & 0xff)) / 255 - 1) * sigma * 1.73;
      const n2 = ((((seed >>> 16) & 0xff) + ((seed >>> 24) & 0xff)) / 255 - 1) * sigma * 1.73;
      out[o] = r * gr * v + n1;
      out[o + 1] = g * gg * v + (n1 + n2) * 0.5;
      out[o + 2] = b * gb * v + n2;
    }
  }
  let image = sharp(out, { raw: { width: w, height: h, channels: 3 } });
  if (look.motionBlurPx >= 1) {
    // Along-track blur: the top of the frame faces the direction of flight.
    const length = 2 * Math.round(look.motionBlurPx / 2) + 1;
    // sharp wants a kernel at least 3 wide: only the middle column is non-zero.
    const kernel = Array.from({ length: 3 * length }, (_, i) => (i % 3 === 1 ? 1 : 0));
    image = image.convolve({ width: 3, height: length, kernel, scale: length });
  }
  return image.jpeg({ quality: look.jpegQuality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
}

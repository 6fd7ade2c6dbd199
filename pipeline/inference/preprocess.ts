import type { ModelManifest } from './manifest.js';
import type { Tile } from './tiling.js';

/** Decoded pixels, interleaved RGB, 8 bits per channel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Copies one tile into slot `slot` of an NCHW float32 batch in a single pass: channel order, scale
 * and padding from the manifest. A tile smaller than the input is placed by the letterbox rule.
 * Returns where the tile's pixel (0, 0) landed in the input.
 */
export function writeTileTensor(
  image: RgbImage,
  tile: Tile,
  input: ModelManifest['input'],
  batch: Float32Array,
  slot: number,
): { offsetX: number; offsetY: number } {
  const { width: iw, height: ih, scale, padValue } = input;
  const plane = iw * ih;
  const base = slot * 3 * plane;
  const offsetX = input.letterbox === 'centre' ? Math.floor((iw - tile.width) / 2) : 0;
  const offsetY = input.letterbox === 'centre' ? Math.floor((ih - tile.height) / 2) : 0;
  const bgr = input.channelOrder === 'BGR';
  const c0 = base + (bgr ? 2 : 0) * plane;
  const c1 = base + plane;
  const c2 = base + (bgr ? 0 : 2) * plane;
  if (tile.width < iw || tile.height < ih) batch.fill(padValue * scale, base, base + 3 * plane);
  const src = image.data;
  for (let y = 0; y < tile.height; y++) {
    let s = ((tile.y + y) * image.width + tile.x) * 3;
    let d = (offsetY + y) * iw + offsetX;
    for (let x = 0; x < tile.width; x++, s += 3, d++) {
      batch[c0 + d] = src[s]! * scale;
      batch[c1 + d] = src[s + 1]! * scale;
      batch[c2 + d] = src[s + 2]! * scale;
    }
  }
  return { offsetX, offsetY };
}

/** Which parts of a photo go through the model: tiles, the whole frame, or both. Pure. */
import type { ModelInput, ModelTiling } from './manifest.js';
import { type Placement, placeInInput, type Rect } from './preprocess.js';

export type Tile = Rect;

/** One pass through the model: a region of the photo and where it lands in the input. */
export interface View {
  region: Rect;
  place: Placement;
  /** The whole photo, which may come from a frame decoded at reduced size. */
  wholeFrame: boolean;
}

/**
 * Tiles of `size` (square, or width × height) covering the image with at least `overlap`
 * (fraction) between neighbours. The last tile in a row or column is moved back to end at the image
 * edge rather than hanging over it, so only images smaller than a tile need padding.
 */
export function tileGrid(
  imageWidth: number,
  imageHeight: number,
  size: number | { width: number; height: number },
  overlap: number,
): Tile[] {
  const tileWidth = typeof size === 'number' ? size : size.width;
  const tileHeight = typeof size === 'number' ? size : size.height;
  const xs = axisStarts(imageWidth, tileWidth, overlap);
  const ys = axisStarts(imageHeight, tileHeight, overlap);
  const tiles: Tile[] = [];
  for (const y of ys)
    for (const x of xs)
      tiles.push({ x, y, width: Math.min(tileWidth, imageWidth), height: Math.min(tileHeight, imageHeight) });
  return tiles;
}

function axisStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const count = Math.ceil((length - size) / (size * (1 - overlap))) + 1;
  const step = (length - size) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

interface ViewOptions {
  /** Cut the photo into tiles (when it is larger than one); false runs the whole frame only. */
  tiled: boolean;
  /** Add a whole-frame pass to the tiles, for objects larger than a tile; default from the manifest. */
  fullFrame?: boolean;
  /** Square tiles of this edge instead of the manifest's. */
  tileSize?: number;
  overlap?: number;
}

export function planViews(
  width: number,
  height: number,
  input: ModelInput,
  tiling: ModelTiling,
  options: ViewOptions,
): View[] {
  const whole: View = {
    region: { x: 0, y: 0, width, height },
    place: placeInInput(width, height, input),
    wholeFrame: true,
  };
  const tile = options.tileSize
    ? { width: options.tileSize, height: options.tileSize }
    : { width: tiling.tileWidth, height: tiling.tileHeight };
  if (!options.tiled || (width <= tile.width && height <= tile.height)) return [whole];
  const views: View[] = tileGrid(width, height, tile, options.overlap ?? tiling.overlap).map((region) => ({
    region,
    place: placeInInput(region.width, region.height, input),
    wholeFrame: false,
  }));
  if (options.fullFrame ?? tiling.fullFrame) views.push(whole);
  return views;
}

/** Tile grids over a large photo. Pure. */

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Tiles of `size` covering the image with at least `overlap` (fraction) between neighbours. The
 * last tile in a row or column is moved back to end at the image edge rather than hanging over it,
 * so only images smaller than a tile need padding.
 */
export function tileGrid(imageWidth: number, imageHeight: number, size: number, overlap: number): Tile[] {
  const xs = axisStarts(imageWidth, size, overlap);
  const ys = axisStarts(imageHeight, size, overlap);
  const tiles: Tile[] = [];
  for (const y of ys) for (const x of xs) tiles.push({ x, y, width: Math.min(size, imageWidth), height: Math.min(size, imageHeight) });
  return tiles;
}

function axisStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const count = Math.ceil((length - size) / (size * (1 - overlap))) + 1;
  const step = (length - size) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

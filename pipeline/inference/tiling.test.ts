import { describe, expect, it } from 'vitest';
import type { ModelInput, ModelTiling } from './manifest.js';
import { planViews, type Tile, tileGrid } from './tiling.js';

const input: ModelInput = {
  name: 'images',
  width: 640,
  height: 640,
  channelOrder: 'RGB',
  scale: 1 / 255,
  letterbox: 'centre',
  padValue: 114,
  dynamicBatch: true,
};
const tiling: ModelTiling = {
  tileWidth: 640,
  tileHeight: 640,
  overlap: 0.2,
  fullFrame: true,
  merge: 'nmm',
  mergeMetric: 'ios',
  mergeThreshold: 0.5,
  batch: 8,
};

const columns = (tiles: Tile[]) => [...new Set(tiles.map((t) => t.x))];
const rows = (tiles: Tile[]) => [...new Set(tiles.map((t) => t.y))];

describe('tileGrid', () => {
  const tiles = tileGrid(4000, 3000, 640, 0.2);

  it('when a 4000×3000 photo is cut at 640 with 20% overlap, then it gives 8 columns by 6 rows of 640×640 tiles', () => {
    // Columns: ceil(3360 / 512) + 1 = 8, 480 apart; rows: ceil(2360 / 512) + 1 = 6, 472 apart.
    expect(columns(tiles)).toEqual([0, 480, 960, 1440, 1920, 2400, 2880, 3360]);
    expect(rows(tiles)).toEqual([0, 472, 944, 1416, 1888, 2360]);
    expect(tiles).toHaveLength(48);
    expect(tiles.every((t) => t.width === 640 && t.height === 640)).toBe(true);
  });

  it('when the grid is laid, then the first tile starts at 0 and the last ends exactly at the image edge on both axes', () => {
    expect(tiles[0]).toEqual({ x: 0, y: 0, width: 640, height: 640 });
    const last = tiles[tiles.length - 1]!;
    expect(last.x + last.width).toBe(4000);
    expect(last.y + last.height).toBe(3000);
  });

  it('when the grid is laid, then neighbours overlap by at least 20% of the tile and no tile leaves the image', () => {
    const xs = columns(tiles);
    const ys = rows(tiles);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 640 - xs[i]!).toBeGreaterThanOrEqual(128);
    for (let i = 1; i < ys.length; i++) expect(ys[i - 1]! + 640 - ys[i]!).toBeGreaterThanOrEqual(128);
    for (const t of tiles) {
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y).toBeGreaterThanOrEqual(0);
      expect(t.x + t.width).toBeLessThanOrEqual(4000);
      expect(t.y + t.height).toBeLessThanOrEqual(3000);
    }
  });

  it('when the step is fractional, then starts are rounded and the last one still ends at the edge', () => {
    // 2000 wide: 4 columns, (2000 − 640) / 3 = 453.33 apart.
    expect(columns(tileGrid(2000, 640, 640, 0.2))).toEqual([0, 453, 907, 1360]);
  });

  it('when the image width equals the tile size, then there is one column', () => {
    expect(tileGrid(640, 1000, 640, 0.2)).toEqual([
      { x: 0, y: 0, width: 640, height: 640 },
      { x: 0, y: 360, width: 640, height: 640 },
    ]);
  });

  it('when the image is one pixel wider than a tile, then there are two columns, the second ending at the edge', () => {
    expect(tileGrid(641, 640, 640, 0.2)).toEqual([
      { x: 0, y: 0, width: 640, height: 640 },
      { x: 1, y: 0, width: 640, height: 640 },
    ]);
  });

  it('when the overlap is 0 and the image is two tiles wide, then the tiles abut', () => {
    expect(columns(tileGrid(1280, 640, 640, 0))).toEqual([0, 640]);
  });

  it('when the image is smaller than a tile, then there is one tile of the image size', () => {
    expect(tileGrid(300, 200, 640, 0.2)).toEqual([{ x: 0, y: 0, width: 300, height: 200 }]);
  });

  it('when the image is narrower than a tile but taller, then tiles take the image width', () => {
    expect(tileGrid(300, 1000, 640, 0.2)).toEqual([
      { x: 0, y: 0, width: 300, height: 640 },
      { x: 0, y: 360, width: 300, height: 640 },
    ]);
  });
});

describe('planViews', () => {
  it('when not tiled, then there is one whole-frame view letterboxed into the input', () => {
    const views = planViews(4000, 3000, input, tiling, { tiled: false });
    expect(views).toHaveLength(1);
    expect(views[0]!.wholeFrame).toBe(true);
    expect(views[0]!.region).toEqual({ x: 0, y: 0, width: 4000, height: 3000 });
    // 4000×3000 × 0.16 = 640×480, 80 px above.
    expect(views[0]!.place.offsetY).toBe(80);
    expect([views[0]!.place.width, views[0]!.place.height]).toEqual([640, 480]);
  });

  it('when tiled on a big photo with the whole frame on, then there are the tiles, each unscaled, then the whole frame last', () => {
    const views = planViews(4000, 3000, input, tiling, { tiled: true });
    expect(views).toHaveLength(48 + 1);
    const tiles = views.slice(0, 48);
    expect(tiles.every((v) => !v.wholeFrame)).toBe(true);
    expect(
      tiles.every(
        (v) => v.place.offsetX === 0 && v.place.offsetY === 0 && v.place.width === 640 && v.place.height === 640,
      ),
    ).toBe(true);
    expect(tiles[47]!.region).toEqual({ x: 3360, y: 2360, width: 640, height: 640 });
    expect(views[48]!.wholeFrame).toBe(true);
    expect(views[48]!.region).toEqual({ x: 0, y: 0, width: 4000, height: 3000 });
  });

  it('when tiled with the whole frame turned off, then only the tiles are planned', () => {
    expect(planViews(4000, 3000, input, { ...tiling, fullFrame: false }, { tiled: true })).toHaveLength(48);
    expect(planViews(4000, 3000, input, tiling, { tiled: true, fullFrame: false })).toHaveLength(48);
  });

  it('when the options override the tile size, then larger tiles are planned and scaled down into the input', () => {
    const views = planViews(4000, 3000, input, { ...tiling, fullFrame: false }, { tiled: true, tileSize: 1280 });
    // Columns: ceil(2720 / 1024) + 1 = 4; rows: ceil(1720 / 1024) + 1 = 3.
    expect(views).toHaveLength(12);
    expect(views[0]!.region).toEqual({ x: 0, y: 0, width: 1280, height: 1280 });
    expect(views[0]!.place).toEqual({ offsetX: 0, offsetY: 0, width: 640, height: 640 });
  });

  it('when tiled on a photo no larger than a tile, then only the whole frame is planned', () => {
    const small = planViews(600, 400, input, tiling, { tiled: true });
    expect(small).toHaveLength(1);
    expect(small[0]!.wholeFrame).toBe(true);
    // 600×400 scaled by 640 / 600 is 640×427 (426.67 rounded), (640 − 427) / 2 − 0.1 rounds to 106.
    expect(small[0]!.place).toEqual({ offsetX: 0, offsetY: 106, width: 640, height: 427 });
    expect(planViews(640, 640, input, tiling, { tiled: true })).toHaveLength(1);
  });

  it('when a tile is shorter than the input, then it is letterboxed like the whole frame', () => {
    const views = planViews(641, 400, input, { ...tiling, fullFrame: false }, { tiled: true });
    expect(views.map((v) => v.region)).toEqual([
      { x: 0, y: 0, width: 640, height: 400 },
      { x: 1, y: 0, width: 640, height: 400 },
    ]);
    expect(views[0]!.place).toEqual({ offsetX: 0, offsetY: 120, width: 640, height: 400 });
  });
});

describe('tiles for a non-square model input', () => {
  const wide: ModelInput = { ...input, width: 640, height: 384 };

  it('when the model input is 640×384, then the tiles are 640×384 and go in unscaled, without padding', () => {
    const views = planViews(
      2000,
      1500,
      wide,
      { ...tiling, tileWidth: 640, tileHeight: 384, fullFrame: false },
      { tiled: true },
    );
    expect(views.length).toBeGreaterThan(1);
    for (const v of views) {
      expect([v.region.width, v.region.height]).toEqual([640, 384]);
      expect(v.place).toEqual({ offsetX: 0, offsetY: 0, width: 640, height: 384 });
    }
    expect(Math.max(...views.map((v) => v.region.y + v.region.height))).toBe(1500);
  });
});

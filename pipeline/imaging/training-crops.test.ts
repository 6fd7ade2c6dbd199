import { describe, expect, it } from 'vitest';
import { type PhotoBox, planCrops, windowAround, yoloText } from './training-crops.js';

const W = 5472;
const H = 3648;
const positive = (box: PhotoBox['box'], classIndex = 0, anchor = true): PhotoBox => ({
  box,
  kind: 'positive',
  classIndex,
  anchor,
});
const negative = (box: PhotoBox['box'], anchor = true): PhotoBox => ({ box, kind: 'negative', anchor });
const unknown = (box: PhotoBox['box']): PhotoBox => ({ box, kind: 'unknown', anchor: false });

describe('training crops from a reviewed photo', () => {
  it('when a confirmed box lies in the middle of a 20 MP photo, then one 1280 crop is centred on it with the box normalised to the crop', () => {
    const [crop, ...rest] = planCrops(W, H, [positive([2000, 1500, 2100, 1580], 4)], 1280);
    expect(rest).toHaveLength(0);
    expect(crop!.window).toEqual({ left: 1410, top: 900, width: 1280, height: 1280 });
    expect(crop!.scale).toBe(1);
    expect(crop!.labels).toHaveLength(1);
    const l = crop!.labels[0]!;
    expect(l.classIndex).toBe(4);
    expect(l.cx).toBeCloseTo((2050 - 1410) / 1280, 9);
    expect(l.cy).toBeCloseTo((1540 - 900) / 1280, 9);
    expect(l.w).toBeCloseTo(100 / 1280, 9);
    expect(l.h).toBeCloseTo(80 / 1280, 9);
    expect(yoloText(crop!.labels)).toBe('4 0.500000 0.500000 0.078125 0.062500\n');
  });

  it('when a box is near the photo corner, then the window moves inside the photo instead of being cut', () => {
    expect(windowAround([10, 3600, 60, 3640], W, H, 1280)).toEqual({
      left: 0,
      top: H - 1280,
      width: 1280,
      height: 1280,
    });
  });

  it('when the photo is smaller than the crop side, then the crop is the whole photo', () => {
    const [crop] = planCrops(1000, 750, [positive([100, 100, 200, 200])], 1280);
    expect(crop!.window).toEqual({ left: 0, top: 0, width: 1000, height: 750 });
  });

  it('when a box is larger than the crop side, then the window widens around it and the crop is scaled back to the side', () => {
    const [crop] = planCrops(W, H, [positive([1000, 500, 3000, 2000])], 1280);
    expect(crop!.window.width).toBe(2400);
    expect(crop!.scale).toBeCloseTo(1280 / 2400, 9);
    expect(crop!.labels[0]!.w).toBeCloseTo(2000 / 2400, 9);
  });

  it('when two anchors lie close together, then the second is held by the first crop and gets none of its own', () => {
    const crops = planCrops(W, H, [positive([2000, 1500, 2100, 1580], 0), positive([2300, 1700, 2400, 1800], 1)], 1280);
    expect(crops).toHaveLength(1);
    expect(crops[0]!.labels.map((l) => l.classIndex).sort()).toEqual([0, 1]);
    expect(crops[0]!.anchors).toEqual([0, 1]);
  });

  it('when a rejected false alarm has a crop of its own, then its label file is empty', () => {
    const crops = planCrops(W, H, [negative([400, 400, 500, 500]), positive([4000, 3000, 4100, 3100])], 1280);
    expect(crops).toHaveLength(2);
    const negativeCrop = crops.find((c) => c.anchors.includes(0))!;
    expect(negativeCrop.labels).toEqual([]);
    expect(yoloText(negativeCrop.labels)).toBe('');
  });

  it('when a confirmed box lies in a false alarm’s crop, then that crop carries the box, and no crop is cut for a false alarm a positive crop holds', () => {
    const withPositive = planCrops(
      W,
      H,
      [negative([400, 400, 500, 500]), positive([900, 900, 1000, 1000], 2, false)],
      1280,
    );
    expect(withPositive).toHaveLength(1);
    expect(withPositive[0]!.labels.map((l) => l.classIndex)).toEqual([2]);
    const held = planCrops(W, H, [positive([2000, 1500, 2100, 1580]), negative([2200, 1600, 2250, 1650])], 1280);
    expect(held).toHaveLength(1);
    expect(held[0]!.anchors).toEqual([0, 1]);
  });

  it('when an undecided detection lies in a crop, then it is greyed out, unless it touches a labelled box', () => {
    const [crop] = planCrops(
      W,
      H,
      [positive([2000, 1500, 2100, 1580]), unknown([1500, 1000, 1600, 1100.5]), unknown([2090, 1570, 2150, 1620])],
      1280,
    );
    expect(crop!.masks).toEqual([{ left: 90, top: 100, width: 100, height: 101 }]);
  });

  it('when a positive is mostly cut off by the crop edge, then it is greyed out instead of labelled as a sliver', () => {
    const crops = planCrops(
      W,
      H,
      [positive([2000, 1500, 2100, 1580], 0), positive([2680, 1500, 2780, 1580], 1, false)],
      1280,
    );
    expect(crops[0]!.window.left + crops[0]!.window.width).toBe(2690);
    expect(crops[0]!.labels.map((l) => l.classIndex)).toEqual([0]);
    expect(crops[0]!.masks).toEqual([{ left: 1270, top: 600, width: 10, height: 80 }]);
  });

  it('when a reviewer marked a miss on a box the model also found, then the object is labelled once', () => {
    const [crop] = planCrops(
      W,
      H,
      [positive([2000, 1500, 2100, 1580], 3, false), positive([2002, 1502, 2101, 1581], 3, true)],
      1280,
    );
    expect(crop!.labels).toHaveLength(1);
  });

  it('when no box was decided in the window, then no crop is cut', () => {
    expect(planCrops(W, H, [positive([2000, 1500, 2100, 1580], 0, false), unknown([10, 10, 20, 20])], 1280)).toEqual(
      [],
    );
  });
});

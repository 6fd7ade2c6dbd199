import { describe, expect, it } from 'vitest';
import { cropWindow } from './crop.js';

describe('crop window', () => {
  it('when the box is small, then the window is the minimum side, centred on it', () => {
    expect(cropWindow([1000, 1000, 1020, 1010], 4000, 3000)).toEqual({ left: 882, top: 877, width: 256, height: 256 });
  });

  it('when the box is large, then the window is the context factor times it', () => {
    const w = cropWindow([1000, 1000, 1400, 1200], 4000, 3000, 2);
    expect(w).toEqual({ left: 800, top: 900, width: 800, height: 400 });
  });

  it('when the box is at an edge, then the window moves inside the photo instead of being cut', () => {
    const w = cropWindow([0, 2950, 30, 3000], 4000, 3000);
    expect(w.left).toBe(0);
    expect(w.top + w.height).toBe(3000);
    expect(w.width).toBe(256);
  });

  it('when the photo is smaller than the window, then the window is the whole photo', () => {
    expect(cropWindow([10, 10, 50, 50], 200, 100)).toEqual({ left: 0, top: 0, width: 200, height: 100 });
  });
});

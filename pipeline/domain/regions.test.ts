import { describe, expect, it } from 'vitest';
import { regionExtent, withinExtent } from './regions.js';

describe('region extents', () => {
  const cases: Array<[string, string, number, number, boolean | undefined]> = [
    ['a Zhengzhou photo in the Zhengzhou city region', '4101', 34.812, 113.773, true],
    ['a Zhengzhou photo in a Henan county region', '410105', 34.812, 113.773, true],
    ['a Zhengzhou photo in the Shanghai region', '31', 34.812, 113.773, false],
    ['a camera without a fix (0, 0) in the whole country', '', 0, 0, false],
    ['latitude and longitude swapped', '41', 113.773, 34.812, false],
    ['Urumqi in the whole country', '', 43.825, 87.617, true],
    ['just over the Henan box, within the margin', '41', 36.5, 114.0, true],
    ['well over the Henan box', '41', 37.0, 114.0, false],
    ['a region code whose province is unknown', '99', 34.812, 113.773, undefined],
  ];
  it.each(cases)('when %s, then within is %s', (_what, code, lat, lon, within) => {
    const extent = regionExtent(code);
    expect(extent === undefined ? undefined : withinExtent(extent, lat, lon)).toBe(within);
  });

  it('when every province box is looked at, then each is a real box inside the country', () => {
    const china = regionExtent('')!;
    for (const code of ['11', '15', '31', '41', '46', '54', '65', '82']) {
      const p = regionExtent(code)!;
      expect(p.minLat).toBeLessThan(p.maxLat);
      expect(p.minLon).toBeLessThan(p.maxLon);
      expect(p.minLat).toBeGreaterThanOrEqual(china.minLat);
      expect(p.maxLon).toBeLessThanOrEqual(china.maxLon);
    }
  });
});

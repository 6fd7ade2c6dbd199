/**
 * Where a bureau's region lies, coarsely: the bounding box of each province-level division of
 * GB/T 2260 (WGS-84, rounded outward). Enough to catch a photo flown in another province, a camera
 * whose GPS had no fix (0, 0) or latitude and longitude swapped; not a boundary test. A city or
 * county region is checked against its province, since the project keeps no outlines of those.
 */

export interface Extent {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

interface Province extends Extent {
  name: string;
}

const box = (name: string, minLat: number, maxLat: number, minLon: number, maxLon: number): Province => ({
  name,
  minLat,
  maxLat,
  minLon,
  maxLon,
});

/** Keyed by the first two digits of the code. Hainan includes its South China Sea islands (Sansha). */
const PROVINCES: Readonly<Record<string, Province>> = {
  '11': box('Beijing', 39.4, 41.1, 115.4, 117.5),
  '12': box('Tianjin', 38.5, 40.3, 116.7, 118.1),
  '13': box('Hebei', 36.0, 42.7, 113.4, 119.9),
  '14': box('Shanxi', 34.5, 40.8, 110.2, 114.6),
  '15': box('Inner Mongolia', 37.4, 53.4, 97.1, 126.1),
  '21': box('Liaoning', 38.7, 43.5, 118.8, 125.8),
  '22': box('Jilin', 40.8, 46.3, 121.6, 131.4),
  '23': box('Heilongjiang', 43.4, 53.6, 121.1, 135.1),
  '31': box('Shanghai', 30.6, 31.9, 120.8, 122.2),
  '32': box('Jiangsu', 30.7, 35.2, 116.3, 122.0),
  '33': box('Zhejiang', 27.0, 31.2, 118.0, 123.2),
  '34': box('Anhui', 29.4, 34.7, 114.8, 119.7),
  '35': box('Fujian', 23.5, 28.4, 115.8, 120.8),
  '36': box('Jiangxi', 24.4, 30.1, 113.5, 118.5),
  '37': box('Shandong', 34.3, 38.5, 114.7, 122.8),
  '41': box('Henan', 31.3, 36.4, 110.3, 116.7),
  '42': box('Hubei', 29.0, 33.3, 108.3, 116.2),
  '43': box('Hunan', 24.6, 30.2, 108.7, 114.3),
  '44': box('Guangdong', 20.1, 25.6, 109.6, 117.4),
  '45': box('Guangxi', 20.9, 26.4, 104.4, 112.1),
  '46': box('Hainan', 3.5, 20.2, 108.3, 117.9),
  '50': box('Chongqing', 28.1, 32.3, 105.2, 110.2),
  '51': box('Sichuan', 26.0, 34.4, 97.3, 108.6),
  '52': box('Guizhou', 24.6, 29.3, 103.6, 109.6),
  '53': box('Yunnan', 21.1, 29.3, 97.5, 106.2),
  '54': box('Tibet', 26.8, 36.5, 78.3, 99.2),
  '61': box('Shaanxi', 31.7, 39.6, 105.4, 111.3),
  '62': box('Gansu', 32.3, 42.8, 92.2, 108.8),
  '63': box('Qinghai', 31.6, 39.3, 89.4, 103.1),
  '64': box('Ningxia', 35.2, 39.4, 104.2, 107.7),
  '65': box('Xinjiang', 34.3, 49.2, 73.4, 96.4),
  '71': box('Taiwan', 21.8, 26.4, 118.1, 122.1),
  '81': box('Hong Kong', 22.1, 22.6, 113.8, 114.5),
  '82': box('Macao', 22.1, 22.3, 113.5, 113.7),
};

const CHINA: Province = box('China', 3.5, 53.6, 73.4, 135.1);

/** Tolerance around each box, in degrees (about 20 km): the boxes are rounded, GPS drifts. */
const MARGIN_DEG = 0.2;

/**
 * The area a region code (GB/T 2260 code or prefix; '' is the whole country) is checked against,
 * or undefined for a code whose province is unknown (then nothing is checked).
 */
export function regionExtent(regionCode: string): (Extent & { name: string }) | undefined {
  if (regionCode === '') return CHINA;
  return PROVINCES[regionCode.slice(0, 2)];
}

export function withinExtent(extent: Extent, lat: number, lon: number): boolean {
  return (
    lat >= extent.minLat - MARGIN_DEG &&
    lat <= extent.maxLat + MARGIN_DEG &&
    lon >= extent.minLon - MARGIN_DEG &&
    lon <= extent.maxLon + MARGIN_DEG
  );
}

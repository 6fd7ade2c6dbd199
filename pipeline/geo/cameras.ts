/**
 * Camera intrinsics for projecting drone photos: a table of common DJI cameras (sensor size as DJI
 * publishes it), falling back to the 35 mm equivalent focal length, which fixes the field of view
 * over the image diagonal. Pure.
 */
import type { CaptureRecord } from './capture.js';

interface SensorSpec {
  /** Width and height of the full sensor in mm, landscape. */
  widthMm: number;
  heightMm: number;
  name: string;
}

/** Keyed by EXIF Model. Sensor sizes from DJI's specifications. */
const DJI_SENSORS: Readonly<Record<string, SensorSpec>> = {
  FC300X: { widthMm: 6.17, heightMm: 4.55, name: 'Phantom 3 Professional/Advanced (1/2.3")' },
  FC300S: { widthMm: 6.17, heightMm: 4.55, name: 'Phantom 3 Advanced (1/2.3")' },
  FC300C: { widthMm: 6.17, heightMm: 4.55, name: 'Phantom 3 Standard (1/2.3")' },
  FC330: { widthMm: 6.17, heightMm: 4.55, name: 'Phantom 4 (1/2.3")' },
  FC350: { widthMm: 6.17, heightMm: 4.55, name: 'Zenmuse X3 (1/2.3")' },
  FC220: { widthMm: 6.17, heightMm: 4.55, name: 'Mavic Pro (1/2.3")' },
  FC6310: { widthMm: 13.2, heightMm: 8.8, name: 'Phantom 4 Pro (1")' },
  FC6310S: { widthMm: 13.2, heightMm: 8.8, name: 'Phantom 4 Pro V2 (1")' },
  FC6310R: { widthMm: 13.2, heightMm: 8.8, name: 'Phantom 4 RTK (1")' },
  'L1D-20c': { widthMm: 13.2, heightMm: 8.8, name: 'Mavic 2 Pro (1")' },
  FC3170: { widthMm: 6.4, heightMm: 4.8, name: 'Mavic Air 2 (1/2")' },
  FC3411: { widthMm: 13.2, heightMm: 8.8, name: 'Air 2S (1")' },
  M3E: { widthMm: 17.3, heightMm: 13.0, name: 'Mavic 3 Enterprise wide (4/3")' },
  M3T: { widthMm: 6.4, heightMm: 4.8, name: 'Mavic 3 Thermal wide (1/2")' },
  ZH20T: { widthMm: 6.17, heightMm: 4.55, name: 'Zenmuse H20T wide (1/2.3")' },
  ZENMUSEP1: { widthMm: 35.9, heightMm: 24.0, name: 'Zenmuse P1 (full frame)' },
};

const FULL_FRAME_DIAGONAL_MM = Math.hypot(36, 24);

export interface Intrinsics {
  /** Focal length in pixels of this image. */
  focalPx: number;
  width: number;
  height: number;
  /** How the focal length in pixels was found. */
  source: 'calibrated' | 'sensor-table' | 'equivalent-35mm';
}

/**
 * Focal length in pixels for an image of `width`×`height` (upright pixels). A photo whose aspect
 * differs from the sensor's is a crop of it: 16:9 from a 4:3 sensor keeps the full width, 4:3 from
 * a 3:2 sensor the full height; the side that spans the sensor sets the scale.
 */
export function intrinsicsFor(capture: CaptureRecord, width: number, height: number): Intrinsics | { reason: string } {
  const long = Math.max(width, height);
  const sensor = capture.model ? DJI_SENSORS[capture.model] : undefined;
  if (capture.calibratedFocalLengthPx && capture.exifWidth) {
    // Calibrated for the sensor's full-resolution image; scale to these pixels.
    const calibratedLong = Math.max(capture.exifWidth, capture.exifHeight ?? 0);
    return { focalPx: (capture.calibratedFocalLengthPx * long) / calibratedLong, width, height, source: 'calibrated' };
  }
  if (sensor && capture.focalLengthMm) {
    const short = Math.min(width, height);
    const pixelsPerMm = Math.max(long / sensor.widthMm, short / sensor.heightMm);
    return { focalPx: capture.focalLengthMm * pixelsPerMm, width, height, source: 'sensor-table' };
  }
  if (capture.focalLength35mm) {
    // The 35 mm equivalent matches the diagonal field of view of the sensor's native 4:3 frame.
    const nativeDiagonalPx = Math.hypot(long, (long * 3) / 4);
    return {
      focalPx: (capture.focalLength35mm * nativeDiagonalPx) / FULL_FRAME_DIAGONAL_MM,
      width,
      height,
      source: 'equivalent-35mm',
    };
  }
  return {
    reason: `no focal length: camera ${capture.model ?? 'unknown'} is not in the sensor table and the photo gives no 35 mm equivalent`,
  };
}

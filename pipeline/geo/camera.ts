import type { EastNorth } from './wgs84.js';

/** A pinhole camera described the way drone makers publish it. */
export interface CameraSpec {
  readonly make: string;
  readonly model: string;
  readonly sensorWidthMm: number;
  readonly sensorHeightMm: number;
  readonly focalLengthMm: number;
  /** 35 mm equivalent focal length as the maker states it (EXIF FocalLengthIn35mmFilm). */
  readonly focalLength35mm: number;
}

/** DJI Mavic 3 Enterprise, wide camera (4/3" sensor). */
export const MAVIC_3E_WIDE: CameraSpec = {
  make: 'DJI',
  model: 'M3E',
  sensorWidthMm: 17.3,
  sensorHeightMm: 13.0,
  focalLengthMm: 12.29,
  focalLength35mm: 24,
};

/**
 * A camera pointing straight down (gimbal pitch -90°) from a known height above flat ground.
 * Image x grows to the right, y downwards; the top edge of the image faces the yaw direction
 * (compass degrees, clockwise from north), as on DJI aircraft flying a mapping mission.
 */
export class NadirView {
  /** Ground sample distance in metres per pixel. */
  readonly gsd: number;
  private readonly forward: EastNorth;
  private readonly right: EastNorth;

  constructor(
    readonly camera: CameraSpec,
    readonly imageWidth: number,
    readonly imageHeight: number,
    readonly centre: EastNorth,
    readonly heightAboveGroundM: number,
    readonly yawDeg: number,
  ) {
    const pixelPitchMm = camera.sensorWidthMm / imageWidth;
    this.gsd = (heightAboveGroundM * pixelPitchMm) / camera.focalLengthMm;
    const yaw = (yawDeg * Math.PI) / 180;
    this.forward = { east: Math.sin(yaw), north: Math.cos(yaw) };
    this.right = { east: Math.cos(yaw), north: -Math.sin(yaw) };
  }

  pixelToGround(x: number, y: number): EastNorth {
    const dx = (x - this.imageWidth / 2) * this.gsd;
    const dy = (this.imageHeight / 2 - y) * this.gsd;
    return {
      east: this.centre.east + dx * this.right.east + dy * this.forward.east,
      north: this.centre.north + dx * this.right.north + dy * this.forward.north,
    };
  }

  groundToPixel(point: EastNorth): { x: number; y: number } {
    const de = point.east - this.centre.east;
    const dn = point.north - this.centre.north;
    const alongRight = de * this.right.east + dn * this.right.north;
    const alongForward = de * this.forward.east + dn * this.forward.north;
    return {
      x: this.imageWidth / 2 + alongRight / this.gsd,
      y: this.imageHeight / 2 - alongForward / this.gsd,
    };
  }

  /** Ground footprint, corners in image order: top-left, top-right, bottom-right, bottom-left. */
  footprint(): EastNorth[] {
    const w = this.imageWidth;
    const h = this.imageHeight;
    return [this.pixelToGround(0, 0), this.pixelToGround(w, 0), this.pixelToGround(w, h), this.pixelToGround(0, h)];
  }
}

/**
 * Photos onto the ground: a pinhole camera at a known position, height above take-off and
 * attitude, looking at flat ground at take-off elevation. Rays that do not meet the ground (at or
 * above the horizon, or beyond a sane range) give no point: nothing is invented. Pure.
 */
import { type PlacedDetection, withinFlightErrorM } from '../domain/findings.js';
import type { CaptureRecord } from './capture.js';
import { type Intrinsics, intrinsicsFor } from './cameras.js';
import { type EastNorth, type LatLon, LocalTangentPlane } from './wgs84.js';

const DEG = Math.PI / 180;

export interface CameraPose {
  position: LatLon;
  /** Height of the camera above the ground it looks at (take-off elevation). */
  heightM: number;
  /** Compass heading of the optical axis, clockwise from north. */
  yawDeg: number;
  /** 0 looks at the horizon, -90 straight down. */
  pitchDeg: number;
  rollDeg: number;
  /** Horizontal position error (1 sigma), from the GNSS fix. */
  positionSigmaM: number;
}

interface PoseOptions {
  /** Take-off elevation on the GPS altitude's datum, when the operator knows it. */
  takeOffElevationM?: number;
}

/** RTK fixed (DJI RtkFlag 50) is centimetre-level; a plain GNSS fix is metres. */
const POSITION_SIGMA_RTK_M = 0.05;
const POSITION_SIGMA_GNSS_M = 1.5;
/** Barometric height above take-off drifts by about half a metre over a flight. */
const HEIGHT_SIGMA_M = 0.5;
/** Gimbal heading and tilt as DJI reports them: about a degree and half a degree. */
const YAW_SIGMA_DEG = 1;
const TILT_SIGMA_DEG = 0.5;
/** Rays meeting the ground farther than this many heights away are treated as the horizon. */
const MAX_RANGE_HEIGHTS = 20;

export function poseFrom(capture: CaptureRecord, options: PoseOptions = {}): CameraPose | { reason: string } {
  if (capture.latitude === undefined || capture.longitude === undefined)
    return { reason: 'no GPS position in the photo' };
  // Boxes are in upright pixels; a photo turned by its EXIF orientation would need them turned back
  // to the sensor's frame first. Drone cameras write 1; anything else is refused, not misplaced.
  if (capture.orientation !== undefined && capture.orientation !== 1)
    return {
      reason: `EXIF orientation ${capture.orientation}: photos turned by their orientation tag are not placed on the ground`,
    };
  let heightM = capture.relativeAltitudeM;
  if (heightM === undefined) {
    if (capture.gpsAltitudeM !== undefined && options.takeOffElevationM !== undefined)
      heightM = capture.gpsAltitudeM - options.takeOffElevationM;
    else {
      return {
        reason:
          capture.gpsAltitudeM === undefined
            ? 'no height: the photo has neither DJI RelativeAltitude nor a GPS altitude'
            : `no height above take-off: the photo has no DJI RelativeAltitude, and its GPS altitude (${capture.gpsAltitudeM} m) is on a datum whose take-off elevation is unknown; give the flight's take-off elevation`,
      };
    }
  }
  if (!(heightM > 0.5))
    return {
      reason: `height above take-off is ${heightM} m: the camera is not above the ground it would project onto`,
    };
  const yawDeg = capture.gimbalYawDeg ?? capture.flightYawDeg;
  if (yawDeg === undefined) return { reason: 'no heading: neither gimbal nor aircraft yaw is recorded' };
  if (capture.gimbalPitchDeg === undefined) return { reason: 'no gimbal pitch: cannot tell where the camera looks' };
  return {
    position: { lat: capture.latitude, lon: capture.longitude },
    heightM,
    yawDeg,
    pitchDeg: capture.gimbalPitchDeg,
    rollDeg: capture.gimbalRollDeg ?? 0,
    positionSigmaM: capture.rtkFlag === 50 ? POSITION_SIGMA_RTK_M : POSITION_SIGMA_GNSS_M,
  };
}

type Vec = [number, number, number];
const add = (a: Vec, b: Vec, s = 1): Vec => [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s];
const scale = (a: Vec, s: number): Vec => [a[0] * s, a[1] * s, a[2] * s];
const cross = (a: Vec, b: Vec): Vec => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

interface GroundPoint extends EastNorth {
  /** Horizontal distance from the point below the camera. */
  distanceM: number;
  /** Length of the ray from the camera. */
  rangeM: number;
}

interface GeoPoint extends LatLon {
  /** Horizontal error, 1 sigma, metres. */
  errorM: number;
}

export class GroundProjector {
  readonly plane: LocalTangentPlane;
  private readonly forward: Vec;
  private readonly right: Vec;
  private readonly down: Vec;

  constructor(
    readonly pose: CameraPose,
    readonly intrinsics: Intrinsics,
  ) {
    this.plane = new LocalTangentPlane(pose.position);
    const yaw = pose.yawDeg * DEG;
    const pitch = pose.pitchDeg * DEG;
    const roll = pose.rollDeg * DEG;
    // East-north-up. Image right is horizontal; image down completes the frame (forward × right).
    const forward: Vec = [Math.sin(yaw) * Math.cos(pitch), Math.cos(yaw) * Math.cos(pitch), Math.sin(pitch)];
    const right0: Vec = [Math.cos(yaw), -Math.sin(yaw), 0];
    const down0 = cross(forward, right0);
    // Positive roll lowers the right side of the image (as aircraft and DJI gimbals count it).
    this.right = add(scale(right0, Math.cos(roll)), down0, Math.sin(roll));
    this.down = add(scale(down0, Math.cos(roll)), right0, -Math.sin(roll));
    this.forward = forward;
  }

  /** Where the ray through pixel (x, y) meets the ground, east/north of the camera; undefined above the horizon. */
  pixelToGround(x: number, y: number): GroundPoint | undefined {
    const { focalPx, width, height } = this.intrinsics;
    const ray = add(add(this.forward, this.right, (x - width / 2) / focalPx), this.down, (y - height / 2) / focalPx);
    if (!(ray[2] < 0)) return undefined;
    const t = this.pose.heightM / -ray[2];
    const east = ray[0] * t;
    const north = ray[1] * t;
    const distanceM = Math.hypot(east, north);
    if (distanceM > MAX_RANGE_HEIGHTS * this.pose.heightM) return undefined;
    return { east, north, distanceM, rangeM: t * Math.hypot(...ray) };
  }

  /**
   * A pixel as a WGS-84 point with its error: GNSS position, plus height error scaled by the
   * distance, plus heading error across it, plus tilt error growing with the slant range.
   */
  pixelToGeo(x: number, y: number): GeoPoint | undefined {
    const g = this.pixelToGround(x, y);
    if (!g) return undefined;
    const h = this.pose.heightM;
    const fromHeight = (g.distanceM * HEIGHT_SIGMA_M) / h;
    const fromYaw = g.distanceM * YAW_SIGMA_DEG * DEG;
    const fromTilt = ((g.rangeM * g.rangeM) / h) * TILT_SIGMA_DEG * DEG;
    const errorM = Math.hypot(this.pose.positionSigmaM, fromHeight, fromYaw, fromTilt);
    return { ...this.plane.toLatLon(g), errorM };
  }

  /**
   * The ground point of a detection box: the bottom centre for things standing on the ground seen
   * at an angle (their foot is where they are), the centre otherwise.
   */
  boxToGeo(box: { x1: number; y1: number; x2: number; y2: number }, standing: boolean): GeoPoint | undefined {
    const oblique = this.pose.pitchDeg > -70;
    return this.pixelToGeo((box.x1 + box.x2) / 2, standing && oblique ? box.y2 : (box.y1 + box.y2) / 2);
  }

  /** The ground under a box, as far as its corners reach the ground (ring, first point repeated). */
  boxToGroundPolygon(box: { x1: number; y1: number; x2: number; y2: number }): LatLon[] | undefined {
    return this.ring([
      [box.x1, box.y1],
      [box.x2, box.y1],
      [box.x2, box.y2],
      [box.x1, box.y2],
    ]);
  }

  /**
   * The photo's ground footprint: the image border sampled, each point projected, those above the
   * horizon left out; undefined when fewer than three reach the ground.
   */
  footprint(samplesPerEdge = 8): LatLon[] | undefined {
    const { width: w, height: h } = this.intrinsics;
    const border: Array<[number, number]> = [];
    for (let i = 0; i < samplesPerEdge; i++) border.push([(w * i) / samplesPerEdge, 0]);
    for (let i = 0; i < samplesPerEdge; i++) border.push([w, (h * i) / samplesPerEdge]);
    for (let i = 0; i < samplesPerEdge; i++) border.push([w - (w * i) / samplesPerEdge, h]);
    for (let i = 0; i < samplesPerEdge; i++) border.push([0, h - (h * i) / samplesPerEdge]);
    return this.ring(border);
  }

  private ring(pixels: Array<[number, number]>): LatLon[] | undefined {
    const ground = pixels.map(([x, y]) => this.pixelToGround(x, y)).filter((g): g is GroundPoint => g !== undefined);
    if (ground.length < 3) return undefined;
    const ring = ground.map((g) => this.plane.toLatLon(g));
    return [...ring, ring[0]!];
  }
}

/** From a capture record to a projector, or the reason there can be none. */
export function projectorFor(
  capture: CaptureRecord,
  width: number,
  height: number,
  options: PoseOptions = {},
): GroundProjector | { reason: string } {
  const pose = poseFrom(capture, options);
  if ('reason' in pose) return pose;
  const intrinsics = intrinsicsFor(capture, width, height);
  if ('reason' in intrinsics) return intrinsics;
  return new GroundProjector(pose, intrinsics);
}

/** Area of a small WGS-84 ring in square metres (shoelace on the local tangent plane). */
export function ringAreaM2(ring: readonly LatLon[]): number {
  if (ring.length < 4) return 0;
  const plane = new LocalTangentPlane(ring[0]!);
  const pts = ring.map((p) => plane.toEastNorth(p));
  let twice = 0;
  for (let i = 0; i + 1 < pts.length; i++) twice += pts[i]!.east * pts[i + 1]!.north - pts[i + 1]!.east * pts[i]!.north;
  return Math.abs(twice) / 2;
}

/**
 * A detection box placed on a flight's plane for merging: its ground point, its error within the
 * flight, its ground extent, and what makes it a better or worse view (distance from the photo
 * centre, ground resolution). A standing object seen at an angle may reach above the horizon: its
 * extent is then its ground point and error rather than a box it does not have on the ground.
 */
export function placeBox(
  projector: GroundProjector,
  box: { x1: number; y1: number; x2: number; y2: number },
  ground: GeoPoint,
  plane: LocalTangentPlane,
): Pick<PlacedDetection, 'east' | 'north' | 'errorM' | 'extent' | 'offCentre' | 'gsdM'> {
  const { width, height, focalPx } = projector.intrinsics;
  const at = plane.toEastNorth(ground);
  // Corner offsets are relative to the camera; shift them into the flight's plane.
  const camera = plane.toEastNorth(projector.pose.position);
  const corners = [
    projector.pixelToGround(box.x1, box.y1),
    projector.pixelToGround(box.x2, box.y1),
    projector.pixelToGround(box.x2, box.y2),
    projector.pixelToGround(box.x1, box.y2),
  ];
  const reach = Math.max(0.5, ground.errorM);
  const onGround = corners.every((c) => c !== undefined);
  const es = onGround ? corners.map((c) => c.east + camera.east) : [at.east - reach, at.east + reach];
  const ns = onGround ? corners.map((c) => c.north + camera.north) : [at.north - reach, at.north + reach];
  return {
    east: at.east,
    north: at.north,
    errorM: withinFlightErrorM(ground.errorM, projector.pose.positionSigmaM),
    extent: {
      minEast: Math.min(...es),
      minNorth: Math.min(...ns),
      maxEast: Math.max(...es),
      maxNorth: Math.max(...ns),
    },
    offCentre:
      Math.hypot((box.x1 + box.x2) / 2 - width / 2, (box.y1 + box.y2) / 2 - height / 2) /
      Math.hypot(width / 2, height / 2),
    gsdM: projector.pose.heightM / focalPx,
  };
}

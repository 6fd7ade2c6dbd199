import type { EastNorth } from '../../pipeline/geo/wgs84.js';
import { Rng } from './random.js';

export type Rgb = readonly [number, number, number];

/** Colour and coverage (0..1) a shader returns for one ground point. */
export interface Fragment {
  r: number;
  g: number;
  b: number;
  a: number;
}

/**
 * Called once per covered pixel. `e`, `n` are the pixel centre in metres; `out` is reused between
 * calls to keep the hot loop free of allocations.
 */
type Shader = (e: number, n: number, out: Fragment) => void;

const NOISE_SIZE = 1024;
const NOISE_MASK = NOISE_SIZE - 1;

/** Tileable fractal value noise in [-1, 1], sampled by pixel index. */
export class NoiseTexture {
  private readonly values: Float32Array;

  constructor(rng: Rng) {
    this.values = new Float32Array(NOISE_SIZE * NOISE_SIZE);
    let amplitude = 1;
    let total = 0;
    for (let cell = 4; cell <= 256; cell *= 2) {
      const grid = NOISE_SIZE / cell;
      const lattice = new Float32Array(grid * grid);
      for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next() * 2 - 1;
      for (let y = 0; y < NOISE_SIZE; y++) {
        const gy = y / cell;
        const y0 = Math.floor(gy);
        const ty = smooth(gy - y0);
        const r0 = (y0 % grid) * grid;
        const r1 = ((y0 + 1) % grid) * grid;
        for (let x = 0; x < NOISE_SIZE; x++) {
          const gx = x / cell;
          const x0 = Math.floor(gx);
          const tx = smooth(gx - x0);
          const c0 = x0 % grid;
          const c1 = (x0 + 1) % grid;
          const top = lattice[r0 + c0]! + (lattice[r0 + c1]! - lattice[r0 + c0]!) * tx;
          const bottom = lattice[r1 + c0]! + (lattice[r1 + c1]! - lattice[r1 + c0]!) * tx;
          this.values[y * NOISE_SIZE + x]! += (top + (bottom - top) * ty) * amplitude;
        }
      }
      total += amplitude;
      amplitude *= 1.6;
    }
    for (let i = 0; i < this.values.length; i++) this.values[i]! /= total;
  }

  at(x: number, y: number): number {
    return this.values[((y | 0) & NOISE_MASK) * NOISE_SIZE + ((x | 0) & NOISE_MASK)]!;
  }
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * An orthographic image of the ground, north up, at a fixed resolution. The site is painted here
 * once; each photo is then resampled from it through the camera model.
 */
export class WorldRaster {
  readonly pixels: Uint8ClampedArray;
  private readonly fragment: Fragment = { r: 0, g: 0, b: 0, a: 0 };

  constructor(
    readonly width: number,
    readonly height: number,
    /** World coordinates of the top-left corner of pixel (0, 0). */
    readonly west: number,
    readonly north: number,
    readonly metresPerPixel: number,
    readonly noise: NoiseTexture,
  ) {
    this.pixels = new Uint8ClampedArray(width * height * 3);
  }

  /** Noise in [-1, 1] at a ground point, at a feature size of roughly `scaleM` metres. */
  noiseAt(e: number, n: number, scaleM: number): number {
    const k = 16 / scaleM;
    return this.noise.at(e * k + 4096, n * k + 4096);
  }

  /** The same as `noiseAt` with the scale factor precomputed, for per-pixel hot loops. */
  noiseScaled(e: number, n: number, k: number): number {
    return this.noise.at(e * k + 4096, n * k + 4096);
  }

  /**
   * Paint every pixel. Kept separate from `fillPolygon` so this call site sees only the ground
   * shader and V8 can inline it: the ground is most of the raster's pixels.
   */
  fillAll(shader: Shader): void {
    const res = this.metresPerPixel;
    const out = this.fragment;
    const px = this.pixels;
    for (let row = 0; row < this.height; row++) {
      const n = this.north - (row + 0.5) * res;
      let idx = row * this.width * 3;
      for (let col = 0; col < this.width; col++, idx += 3) {
        shader(this.west + (col + 0.5) * res, n, out);
        px[idx] = out.r;
        px[idx + 1] = out.g;
        px[idx + 2] = out.b;
      }
    }
  }

  /** Paint every pixel whose centre lies inside the polygon (even-odd rule). */
  fillPolygon(polygon: readonly EastNorth[], shader: Shader): void {
    if (polygon.length < 3) return;
    const res = this.metresPerPixel;
    let minN = Infinity;
    let maxN = -Infinity;
    for (const p of polygon) {
      minN = Math.min(minN, p.north);
      maxN = Math.max(maxN, p.north);
    }
    const rowStart = Math.max(0, Math.floor((this.north - maxN) / res));
    const rowEnd = Math.min(this.height - 1, Math.ceil((this.north - minN) / res));
    const crossings: number[] = [];
    for (let row = rowStart; row <= rowEnd; row++) {
      const n = this.north - (row + 0.5) * res;
      crossings.length = 0;
      for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
        const a = polygon[i]!;
        const b = polygon[j]!;
        if (a.north > n !== b.north > n) {
          crossings.push(a.east + ((n - a.north) / (b.north - a.north)) * (b.east - a.east));
        }
      }
      crossings.sort((x, y) => x - y);
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        const colStart = Math.max(0, Math.ceil((crossings[k]! - this.west) / res - 0.5));
        const colEnd = Math.min(this.width - 1, Math.floor((crossings[k + 1]! - this.west) / res - 0.5));
        this.shadeSpan(row, colStart, colEnd, n, shader);
      }
    }
  }

  /** Paint a disc; the shader sees every pixel within the radius plus one pixel of soft edge. */
  fillDisc(centre: EastNorth, radius: number, shader: Shader): void {
    const res = this.metresPerPixel;
    const rowStart = Math.max(0, Math.floor((this.north - centre.north - radius) / res));
    const rowEnd = Math.min(this.height - 1, Math.ceil((this.north - centre.north + radius) / res));
    for (let row = rowStart; row <= rowEnd; row++) {
      const n = this.north - (row + 0.5) * res;
      const dn = n - centre.north;
      const half = radius * radius - dn * dn;
      if (half < 0) continue;
      const span = Math.sqrt(half);
      const colStart = Math.max(0, Math.ceil((centre.east - span - this.west) / res - 0.5));
      const colEnd = Math.min(this.width - 1, Math.floor((centre.east + span - this.west) / res - 0.5));
      this.shadeSpan(row, colStart, colEnd, n, shader);
    }
  }

  private shadeSpan(row: number, colStart: number, colEnd: number, n: number, shader: Shader): void {
    const res = this.metresPerPixel;
    const out = this.fragment;
    const px = this.pixels;
    for (let col = colStart; col <= colEnd; col++) {
      const e = this.west + (col + 0.5) * res;
      out.a = 1;
      shader(e, n, out);
      if (out.a <= 0) continue;
      const idx = (row * this.width + col) * 3;
      if (out.a >= 1) {
        px[idx] = out.r;
        px[idx + 1] = out.g;
        px[idx + 2] = out.b;
      } else {
        const a = out.a;
        px[idx] = px[idx]! + (out.r - px[idx]!) * a;
        px[idx + 1] = px[idx + 1]! + (out.g - px[idx + 1]!) * a;
        px[idx + 2] = px[idx + 2]! + (out.b - px[idx + 2]!) * a;
      }
    }
  }

  /** Darken what is already painted (shadows), `strength` 0..1. */
  darkenPolygon(polygon: readonly EastNorth[], strength: number, tint: Rgb = [0.92, 0.96, 1.08]): void {
    const px = this.pixels;
    const width = this.width;
    const res = this.metresPerPixel;
    const west = this.west;
    const north = this.north;
    const keep = 1 - strength;
    this.fillPolygon(polygon, (e, n, out) => {
      const col = Math.round((e - west) / res - 0.5);
      const row = Math.round((north - n) / res - 0.5);
      const idx = (row * width + col) * 3;
      out.r = px[idx]! * keep * tint[0];
      out.g = px[idx + 1]! * keep * tint[1];
      out.b = px[idx + 2]! * keep * tint[2];
      out.a = 1;
    });
  }
}

/** A rectangle of `length` × `width` metres centred on `centre`, its length along `angleDeg` (compass). */
export function orientedRect(centre: EastNorth, length: number, width: number, angleDeg: number): EastNorth[] {
  const a = (angleDeg * Math.PI) / 180;
  const along = { east: Math.sin(a), north: Math.cos(a) };
  const across = { east: Math.cos(a), north: -Math.sin(a) };
  const hl = length / 2;
  const hw = width / 2;
  const corner = (sl: number, sw: number): EastNorth => ({
    east: centre.east + along.east * hl * sl + across.east * hw * sw,
    north: centre.north + along.north * hl * sl + across.north * hw * sw,
  });
  return [corner(1, -1), corner(1, 1), corner(-1, 1), corner(-1, -1)];
}

/** The polygon swept by moving `polygon` by `offset` (convex hull of both), for cast shadows. */
export function sweep(polygon: readonly EastNorth[], offset: EastNorth): EastNorth[] {
  const moved = polygon.map((p) => ({ east: p.east + offset.east, north: p.north + offset.north }));
  return convexHull([...polygon, ...moved]);
}

function convexHull(points: readonly EastNorth[]): EastNorth[] {
  const pts = [...points].sort((p, q) => p.east - q.east || p.north - q.north);
  if (pts.length < 3) return pts;
  const cross = (o: EastNorth, a: EastNorth, b: EastNorth) =>
    (a.east - o.east) * (b.north - o.north) - (a.north - o.north) * (b.east - o.east);
  const lower: EastNorth[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: EastNorth[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** An irregular closed blob (trees, tarps, flames) around a centre, radius varying by ±`jitter`. */
export function blob(
  rng: Rng,
  centre: EastNorth,
  radiusE: number,
  radiusN: number,
  jitter: number,
  vertices = 24,
): EastNorth[] {
  const phases = [rng.next() * 6.283, rng.next() * 6.283, rng.next() * 6.283];
  const amps = [rng.range(0.3, 1), rng.range(0.2, 0.7), rng.range(0.1, 0.4)];
  const points: EastNorth[] = [];
  for (let i = 0; i < vertices; i++) {
    const t = (i / vertices) * Math.PI * 2;
    const wobble =
      (amps[0]! * Math.sin(2 * t + phases[0]!) +
        amps[1]! * Math.sin(3 * t + phases[1]!) +
        amps[2]! * Math.sin(5 * t + phases[2]!)) /
      (amps[0]! + amps[1]! + amps[2]!);
    const k = 1 + jitter * wobble;
    points.push({ east: centre.east + Math.cos(t) * radiusE * k, north: centre.north + Math.sin(t) * radiusN * k });
  }
  return points;
}

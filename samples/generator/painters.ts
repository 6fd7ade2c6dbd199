/**
 * How the site's things look from above: colours and the painters that draw vehicles, pallets,
 * workers, fire and plumes onto the world raster. The site plan (site.ts) decides where they go.
 */
import type { EastNorth } from '../../pipeline/geo/wgs84.js';
import type { Rng } from './random.js';
import { type Fragment, type Rgb, type WorldRaster, blob, orientedRect, sweep } from './raster.js';

export const vehicleColours: Rgb[] = [
  [210, 210, 214],
  [30, 32, 36],
  [150, 152, 156],
  [170, 30, 30],
  [30, 60, 130],
  [226, 226, 220],
  [200, 120, 30],
];
export const goodsColours: Rgb[] = [
  [170, 130, 80],
  [190, 160, 110],
  [60, 90, 150],
  [210, 210, 205],
  [150, 70, 50],
];

export const drumColours: Rgb[] = [
  [30, 70, 160],
  [36, 36, 40],
  [190, 150, 30],
  [40, 110, 60],
  [160, 40, 36],
];

export function solid(colour: Rgb) {
  return (_e: number, _n: number, out: Fragment) => {
    out.r = colour[0];
    out.g = colour[1];
    out.b = colour[2];
  };
}

export function noisy(colour: Rgb, amount: number, scaleM: number) {
  return function (this: unknown, e: number, n: number, out: Fragment) {
    const k = 1 + amount * Math.sin((e * 37.1) / scaleM + n * 11.3) * Math.cos((n * 29.7) / scaleM - e * 5.1);
    out.r = colour[0] * k;
    out.g = colour[1] * k;
    out.b = colour[2] * k;
  };
}

export function regularPolygon(centre: EastNorth, radius: number, vertices: number): EastNorth[] {
  return Array.from({ length: vertices }, (_, i) => {
    const t = (i / vertices) * Math.PI * 2;
    return { east: centre.east + Math.cos(t) * radius, north: centre.north + Math.sin(t) * radius };
  });
}

/** A 200-litre drum seen from above, with its shadow offset by `shadow` (the sun's, for its 0.9 m height). */
export function paintDrum(r: WorldRaster, centre: EastNorth, colour: Rgb, shadow: EastNorth): void {
  r.darkenPolygon(sweep(orientedRect(centre, 0.58, 0.58, 0), shadow), 0.4);
  r.fillDisc(centre, 0.29, (e, n, out) => {
    const d = Math.hypot(e - centre.east, n - centre.north) / 0.29;
    const ring = d > 0.82 ? 0.75 : d > 0.55 && d < 0.62 ? 0.85 : 1;
    const highlight = 1 + 0.25 * Math.max(0, 1 - Math.hypot(e - centre.east + 0.08, n - centre.north - 0.08) / 0.12);
    const k = ring * highlight;
    out.r = colour[0] * k;
    out.g = colour[1] * k;
    out.b = colour[2] * k;
    out.a = d > 1 ? 0 : 1;
  });
  r.fillDisc({ east: centre.east + 0.12, north: centre.north + 0.1 }, 0.04, solid([40, 40, 40]));
}

export function paintVehicle(r: WorldRaster, poly: EastNorth[], colour: Rgb): void {
  r.fillPolygon(poly, (e, n, out) => {
    const k = 1 + 0.05 * r.noiseAt(e, n, 0.3);
    out.r = colour[0] * k;
    out.g = colour[1] * k;
    out.b = colour[2] * k;
  });
  // Windscreen and rear window: dark bands across the body at 20% and 75% of its length.
  const [a, b, c, d] = poly as [EastNorth, EastNorth, EastNorth, EastNorth];
  const lerp = (p: EastNorth, q: EastNorth, t: number) => ({
    east: p.east + (q.east - p.east) * t,
    north: p.north + (q.north - p.north) * t,
  });
  const long = Math.hypot(a.east - d.east, a.north - d.north) > Math.hypot(a.east - b.east, a.north - b.north);
  const band = (t0: number, t1: number) =>
    long
      ? [lerp(a, d, t0), lerp(b, c, t0), lerp(b, c, t1), lerp(a, d, t1)]
      : [lerp(a, b, t0), lerp(d, c, t0), lerp(d, c, t1), lerp(a, b, t1)];
  r.fillPolygon(band(0.22, 0.36), solid([34, 40, 48]));
  r.fillPolygon(band(0.74, 0.84), solid([34, 40, 48]));
}

export function paintPallet(r: WorldRaster, poly: EastNorth[], colour: Rgb, loaded: boolean): void {
  r.fillPolygon(poly, (e, n, out) => {
    const slat = Math.sin(e * 40 + n * 3) > 0.6 ? 0.7 : 1;
    out.r = 150 * slat;
    out.g = 118 * slat;
    out.b = 80 * slat;
  });
  if (!loaded) return;
  const cx = poly.reduce((s, p) => s + p.east, 0) / poly.length;
  const cy = poly.reduce((s, p) => s + p.north, 0) / poly.length;
  const inner = poly.map((p) => ({ east: cx + (p.east - cx) * 0.85, north: cy + (p.north - cy) * 0.85 }));
  r.fillPolygon(inner, (e, n, out) => {
    const seam = Math.abs(Math.sin((e - cx) * 7.5)) < 0.08 || Math.abs(Math.sin((n - cy) * 7.5)) < 0.08 ? 0.75 : 1;
    const k = seam * (1 + 0.04 * r.noiseAt(e, n, 0.2));
    out.r = colour[0] * k;
    out.g = colour[1] * k;
    out.b = colour[2] * k;
  });
}

interface WorkerLook {
  clothing: Rgb;
  vest: Rgb | undefined;
  head: Rgb;
  helmet: boolean;
}

export function makeWorker(rng: Rng, helmet: boolean): WorkerLook {
  return {
    clothing: rng.pick([
      [40, 60, 110],
      [60, 60, 64],
      [90, 110, 140],
      [120, 90, 60],
      [30, 30, 34],
    ] as const),
    vest: rng.chance(0.6)
      ? rng.pick([
          [240, 120, 20],
          [210, 230, 40],
          [250, 150, 30],
        ] as const)
      : undefined,
    head: helmet
      ? rng.pick([
          [240, 240, 236],
          [245, 200, 30],
          [220, 50, 40],
          [40, 90, 200],
          [240, 120, 20],
        ] as const)
      : rng.pick([
          [28, 22, 18],
          [44, 32, 24],
          [20, 18, 18],
          [70, 52, 38],
        ] as const),
    helmet,
  };
}

export function paintWorkerShadow(r: WorldRaster, centre: EastNorth, heading: number, offset: EastNorth): void {
  const shadow = sweep(orientedRect(centre, 0.3, 0.46, heading), offset);
  r.darkenPolygon(shadow, 0.4);
}

export function paintWorker(r: WorldRaster, centre: EastNorth, heading: number, look: WorkerLook): void {
  const h = (heading * Math.PI) / 180;
  const fwd = { east: Math.sin(h), north: Math.cos(h) };
  const side = { east: Math.cos(h), north: -Math.sin(h) };
  // Shoulders and torso as an ellipse seen from above, arms at the sides.
  r.fillDisc(centre, 0.3, (e, n, out) => {
    const de = e - centre.east;
    const dn = n - centre.north;
    const a = (de * side.east + dn * side.north) / 0.26;
    const b = (de * fwd.east + dn * fwd.north) / 0.15;
    const d = a * a + b * b;
    out.a = d <= 1 ? 1 : 0;
    const c = look.vest && Math.abs(a) < 0.8 ? look.vest : look.clothing;
    const stripe = look.vest && Math.abs(b) < 0.15 && Math.abs(a) < 0.8 ? 1.25 : 1;
    const k = (1 - 0.25 * d) * stripe;
    out.r = c[0] * k;
    out.g = c[1] * k;
    out.b = c[2] * k;
  });
  const headRadius = look.helmet ? 0.15 : 0.1;
  const headCentre = { east: centre.east + fwd.east * 0.02, north: centre.north + fwd.north * 0.02 };
  r.fillDisc(headCentre, headRadius, (e, n, out) => {
    const d = Math.hypot(e - headCentre.east, n - headCentre.north) / headRadius;
    let k = 1 - 0.3 * d * d;
    if (look.helmet) {
      if (d > 0.8) k *= 0.82;
      const spec = Math.hypot(e - headCentre.east + 0.04, n - headCentre.north - 0.04) / headRadius;
      if (spec < 0.25) k *= 1.2;
    }
    out.r = look.head[0] * k;
    out.g = look.head[1] * k;
    out.b = look.head[2] * k;
  });
  if (!look.helmet) {
    // Skin of the face and neck showing in front of the hair.
    const face = { east: headCentre.east + fwd.east * 0.07, north: headCentre.north + fwd.north * 0.07 };
    r.fillDisc(face, 0.045, solid([196, 150, 120]));
  }
}

export function paintFire(r: WorldRaster, rng: Rng, centre: EastNorth, radius: number): void {
  const shape = blob(rng, centre, radius * 0.9, radius * 0.9, 0.12, 28);
  const glowR = radius * 1.0;
  r.fillDisc(centre, glowR, (e, n, out) => {
    const d = Math.hypot(e - centre.east, n - centre.north) / glowR;
    out.r = 255;
    out.g = 120;
    out.b = 30;
    out.a = Math.max(0, 0.55 * (1 - d));
  });
  r.fillPolygon(shape, (e, n, out) => {
    const d = Math.hypot(e - centre.east, n - centre.north) / radius;
    const flicker = r.noiseAt(e * 1.7, n * 1.7, 0.25);
    const heat = Math.max(0, Math.min(1, 1.15 - d + 0.35 * flicker));
    out.r = 200 + 55 * heat;
    out.g = 50 + 190 * heat * heat;
    out.b = 10 + 150 * Math.pow(heat, 4);
    out.a = 1;
  });
}

export function paintPlume(
  r: WorldRaster,
  rng: Rng,
  source: EastNorth,
  windDeg: number,
  length: number,
  width: number,
  colour: Rgb,
  opacity: number,
): void {
  const w = (windDeg * Math.PI) / 180;
  const puffs = Math.max(6, Math.round(length * 3));
  for (let i = 0; i < puffs; i++) {
    const t = i / (puffs - 1);
    const spread = 0.35 + t * length * 0.16 * width;
    const drift = rng.range(-0.25, 0.25) * spread;
    const centre = {
      east: source.east + Math.sin(w) * length * t + Math.cos(w) * drift,
      north: source.north + Math.cos(w) * length * t - Math.sin(w) * drift,
    };
    const alpha = Math.min(0.92, opacity * (0.45 - 0.25 * t));
    r.fillDisc(centre, spread, (e, n, out) => {
      const d = Math.hypot(e - centre.east, n - centre.north) / spread;
      const wisp = 1 + 0.5 * r.noiseAt(e, n, 0.6);
      out.r = colour[0];
      out.g = colour[1];
      out.b = colour[2];
      out.a = Math.max(0, Math.min(1, alpha * (1 - d * d) * wisp));
    });
  }
}

import type { HazardClassV1 } from '../../pipeline/domain/taxonomy.js';
import type { EastNorth } from '../../pipeline/geo/wgs84.js';
import {
  drumColours,
  goodsColours,
  makeWorker,
  noisy,
  paintDrum,
  paintFire,
  paintPallet,
  paintPlume,
  paintVehicle,
  paintWorker,
  paintWorkerShadow,
  regularPolygon,
  solid,
  vehicleColours,
} from './painters.js';
import { Rng } from './random.js';
import { type Rgb, type WorldRaster, blob, orientedRect, sweep } from './raster.js';

/**
 * A hazard's extent on the ground. Outlines are point-symmetric (rectangles and ellipses about their
 * centre), so the centre of a label box in any nadir photo projects exactly onto `centre`.
 */
export interface HazardOutline {
  readonly shape: 'rect' | 'ellipse';
  readonly centre: EastNorth;
  /** Half extent along `angleDeg` (compass) and across it, metres. */
  readonly halfLength: number;
  readonly halfWidth: number;
  readonly angleDeg: number;
}

export interface PlacedHazard {
  readonly id: string;
  readonly className: HazardClassV1;
  readonly outline: HazardOutline;
  readonly note: string;
}

/** Look-alikes placed on purpose so a detector learns what is not a hazard. */
interface PlacedLookalike {
  readonly kind: string;
  readonly centre: EastNorth;
}

export type SiteSize = 'small' | 'standard' | 'large';

interface SitePlan {
  /** Site extent in metres along its own axes; the site frame is rotated by `angleDeg`. */
  readonly length: number;
  readonly width: number;
  readonly angleDeg: number;
  readonly sunAzimuthDeg: number;
  readonly sunElevationDeg: number;
  readonly hazards: PlacedHazard[];
  readonly lookalikes: PlacedLookalike[];
  /** Paints the whole scene, in painter's order, onto a raster covering at least the site. */
  paint(raster: WorldRaster): void;
}

const SITE_DIMENSIONS: Record<
  SiteSize,
  { length: [number, number]; width: [number, number]; buildings: [number, number] }
> = {
  small: { length: [70, 80], width: [36, 44], buildings: [1, 2] },
  standard: { length: [120, 160], width: [80, 110], buildings: [2, 4] },
  large: { length: [200, 260], width: [140, 180], buildings: [4, 7] },
};

/** Hazard instances per class and site size. */
const HAZARDS_PER_CLASS: Record<SiteSize, [number, number]> = { small: [1, 2], standard: [2, 4], large: [4, 7] };

interface Rect {
  cu: number;
  cv: number;
  hu: number;
  hv: number;
}

type Roof = Rect & { flat: boolean; height: number };

type Layer = 'ground' | 'markings' | 'lowShadows' | 'low' | 'buildingShadows' | 'buildings' | 'roof' | 'trees' | 'air';
const LAYER_ORDER: Layer[] = [
  'ground',
  'markings',
  'lowShadows',
  'low',
  'buildingShadows',
  'buildings',
  'roof',
  'trees',
  'air',
];

/**
 * Procedural industrial site. Placement works in the site frame (u along the site's length, v across
 * it, origin at the site centre); everything painted is converted to east/north at the end.
 *
 * Each step below places one kind of thing and queues its painting on a layer. The steps run in
 * this order and each draws from its own fork of the seed's generator, taken in this order: the
 * order is part of the output (same seed, same bytes), so a new step goes at the end with a new fork.
 */
export function planSite(seed: number, size: SiteSize): SitePlan {
  const rng = new Rng(seed);
  const site = layoutSite(rng, size);
  paintGround(site, rng);
  placeBuildings(site, rng);
  placeChemicalStores(site, rng.fork(2));
  placeFireExits(site, rng.fork(3));
  placeOpenings(site, rng.fork(4));
  placeYardClutter(site, rng.fork(5));
  placeWorkers(site, rng.fork(6));
  placeFires(site, rng.fork(7));
  placeSmoke(site, rng.fork(8));
  plantTrees(site, rng.fork(9));
  return {
    length: site.length,
    width: site.width,
    angleDeg: site.siteAngle,
    sunAzimuthDeg: site.sunAzimuthDeg,
    sunElevationDeg: site.sunElevationDeg,
    hazards: site.hazards,
    lookalikes: site.lookalikes,
    paint(raster) {
      for (const layer of LAYER_ORDER) for (const fn of site.layers.get(layer)!) fn(raster);
    },
  };
}

/** The site's frame, sun and wind, and what the steps have placed and queued for painting so far. */
interface Site {
  readonly size: SiteSize;
  readonly length: number;
  readonly width: number;
  readonly halfL: number;
  readonly halfW: number;
  /** Compass angle of the site's u axis, degrees. */
  readonly siteAngle: number;
  readonly sunAzimuthDeg: number;
  readonly sunElevationDeg: number;
  readonly windDeg: number;
  readonly axisU: EastNorth;
  readonly axisV: EastNorth;
  /** Unit vector on the ground pointing away from the sun. */
  readonly shadowDir: EastNorth;
  /** How much yard clutter, how many helmeted workers and trees, relative to a standard site. */
  readonly clutterScale: number;
  readonly hazards: PlacedHazard[];
  readonly lookalikes: PlacedLookalike[];
  /** Yard footprints taken so far (site frame); nothing new may overlap them. */
  readonly occupied: Rect[];
  readonly roofs: Roof[];
  readonly buildingFootprints: Rect[];
  /** Openings already cut into flat roofs. */
  readonly roofItems: Rect[];
  readonly layers: Map<Layer, Array<(r: WorldRaster) => void>>;
  // Properties, not methods: the steps destructure them from the site.
  toWorld: (u: number, v: number) => EastNorth;
  toSite: (p: EastNorth) => { u: number; v: number };
  /** Where the shadow of something `height` metres tall falls, relative to it. */
  shadowOffset: (height: number) => EastNorth;
  /** Queues `fn` to paint on `layer`; layers are painted in LAYER_ORDER, each in queue order. */
  draw: (layer: Layer, fn: (r: WorldRaster) => void) => void;
}

/** Step 1, layout: the site's extent and orientation, the sun and the wind. */
function layoutSite(rng: Rng, size: SiteSize): Site {
  const dims = SITE_DIMENSIONS[size];
  const length = rng.range(...dims.length);
  const width = rng.range(...dims.width);
  const angleDeg = rng.range(0, 180);
  const sunAzimuthDeg = rng.range(90, 270);
  const sunElevationDeg = rng.range(28, 68);
  const windDeg = rng.range(0, 360);
  const theta = (angleDeg * Math.PI) / 180;
  const axisU = { east: Math.sin(theta), north: Math.cos(theta) };
  const axisV = { east: Math.cos(theta), north: -Math.sin(theta) };
  const toWorld = (u: number, v: number): EastNorth => ({
    east: u * axisU.east + v * axisV.east,
    north: u * axisU.north + v * axisV.north,
  });
  const toSite = (p: EastNorth) => ({
    u: p.east * axisU.east + p.north * axisU.north,
    v: p.east * axisV.east + p.north * axisV.north,
  });
  const sunAz = (sunAzimuthDeg * Math.PI) / 180;
  const shadowPerMetre = 1 / Math.tan((sunElevationDeg * Math.PI) / 180);
  const shadowDir = { east: -Math.sin(sunAz), north: -Math.cos(sunAz) };
  const shadowOffset = (height: number): EastNorth => ({
    east: shadowDir.east * height * shadowPerMetre,
    north: shadowDir.north * height * shadowPerMetre,
  });
  const layers = new Map<Layer, Array<(r: WorldRaster) => void>>(LAYER_ORDER.map((l) => [l, []]));
  return {
    size,
    length,
    width,
    halfL: length / 2,
    halfW: width / 2,
    siteAngle: angleDeg,
    sunAzimuthDeg,
    sunElevationDeg,
    windDeg,
    axisU,
    axisV,
    shadowDir,
    clutterScale: size === 'small' ? 0.4 : size === 'standard' ? 1 : 2.2,
    hazards: [],
    lookalikes: [],
    occupied: [],
    roofs: [],
    buildingFootprints: [],
    roofItems: [],
    layers,
    toWorld,
    toSite,
    shadowOffset,
    draw: (layer, fn) => layers.get(layer)!.push(fn),
  };
}

function overlaps(r: Rect, list: readonly Rect[], gap: number): boolean {
  return list.some((o) => Math.abs(o.cu - r.cu) < o.hu + r.hu + gap && Math.abs(o.cv - r.cv) < o.hv + r.hv + gap);
}

/** Find free yard space for a footprint of half extents hu × hv (site frame). */
function placeInYard(site: Site, placer: Rng, hu: number, hv: number, gap = 1.0, near?: Rect): Rect | undefined {
  const { halfL, halfW, occupied } = site;
  for (let attempt = 0; attempt < 400; attempt++) {
    const r: Rect = near
      ? {
          cu: near.cu + placer.range(-1, 1) * (near.hu + hu + 4),
          cv: near.cv + placer.range(-1, 1) * (near.hv + hv + 4),
          hu,
          hv,
        }
      : {
          cu: placer.range(-halfL + hu + 2, halfL - hu - 2),
          cv: placer.range(-halfW + hv + 6, halfW - hv - 2),
          hu,
          hv,
        };
    if (Math.abs(r.cu) + hu > halfL - 1.5 || r.cv - hv < -halfW + 5.5 || r.cv + hv > halfW - 1.5) continue;
    if (!overlaps(r, occupied, gap)) {
      occupied.push(r);
      return r;
    }
  }
  return undefined;
}

function siteRectPolygon(site: Site, r: Rect, grow = 0): EastNorth[] {
  return orientedRect(site.toWorld(r.cu, r.cv), 2 * (r.hu + grow), 2 * (r.hv + grow), site.siteAngle);
}

function hazardCount(site: Site, placer: Rng): number {
  return placer.int(...HAZARDS_PER_CLASS[site.size]);
}

function addHazard(site: Site, className: HazardClassV1, outline: HazardOutline, note: string): void {
  const { hazards } = site;
  hazards.push({
    id: `${className}-${hazards.filter((h) => h.className === className).length + 1}`,
    className,
    outline,
    note,
  });
}

function rectOutline(site: Site, r: Rect, grow = 0): HazardOutline {
  return {
    shape: 'rect',
    centre: site.toWorld(r.cu, r.cv),
    halfLength: r.hu + grow,
    halfWidth: r.hv + grow,
    angleDeg: site.siteAngle,
  };
}

/** A compact grid of drums, centred, so its outline is a rectangle about the centre. */
function drumGrid(site: Site, placer: Rng, centre: Rect, rows: number, cols: number): EastNorth[] {
  const positions: EastNorth[] = [];
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) {
      const du = (a - (rows - 1) / 2) * 0.64 + placer.range(-0.02, 0.02);
      const dv = (b - (cols - 1) / 2) * 0.64 + placer.range(-0.02, 0.02);
      positions.push(site.toWorld(centre.cu + du, centre.cv + dv));
    }
  }
  return positions;
}

function paintDrums(site: Site, r: WorldRaster, drums: readonly EastNorth[], colours: readonly Rgb[]): void {
  drums.forEach((d, k) => paintDrum(r, d, colours[k]!, site.shadowOffset(0.9)));
}

/** Step 2, ground: fields and soil outside the fence, concrete yard inside, the access road, the fence and the internal lane. */
function paintGround(site: Site, rng: Rng): void {
  const { axisU, axisV, halfL, halfW, length, width, siteAngle, toWorld, toSite, occupied, draw } = site;
  const groundTone = rng.range(0.85, 1.1);
  const yardBase: Rgb = rng.pick([
    [150, 150, 146],
    [168, 166, 158],
    [128, 128, 126],
  ] as const);
  const fieldBase: Rgb = rng.pick([
    [96, 118, 62],
    [120, 128, 74],
    [132, 116, 88],
  ] as const);
  draw('ground', (r) => {
    const ue = axisU.east;
    const un = axisU.north;
    const ve = axisV.east;
    const vn = axisV.north;
    r.fillAll((e, n, out) => {
      const su = e * ue + n * un;
      const sv = e * ve + n * vn;
      const inside = Math.abs(su) < halfL && Math.abs(sv) < halfW;
      const coarse = r.noiseScaled(e, n, 16 / 9);
      const fine = r.noiseScaled(e + 311, n - 97, 16 / 0.6);
      if (inside) {
        const ju = su * 0.2 - Math.floor(su * 0.2);
        const jv = sv * 0.2 - Math.floor(sv * 0.2);
        const joint = ju < 0.01 || ju > 0.99 || jv < 0.01 || jv > 0.99 ? 0.82 : 1;
        const stain = 1 + 0.1 * coarse + 0.06 * fine;
        out.r = yardBase[0] * stain * joint * groundTone;
        out.g = yardBase[1] * stain * joint * groundTone;
        out.b = yardBase[2] * stain * joint * groundTone;
      } else {
        const soil = coarse > 0.25 ? 1 : 0;
        const k = 1 + 0.18 * fine + 0.1 * coarse;
        out.r = (soil ? 122 : fieldBase[0]) * k;
        out.g = (soil ? 104 : fieldBase[1]) * k;
        out.b = (soil ? 80 : fieldBase[2]) * k;
      }
    });
  });

  // Access road along one long side, outside the fence, and the fence itself.
  draw('ground', (r) => {
    const road = orientedRect(toWorld(0, -halfW - 4.5), length + 200, 7, siteAngle);
    r.fillPolygon(road, (e, n, out) => {
      const s = toSite({ east: e, north: n });
      const k = 1 + 0.08 * r.noiseAt(e, n, 0.4);
      const centreLine = Math.abs(s.v + halfW + 4.5) < 0.07 && (s.u + 1000) % 6 < 3;
      const grey = centreLine ? 230 : 70 * k;
      out.r = grey;
      out.g = grey;
      out.b = centreLine ? 220 : grey * 1.03;
    });
    const fence = [
      orientedRect(toWorld(0, halfW), length, 0.08, siteAngle),
      orientedRect(toWorld(0, -halfW), length, 0.08, siteAngle),
      orientedRect(toWorld(halfL, 0), width, 0.08, siteAngle + 90),
      orientedRect(toWorld(-halfL, 0), width, 0.08, siteAngle + 90),
    ];
    for (const f of fence) r.fillPolygon(f, solid([90, 96, 92]));
  });
  // Internal asphalt lane parallel to the road.
  const laneV = -halfW + 3;
  occupied.push({ cu: 0, cv: laneV, hu: halfL, hv: 2.2 });
  draw('ground', (r) => {
    r.fillPolygon(orientedRect(toWorld(0, laneV), length - 1, 4.4, siteAngle), (e, n, out) => {
      const k = 1 + 0.1 * r.noiseAt(e, n, 0.5) + 0.05 * r.noiseAt(e, n, 6);
      out.r = 64 * k;
      out.g = 64 * k;
      out.b = 67 * k;
    });
  });
}

/** Step 3, buildings: factory and warehouse blocks with shadows, roof textures, skylights and vents. */
function placeBuildings(site: Site, rng: Rng): void {
  const { halfL, halfW, siteAngle, toWorld, toSite, shadowOffset, roofs, buildingFootprints, lookalikes, draw } = site;
  const buildingCount = rng.int(...SITE_DIMENSIONS[site.size].buildings);
  const buildingRng = rng.fork(1);
  for (let i = 0; i < buildingCount; i++) {
    const hu = buildingRng.range(7, Math.min(22, halfL / 2));
    const hv = buildingRng.range(5, Math.min(14, halfW / 2.2));
    const rect = placeInYard(site, buildingRng, hu, hv, 6);
    if (!rect) continue;
    const height = buildingRng.range(5, 13);
    const flat = buildingRng.chance(0.4);
    roofs.push({ ...rect, flat, height });
    buildingFootprints.push(rect);
    const footprint = siteRectPolygon(site, rect);
    draw('buildingShadows', (r) => r.darkenPolygon(sweep(footprint, shadowOffset(height)), 0.45));
    const roofColour: Rgb = flat
      ? buildingRng.pick([
          [176, 174, 168],
          [140, 142, 140],
          [120, 124, 120],
        ] as const)
      : buildingRng.pick([
          [70, 110, 160],
          [180, 184, 186],
          [150, 60, 50],
          [200, 200, 196],
          [96, 120, 110],
        ] as const);
    if (!flat && roofColour[0] === 150) lookalikes.push({ kind: 'red_roof', centre: toWorld(rect.cu, rect.cv) });
    const ridgeAlongU = hu > hv;
    const litSide = buildingRng.chance(0.5) ? 1 : -1;
    draw('buildings', (r) => {
      r.fillPolygon(footprint, (e, n, out) => {
        const s = toSite({ east: e, north: n });
        const across = ridgeAlongU ? s.v - rect.cv : s.u - rect.cu;
        const half = ridgeAlongU ? hv : hu;
        let k = 1 + 0.05 * r.noiseAt(e, n, 3);
        if (!flat) {
          const corrugation = Math.sin(((ridgeAlongU ? s.u : s.v) * Math.PI * 2) / 0.2) * 0.05;
          const pitch = across * litSide > 0 ? 1.08 : 0.9;
          k *= pitch + corrugation;
          if (Math.abs(across) < 0.15) k *= 1.15;
        }
        const edge = Math.min(
          half - Math.abs(across),
          (ridgeAlongU ? hu : hv) - Math.abs(ridgeAlongU ? s.u - rect.cu : s.v - rect.cv),
        );
        if (edge < 0.25) k *= 0.85;
        out.r = roofColour[0] * k;
        out.g = roofColour[1] * k;
        out.b = roofColour[2] * k;
      });
    });
    // Skylight strips on pitched roofs, HVAC units on flat ones.
    const featureRng = buildingRng.fork(i);
    if (!flat) {
      const strips = featureRng.int(2, 4);
      for (let s = 0; s < strips; s++) {
        const t = -0.7 + (1.4 * s) / Math.max(1, strips - 1);
        const su = ridgeAlongU ? rect.cu + t * hu * 0.9 : rect.cu + featureRng.range(-0.5, 0.5) * hu;
        const sv = ridgeAlongU ? rect.cv + featureRng.range(-0.5, 0.5) * hv : rect.cv + t * hv * 0.9;
        const poly = orientedRect(toWorld(su, sv), ridgeAlongU ? 1.2 : 3.5, ridgeAlongU ? 3.5 : 1.2, siteAngle);
        draw('roof', (r) => r.fillPolygon(poly, noisy([205, 214, 215], 0.06, 0.3)));
      }
    } else {
      const units = featureRng.int(1, 4);
      for (let u = 0; u < units; u++) {
        const cu = rect.cu + featureRng.range(-0.7, 0.7) * hu;
        const cv = rect.cv + featureRng.range(-0.7, 0.7) * hv;
        const poly = orientedRect(toWorld(cu, cv), 1.6, 1.2, siteAngle);
        draw('roof', (r) => {
          r.darkenPolygon(sweep(poly, shadowOffset(1.2)), 0.4);
          r.fillPolygon(poly, noisy([196, 198, 196], 0.04, 0.2));
          r.fillDisc(toWorld(cu, cv), 0.4, solid([60, 62, 64]));
        });
      }
    }
  }
}

/** Step 4, bunded chemical stores: drums inside are fine; drums outside are a hazard. */
function placeChemicalStores(site: Site, bundRng: Rng): void {
  const { size, toWorld, toSite, lookalikes, draw } = site;
  const bunds: Rect[] = [];
  for (let i = 0; i < (size === 'small' ? 1 : bundRng.int(1, 2)); i++) {
    const rect = placeInYard(site, bundRng, bundRng.range(2.2, 3.6), bundRng.range(1.6, 2.4), 1.5);
    if (!rect) continue;
    bunds.push(rect);
    const outer = siteRectPolygon(site, rect);
    const inner = siteRectPolygon(site, rect, -0.22);
    const rows = Math.max(1, Math.floor((2 * rect.hu - 0.8) / 0.64));
    const cols = Math.max(1, Math.floor((2 * rect.hv - 0.8) / 0.64));
    const drums = drumGrid(site, bundRng, rect, rows, cols).filter(() => bundRng.chance(0.75));
    const colours = drums.map(() => bundRng.pick(drumColours));
    lookalikes.push({ kind: 'drums_inside_bund', centre: toWorld(rect.cu, rect.cv) });
    draw('markings', (r) => {
      r.fillPolygon(outer, (e, n, out) => {
        const s = toSite({ east: e, north: n });
        const stripe = Math.floor((s.u + s.v + 1000) / 0.3) % 2 === 0;
        out.r = stripe ? 220 : 40;
        out.g = stripe ? 180 : 40;
        out.b = stripe ? 30 : 36;
      });
      r.fillPolygon(inner, noisy([118, 124, 118], 0.06, 0.4));
    });
    draw('low', (r) => paintDrums(site, r, drums, colours));
  }
  for (let i = 0, n = hazardCount(site, bundRng); i < n; i++) {
    const rows = bundRng.int(1, 2);
    const cols = bundRng.int(2, 3);
    const near = bunds.length > 0 && bundRng.chance(0.6) ? bundRng.pick(bunds) : undefined;
    const rect = placeInYard(site, bundRng, (rows * 0.64) / 2, (cols * 0.64) / 2, 0.8, near);
    if (!rect) continue;
    const drums = drumGrid(site, bundRng, rect, rows, cols);
    const colours = drums.map(() => bundRng.pick(drumColours));
    draw('low', (r) => paintDrums(site, r, drums, colours));
    addHazard(site, 'drums_outside_bund', rectOutline(site, rect, 0.05), `${drums.length} drums outside the bund`);
  }
}

/** Step 5, fire exits: a keep-clear box painted in front of a door; blocked ones have goods or a car on it. */
function placeFireExits(site: Site, exitRng: Rng): void {
  const {
    halfL,
    halfW,
    siteAngle,
    toWorld,
    toSite,
    shadowOffset,
    occupied,
    roofs,
    buildingFootprints,
    lookalikes,
    draw,
  } = site;
  const exits: Array<{ rect: Rect; blocked: boolean }> = [];
  const exitTarget = hazardCount(site, exitRng);
  const clearTarget = exitRng.int(1, 3);
  for (const roof of roofs) {
    for (const side of exitRng.chance(0.5) ? [1, -1] : [-1, 1]) {
      if (exits.filter((x) => x.blocked).length >= exitTarget && exits.filter((x) => !x.blocked).length >= clearTarget)
        break;
      const alongU = exitRng.chance(0.5);
      const rect: Rect = alongU
        ? { cu: roof.cu + exitRng.range(-0.6, 0.6) * roof.hu, cv: roof.cv + side * (roof.hv + 1.5), hu: 1.2, hv: 1.5 }
        : { cu: roof.cu + side * (roof.hu + 1.5), cv: roof.cv + exitRng.range(-0.6, 0.6) * roof.hv, hu: 1.5, hv: 1.2 };
      if (Math.abs(rect.cu) + rect.hu > halfL - 1 || Math.abs(rect.cv) + rect.hv > halfW - 1) continue;
      if (
        overlaps(
          rect,
          occupied.filter((o) => !buildingFootprints.includes(o)),
          0.5,
        )
      )
        continue;
      occupied.push(rect);
      const blocked =
        exits.filter((x) => x.blocked).length < exitTarget &&
        (exitRng.chance(0.6) || exits.filter((x) => !x.blocked).length >= clearTarget);
      exits.push({ rect, blocked });
      const zone = siteRectPolygon(site, rect);
      const inner = siteRectPolygon(site, rect, -0.12);
      // The door: a green strip along the wall.
      const door: Rect = alongU
        ? { cu: rect.cu, cv: rect.cv - side * (rect.hv - 0.12), hu: 0.55, hv: 0.12 }
        : { cu: rect.cu - side * (rect.hu - 0.12), cv: rect.cv, hu: 0.12, hv: 0.55 };
      draw('markings', (r) => {
        r.fillPolygon(zone, solid([236, 236, 230]));
        r.fillPolygon(inner, (e, n, out) => {
          const s = toSite({ east: e, north: n });
          const hatch = Math.floor((s.u - s.v + 1000) / 0.35) % 2 === 0;
          const k = 1 + 0.05 * r.noiseAt(e, n, 0.5);
          out.r = (hatch ? 40 : 226) * k;
          out.g = (hatch ? 160 : 226) * k;
          out.b = (hatch ? 80 : 220) * k;
        });
        r.fillPolygon(siteRectPolygon(site, door), solid([30, 150, 70]));
      });
      if (blocked) {
        const obstruction = exitRng.chance(0.3) ? 'vehicle' : 'goods';
        if (obstruction === 'vehicle') {
          const car = siteRectPolygon(site, {
            cu: rect.cu,
            cv: rect.cv,
            hu: alongU ? 0.9 : 1.4,
            hv: alongU ? 1.4 : 0.9,
          });
          const colour = exitRng.pick(vehicleColours);
          draw('lowShadows', (r) => r.darkenPolygon(sweep(car, shadowOffset(1.5)), 0.45));
          draw('low', (r) => paintVehicle(r, car, colour));
        } else {
          const stacks = exitRng.int(2, 4);
          for (let s = 0; s < stacks; s++) {
            const su = rect.cu + exitRng.range(-0.45, 0.45) * rect.hu;
            const sv = rect.cv + exitRng.range(-0.45, 0.45) * rect.hv;
            const pallet = orientedRect(toWorld(su, sv), 1.2, 1.0, siteAngle + exitRng.range(-12, 12));
            const colour = exitRng.pick(goodsColours);
            draw('lowShadows', (r) => r.darkenPolygon(sweep(pallet, shadowOffset(1.3)), 0.45));
            draw('low', (r) => paintPallet(r, pallet, colour, true));
          }
        }
        addHazard(site, 'blocked_exit', rectOutline(site, rect), `fire exit blocked by ${obstruction}`);
      } else {
        lookalikes.push({ kind: 'clear_exit', centre: toWorld(rect.cu, rect.cv) });
      }
    }
  }
}

/** Step 6, openings and pits: guarded ones have a yellow rail with posts; unguarded ones are hazards. */
function placeOpenings(site: Site, pitRng: Rng): void {
  const { toWorld, toSite, shadowOffset, roofs, roofItems, lookalikes, draw } = site;
  const pitTotal = hazardCount(site, pitRng);
  const guardedTotal = pitRng.int(1, 3);
  for (let i = 0; i < pitTotal + guardedTotal; i++) {
    const guarded = i >= pitTotal;
    const flatRoofs = roofs.filter((b) => b.flat);
    const onRoof = flatRoofs.length > 0 && pitRng.chance(0.35);
    let rect: Rect | undefined;
    if (onRoof) {
      const roof = pitRng.pick(flatRoofs);
      const hu = pitRng.range(0.7, 1.6);
      const hv = pitRng.range(0.6, 1.2);
      const candidate = {
        cu: roof.cu + pitRng.range(-1, 1) * (roof.hu - hu - 1.2),
        cv: roof.cv + pitRng.range(-1, 1) * (roof.hv - hv - 1.2),
        hu,
        hv,
      };
      if (!overlaps(candidate, roofItems, 1.5)) {
        roofItems.push(candidate);
        rect = candidate;
      }
    } else {
      rect = placeInYard(site, pitRng, pitRng.range(0.8, 1.8), pitRng.range(0.6, 1.3), 1.2);
    }
    if (!rect) continue;
    const hole = siteRectPolygon(site, rect);
    const rim = siteRectPolygon(site, rect, 0.12);
    const r0 = rect;
    const depthDir = pitRng.chance(0.5) ? 1 : -1;
    draw(onRoof ? 'roof' : 'markings', (r) => {
      r.fillPolygon(rim, noisy([170, 168, 160], 0.05, 0.3));
      r.fillPolygon(hole, (e, n, out) => {
        const s = toSite({ east: e, north: n });
        const t = ((s.u - r0.cu) / r0.hu) * depthDir;
        const k = (0.55 + (0.35 * (t + 1)) / 2) * (1 + 0.08 * r.noiseAt(e, n, 0.3));
        out.r = 38 * k;
        out.g = 36 * k;
        out.b = 34 * k;
      });
    });
    if (guarded) {
      lookalikes.push({ kind: 'guarded_opening', centre: toWorld(rect.cu, rect.cv) });
      const railOffset = 0.4;
      const railRect = { ...rect, hu: rect.hu + railOffset, hv: rect.hv + railOffset };
      const bars = [
        { cu: railRect.cu, cv: railRect.cv + railRect.hv, hu: railRect.hu, hv: 0.035 },
        { cu: railRect.cu, cv: railRect.cv - railRect.hv, hu: railRect.hu, hv: 0.035 },
        { cu: railRect.cu + railRect.hu, cv: railRect.cv, hu: 0.035, hv: railRect.hv },
        { cu: railRect.cu - railRect.hu, cv: railRect.cv, hu: 0.035, hv: railRect.hv },
      ];
      const layer: Layer = onRoof ? 'roof' : 'low';
      draw(layer, (r) => {
        for (const bar of bars) {
          const poly = siteRectPolygon(site, bar);
          r.darkenPolygon(
            poly.map((p) => ({ east: p.east + shadowOffset(1.1).east, north: p.north + shadowOffset(1.1).north })),
            0.35,
          );
        }
        for (const bar of bars) r.fillPolygon(siteRectPolygon(site, bar), solid([232, 196, 40]));
        for (let pu = -railRect.hu; pu <= railRect.hu + 1e-6; pu += railRect.hu) {
          for (const pv of [-railRect.hv, railRect.hv])
            r.fillDisc(toWorld(railRect.cu + pu, railRect.cv + pv), 0.06, solid([60, 60, 60]));
        }
      });
    } else {
      addHazard(
        site,
        'unguarded_edge',
        rectOutline(site, rect, 0.12),
        onRoof ? 'roof opening without guard rail' : 'pit without guard rail',
      );
    }
  }
}

/** Step 7, yard clutter: vehicles, containers, tanks (some steaming), pallets and tarps, all from one generator in that order. */
function placeYardClutter(site: Site, clutterRng: Rng): void {
  placeVehicles(site, clutterRng);
  placeContainers(site, clutterRng);
  placeTanks(site, clutterRng);
  placePallets(site, clutterRng);
  placeTarps(site, clutterRng);
}

function placeVehicles(site: Site, clutterRng: Rng): void {
  const { clutterScale, shadowOffset, draw } = site;
  for (let i = 0; i < Math.round(clutterRng.int(6, 12) * clutterScale); i++) {
    const truck = clutterRng.chance(0.2);
    const alongU = clutterRng.chance(0.5);
    const [lu, lv] = truck ? [5, 1.25] : [2.3, 0.9];
    const rect = placeInYard(site, clutterRng, alongU ? lu : lv, alongU ? lv : lu, 0.6);
    if (!rect) continue;
    const poly = siteRectPolygon(site, rect);
    const colour = clutterRng.pick(vehicleColours);
    draw('lowShadows', (r) => r.darkenPolygon(sweep(poly, shadowOffset(truck ? 3 : 1.5)), 0.45));
    draw('low', (r) => paintVehicle(r, poly, colour));
  }
}

/** Shipping containers; orange ones are look-alikes. */
function placeContainers(site: Site, clutterRng: Rng): void {
  const { clutterScale, toWorld, toSite, shadowOffset, lookalikes, draw } = site;
  for (let i = 0; i < Math.round(clutterRng.int(2, 6) * clutterScale); i++) {
    const alongU = clutterRng.chance(0.5);
    const long = clutterRng.chance(0.5) ? 6.1 : 3.05;
    const rect = placeInYard(site, clutterRng, alongU ? long : 1.22, alongU ? 1.22 : long, 0.5);
    if (!rect) continue;
    const poly = siteRectPolygon(site, rect);
    const colour = clutterRng.pick([
      [190, 90, 30],
      [40, 90, 150],
      [150, 40, 40],
      [90, 110, 80],
      [200, 200, 200],
    ] as const);
    if (colour[0] === 190) lookalikes.push({ kind: 'orange_container', centre: toWorld(rect.cu, rect.cv) });
    draw('lowShadows', (r) => r.darkenPolygon(sweep(poly, shadowOffset(2.6)), 0.45));
    draw('low', (r) =>
      r.fillPolygon(poly, (e, n, out) => {
        const s = toSite({ east: e, north: n });
        const ribs = Math.sin(((alongU ? s.u : s.v) * Math.PI * 2) / 0.3) * 0.07;
        const k = 1 + ribs + 0.04 * r.noiseAt(e, n, 1);
        out.r = colour[0] * k;
        out.g = colour[1] * k;
        out.b = colour[2] * k;
      }),
    );
  }
}

/** Round tanks; some vent steam, a look-alike for smoke. */
function placeTanks(site: Site, clutterRng: Rng): void {
  const { clutterScale, windDeg, toWorld, shadowOffset, lookalikes, draw } = site;
  for (let i = 0; i < Math.round(clutterRng.int(0, 3) * clutterScale); i++) {
    const radius = clutterRng.range(1.8, 4);
    const rect = placeInYard(site, clutterRng, radius, radius, 1.5);
    if (!rect) continue;
    const centre = toWorld(rect.cu, rect.cv);
    const height = clutterRng.range(4, 10);
    draw('buildingShadows', (r) =>
      r.darkenPolygon(sweep(regularPolygon(centre, radius, 32), shadowOffset(height)), 0.45),
    );
    draw('buildings', (r) =>
      r.fillDisc(centre, radius, (e, n, out) => {
        const d = Math.hypot(e - centre.east, n - centre.north) / radius;
        const k = 0.8 + 0.25 * (1 - d * d) + (d > 0.95 ? -0.2 : 0);
        out.r = 222 * k;
        out.g = 222 * k;
        out.b = 218 * k;
      }),
    );
    if (clutterRng.chance(0.6)) {
      lookalikes.push({ kind: 'steam', centre });
      const plumeRng = clutterRng.fork(i);
      draw('air', (r) => paintPlume(r, plumeRng, centre, windDeg, radius * 1.5, 0.8, [246, 246, 244], 1.3));
    }
  }
}

function placePallets(site: Site, clutterRng: Rng): void {
  const { clutterScale, siteAngle, toWorld, shadowOffset, draw } = site;
  for (let i = 0; i < Math.round(clutterRng.int(4, 10) * clutterScale); i++) {
    const rect = placeInYard(site, clutterRng, 0.6, 0.5, 0.3);
    if (!rect) continue;
    const poly = orientedRect(toWorld(rect.cu, rect.cv), 1.2, 1.0, siteAngle + clutterRng.range(-10, 10));
    const colour = clutterRng.pick(goodsColours);
    const loaded = clutterRng.chance(0.6);
    draw('lowShadows', (r) => r.darkenPolygon(sweep(poly, shadowOffset(loaded ? 1.3 : 0.15)), 0.45));
    draw('low', (r) => paintPallet(r, poly, colour, loaded));
  }
}

/** Tarps; orange ones are look-alikes for fire. */
function placeTarps(site: Site, clutterRng: Rng): void {
  const { clutterScale, toWorld, lookalikes, draw } = site;
  for (let i = 0; i < Math.round(clutterRng.int(1, 3) * Math.max(1, clutterScale)); i++) {
    const rect = placeInYard(site, clutterRng, clutterRng.range(1, 2.2), clutterRng.range(0.8, 1.8), 0.6);
    if (!rect) continue;
    const centre = toWorld(rect.cu, rect.cv);
    const shape = blob(clutterRng, centre, rect.hu, rect.hv, 0.25, 12);
    const colour = clutterRng.pick([
      [226, 96, 20],
      [236, 120, 30],
      [40, 80, 170],
    ] as const);
    if (colour[0] > 200) lookalikes.push({ kind: 'orange_tarp', centre });
    draw('low', (r) =>
      r.fillPolygon(shape, (e, n, out) => {
        const k = 1 + 0.18 * r.noiseAt(e, n, 0.5);
        out.r = colour[0] * k;
        out.g = colour[1] * k;
        out.b = colour[2] * k;
      }),
    );
  }
}

/** Step 8, workers: with hard hats (look-alikes) and without (hazards). */
function placeWorkers(site: Site, workerRng: Rng): void {
  const { clutterScale, toWorld, shadowOffset, lookalikes, draw } = site;
  const noHelmet = hazardCount(site, workerRng);
  const withHelmet = Math.round(workerRng.int(4, 9) * Math.max(0.6, clutterScale));
  for (let i = 0; i < noHelmet + withHelmet; i++) {
    const helmet = i >= noHelmet;
    const rect = placeInYard(site, workerRng, 0.45, 0.45, 0.4);
    if (!rect) continue;
    const centre = toWorld(rect.cu, rect.cv);
    const heading = workerRng.range(0, 360);
    const worker = makeWorker(workerRng, helmet);
    draw('lowShadows', (r) => paintWorkerShadow(r, centre, heading, shadowOffset(1.7)));
    draw('low', (r) => paintWorker(r, centre, heading, worker));
    if (helmet) lookalikes.push({ kind: 'worker_with_helmet', centre });
    else
      addHazard(
        site,
        'no_helmet',
        { shape: 'ellipse', centre, halfLength: 0.34, halfWidth: 0.34, angleDeg: 0 },
        'worker without hard hat',
      );
  }
}

/** Step 9, fire: burning waste on a scorched patch. */
function placeFires(site: Site, fireRng: Rng): void {
  const { toWorld, draw } = site;
  const fires = hazardCount(site, fireRng);
  for (let i = 0; i < fires; i++) {
    const radius = fireRng.range(0.6, 1.5);
    const rect = placeInYard(site, fireRng, radius + 0.6, radius + 0.6, 1.5);
    if (!rect) continue;
    const centre = toWorld(rect.cu, rect.cv);
    const flameRng = fireRng.fork(i);
    draw('markings', (r) =>
      r.fillPolygon(blob(flameRng, centre, radius + 0.5, radius + 0.5, 0.2), noisy([52, 46, 40], 0.25, 0.3)),
    );
    draw('air', (r) => paintFire(r, flameRng, centre, radius));
    addHazard(
      site,
      'fire',
      { shape: 'ellipse', centre, halfLength: radius, halfWidth: radius, angleDeg: 0 },
      'open fire',
    );
  }
}

/** Step 10, smoke: plumes downwind, from a fire of step 9 or from a source of their own. */
function placeSmoke(site: Site, smokeRng: Rng): void {
  const { halfL, halfW, windDeg, toWorld, toSite, hazards, draw } = site;
  const smokes = hazardCount(site, smokeRng);
  const fireHazards = hazards.filter((h) => h.className === 'fire');
  for (let i = 0; i < smokes; i++) {
    const plumeLength = smokeRng.range(3, 7);
    const wind = (windDeg * Math.PI) / 180;
    const source: EastNorth | undefined =
      fireHazards[i] !== undefined && smokeRng.chance(0.6)
        ? fireHazards[i]!.outline.centre
        : (() => {
            const rect = placeInYard(site, smokeRng, 1.2, 1.2, 2);
            return rect ? toWorld(rect.cu, rect.cv) : undefined;
          })();
    if (!source) continue;
    const plumeRng = smokeRng.fork(i);
    const grey = smokeRng.range(55, 110);
    const plumeCentre = {
      east: source.east + Math.sin(wind) * plumeLength * 0.5,
      north: source.north + Math.cos(wind) * plumeLength * 0.5,
    };
    const inSite = toSite(plumeCentre);
    if (Math.abs(inSite.u) > halfL || Math.abs(inSite.v) > halfW) continue;
    draw('air', (r) =>
      paintPlume(r, plumeRng, source, windDeg, plumeLength, 1.0, [grey, grey * 0.97, grey * 0.93], 1.9),
    );
    addHazard(
      site,
      'smoke',
      {
        shape: 'rect',
        centre: plumeCentre,
        halfLength: plumeLength * 0.5 + 0.6,
        halfWidth: 0.9 + plumeLength * 0.16,
        angleDeg: windDeg,
      },
      'smoke plume',
    );
  }
}

/** Step 11, trees along the fence outside the site. */
function plantTrees(site: Site, treeRng: Rng): void {
  const { halfL, halfW, clutterScale, shadowDir, toWorld, shadowOffset, draw } = site;
  for (let i = 0; i < Math.round(treeRng.int(8, 16) * Math.max(1, clutterScale)); i++) {
    const side = treeRng.pick([1, -1]);
    const along = treeRng.range(-halfL - 10, halfL + 10);
    const centre = toWorld(along, side * (halfW + (side > 0 ? treeRng.range(3, 9) : treeRng.range(10, 15))));
    const radius = treeRng.range(1.5, 3.5);
    const crown = blob(treeRng, centre, radius, radius, 0.18);
    const height = treeRng.range(5, 12);
    const tone = treeRng.range(0.8, 1.2);
    draw('trees', (r) => {
      r.darkenPolygon(
        crown.map((p) => ({
          east: p.east + shadowOffset(height).east * 0.6,
          north: p.north + shadowOffset(height).north * 0.6,
        })),
        0.45,
      );
      r.fillPolygon(crown, (e, n, out) => {
        const leaves = r.noiseAt(e, n, 0.35);
        const lit = 1 + (0.2 * ((e - centre.east) * -shadowDir.east + (n - centre.north) * -shadowDir.north)) / radius;
        const k = tone * lit * (1 + 0.3 * leaves);
        out.r = 52 * k;
        out.g = 82 * k;
        out.b = 40 * k;
      });
    });
  }
}

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HAZARD_CLASSES_V1, type HazardClassV1 } from '../../pipeline/domain/taxonomy.js';
import { type CameraSpec, MAVIC_3E_WIDE, NadirView } from '../../pipeline/geo/camera.js';
import { type EastNorth, type LatLon, LocalTangentPlane } from '../../pipeline/geo/wgs84.js';
import { embedMetadata, type PhotoMetadata } from './metadata.js';
import { renderPhoto, type SensorLook } from './photo.js';
import { Rng } from './random.js';
import { NoiseTexture, WorldRaster } from './raster.js';
import { type HazardOutline, type PlacedHazard, type SiteSize, planSite } from './site.js';

const GENERATOR_VERSION = '1.0.0';

interface FlightOptions {
  seed: number;
  outDir: string;
  imageWidth?: number;
  imageHeight?: number;
  /** Height above take-off, metres; drawn from 45–90 m when absent. */
  altitudeM?: number;
  site?: SiteSize;
  /** Stop after this many photos (the flight plan is cut short, as when a battery runs low). */
  maxPhotos?: number;
  /** Only plan and label, skip rendering JPEGs (fast ground truth for tests). */
  labelsOnly?: boolean;
  /** Told how long painting the site and rendering each photo took (benchmarks). */
  onTiming?: (phase: 'site' | 'photo', milliseconds: number) => void;
}

interface PixelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface HazardView {
  photo: string;
  box: PixelBox;
  /** True when the hazard is cut by the frame edge; such views are not in the YOLO labels. */
  truncated: boolean;
  visibleFraction: number;
}

export interface FlightPhoto {
  file: string;
  index: number;
  line: number;
  position: LatLon;
  east: number;
  north: number;
  relativeAltitudeM: number;
  absoluteAltitudeM: number;
  gimbalYawDeg: number;
  gsdM: number;
  footprint: LatLon[];
}

export interface FlightGroundTruth {
  generator: { name: string; version: string };
  seed: number;
  site: {
    size: SiteSize;
    origin: LatLon;
    lengthM: number;
    widthM: number;
    angleDeg: number;
    takeoffElevationM: number;
  };
  camera: CameraSpec & { imageWidth: number; imageHeight: number };
  plan: {
    relativeAltitudeM: number;
    forwardOverlap: number;
    sideOverlap: number;
    lineSpacingM: number;
    photoSpacingM: number;
    lines: number;
  };
  sun: { azimuthDeg: number; elevationDeg: number };
  classes: readonly HazardClassV1[];
  photos: FlightPhoto[];
  hazards: Array<{
    id: string;
    class: HazardClassV1;
    note: string;
    position: LatLon;
    east: number;
    north: number;
    outline: HazardOutline;
    views: HazardView[];
  }>;
  lookalikes: Array<{ kind: string; position: LatLon }>;
}

interface PlannedPhoto {
  centre: EastNorth;
  yawDeg: number;
  line: number;
}

/** Lawn-mower survey: parallel lines along the site's long axis, alternating direction. */
function planLines(
  siteLength: number,
  siteWidth: number,
  siteAngleDeg: number,
  footprintAcross: number,
  footprintAlong: number,
  forwardOverlap: number,
  sideOverlap: number,
): { photos: PlannedPhoto[]; lineSpacing: number; photoSpacing: number; lines: number } {
  const lineSpacing = footprintAcross * (1 - sideOverlap);
  const photoSpacing = footprintAlong * (1 - forwardOverlap);
  const lines = Math.max(1, Math.ceil(siteWidth / lineSpacing) + 1);
  const perLine = Math.max(2, Math.ceil(siteLength / photoSpacing) + 1);
  const theta = (siteAngleDeg * Math.PI) / 180;
  const u = { east: Math.sin(theta), north: Math.cos(theta) };
  const v = { east: Math.cos(theta), north: -Math.sin(theta) };
  const photos: PlannedPhoto[] = [];
  for (let line = 0; line < lines; line++) {
    const across = (line - (lines - 1) / 2) * lineSpacing;
    const forward = line % 2 === 0;
    for (let k = 0; k < perLine; k++) {
      const step = forward ? k : perLine - 1 - k;
      const along = (step - (perLine - 1) / 2) * photoSpacing;
      photos.push({
        centre: { east: along * u.east + across * v.east, north: along * u.north + across * v.north },
        yawDeg: normaliseYaw(siteAngleDeg + (forward ? 0 : 180)),
        line,
      });
    }
  }
  return { photos, lineSpacing, photoSpacing, lines };
}

function normaliseYaw(deg: number): number {
  const d = ((deg % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
}

/** Image-space box of an outline seen through `view`, exact for rectangles and ellipses. */
function projectOutline(outline: HazardOutline, view: NadirView): PixelBox {
  const c = view.groundToPixel(outline.centre);
  const a = (outline.angleDeg * Math.PI) / 180;
  const along = { east: Math.sin(a) * outline.halfLength, north: Math.cos(a) * outline.halfLength };
  const across = { east: Math.cos(a) * outline.halfWidth, north: -Math.sin(a) * outline.halfWidth };
  const pa = view.groundToPixel({ east: outline.centre.east + along.east, north: outline.centre.north + along.north });
  const pb = view.groundToPixel({
    east: outline.centre.east + across.east,
    north: outline.centre.north + across.north,
  });
  const ax = pa.x - c.x;
  const ay = pa.y - c.y;
  const bx = pb.x - c.x;
  const by = pb.y - c.y;
  const hx = outline.shape === 'rect' ? Math.abs(ax) + Math.abs(bx) : Math.hypot(ax, bx);
  const hy = outline.shape === 'rect' ? Math.abs(ay) + Math.abs(by) : Math.hypot(ay, by);
  return { x1: c.x - hx, y1: c.y - hy, x2: c.x + hx, y2: c.y + hy };
}

function clip(box: PixelBox, w: number, h: number): PixelBox {
  return { x1: Math.max(0, box.x1), y1: Math.max(0, box.y1), x2: Math.min(w, box.x2), y2: Math.min(h, box.y2) };
}

function area(b: PixelBox): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Chinese industrial regions, so the demo's coordinates look like the places it is built for. */
const REGIONS: Array<LatLon & { elevation: number }> = [
  { lat: 31.2304, lon: 121.4737, elevation: 4 },
  { lat: 30.5728, lon: 104.0668, elevation: 500 },
  { lat: 23.0207, lon: 113.7518, elevation: 12 },
  { lat: 39.0842, lon: 117.2009, elevation: 5 },
  { lat: 36.0671, lon: 120.3826, elevation: 30 },
  { lat: 34.7466, lon: 113.6253, elevation: 110 },
];

export async function generateFlight(options: FlightOptions): Promise<FlightGroundTruth> {
  const rng = new Rng(options.seed);
  const size = options.site ?? 'standard';
  const imageWidth = options.imageWidth ?? 4000;
  const imageHeight = options.imageHeight ?? 3000;
  const camera = MAVIC_3E_WIDE;
  const relativeAltitudeM = options.altitudeM ?? Math.round(rng.range(45, 90));
  const forwardOverlap = rng.range(0.7, 0.8);
  const sideOverlap = rng.range(0.6, 0.7);
  const region = rng.pick(REGIONS);
  const origin: LatLon = { lat: region.lat + rng.range(-0.2, 0.2), lon: region.lon + rng.range(-0.2, 0.2) };
  const takeoffElevationM = region.elevation + rng.range(-3, 3);
  const plane = new LocalTangentPlane(origin);
  const site = planSite(rng.nextUint32(), size);

  const probe = new NadirView(camera, imageWidth, imageHeight, { east: 0, north: 0 }, relativeAltitudeM, 0);
  const plan = planLines(
    site.length,
    site.width,
    site.angleDeg,
    imageWidth * probe.gsd,
    imageHeight * probe.gsd,
    forwardOverlap,
    sideOverlap,
  );
  const planned = plan.photos.slice(0, options.maxPhotos ?? plan.photos.length);

  // The world raster covers every footprint, at the photos' own ground resolution.
  const halfDiagonal = (Math.hypot(imageWidth, imageHeight) / 2) * probe.gsd + 2;
  const west = Math.min(...planned.map((p) => p.centre.east)) - halfDiagonal;
  const east = Math.max(...planned.map((p) => p.centre.east)) + halfDiagonal;
  const south = Math.min(...planned.map((p) => p.centre.north)) - halfDiagonal;
  const north = Math.max(...planned.map((p) => p.centre.north)) + halfDiagonal;
  const worldRes = probe.gsd;

  const startHour = rng.int(9, 15);
  const startMinute = rng.int(0, 59);
  const startDay = rng.int(1, 28);
  const startMonth = rng.int(3, 10);
  const date = (offsetS: number) => {
    const total = startHour * 3600 + startMinute * 60 + offsetS;
    const pad = (n: number) => String(n).padStart(2, '0');
    return `2026:${pad(startMonth)}:${pad(startDay)} ${pad(Math.floor(total / 3600) % 24)}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
  };

  const views = planned.map(
    (p) => new NadirView(camera, imageWidth, imageHeight, p.centre, relativeAltitudeM, p.yawDeg),
  );
  const photoName = (i: number) => `DJI_${String(i + 1).padStart(4, '0')}.JPG`;
  const hazards = site.hazards.map((h) => toGroundTruthHazard(h, plane, views, photoName));
  const photos: FlightPhoto[] = planned.map((p, i) => ({
    file: photoName(i),
    index: i,
    line: p.line,
    position: plane.toLatLon(p.centre),
    east: p.centre.east,
    north: p.centre.north,
    relativeAltitudeM,
    absoluteAltitudeM: takeoffElevationM + relativeAltitudeM,
    gimbalYawDeg: p.yawDeg,
    gsdM: views[i]!.gsd,
    footprint: views[i]!.footprint().map((c) => plane.toLatLon(c)),
  }));

  const truth: FlightGroundTruth = {
    generator: { name: 'hazardscope-flightgen', version: GENERATOR_VERSION },
    seed: options.seed,
    site: { size, origin, lengthM: site.length, widthM: site.width, angleDeg: site.angleDeg, takeoffElevationM },
    camera: { ...camera, imageWidth, imageHeight },
    plan: {
      relativeAltitudeM,
      forwardOverlap,
      sideOverlap,
      lineSpacingM: plan.lineSpacing,
      photoSpacingM: plan.photoSpacing,
      lines: plan.lines,
    },
    sun: { azimuthDeg: site.sunAzimuthDeg, elevationDeg: site.sunElevationDeg },
    classes: HAZARD_CLASSES_V1,
    photos,
    hazards,
    lookalikes: site.lookalikes.map((l) => ({ kind: l.kind, position: plane.toLatLon(l.centre) })),
  };

  await mkdir(path.join(options.outDir, 'labels'), { recursive: true });
  for (const photo of photos) {
    const lines: string[] = [];
    for (const h of hazards) {
      const v = h.views.find((x) => x.photo === photo.file && !x.truncated);
      if (!v) continue;
      const cls = HAZARD_CLASSES_V1.indexOf(h.class);
      const f = (n: number) => n.toFixed(6);
      lines.push(
        `${cls} ${f((v.box.x1 + v.box.x2) / 2 / imageWidth)} ${f((v.box.y1 + v.box.y2) / 2 / imageHeight)} ${f((v.box.x2 - v.box.x1) / imageWidth)} ${f((v.box.y2 - v.box.y1) / imageHeight)}`,
      );
    }
    await writeFile(
      path.join(options.outDir, 'labels', photo.file.replace(/\.JPG$/, '.txt')),
      lines.join('\n') + (lines.length ? '\n' : ''),
    );
  }
  await writeFile(path.join(options.outDir, 'classes.txt'), HAZARD_CLASSES_V1.join('\n') + '\n');
  await writeFile(path.join(options.outDir, 'flight.json'), JSON.stringify(truth, null, 2) + '\n');
  if (options.labelsOnly) return truth;

  const paintStarted = performance.now();
  const world = new WorldRaster(
    Math.ceil((east - west) / worldRes),
    Math.ceil((north - south) / worldRes),
    west,
    north,
    worldRes,
    new NoiseTexture(rng.fork(100)),
  );
  site.paint(world);
  options.onTiming?.('site', performance.now() - paintStarted);

  const lookRng = rng.fork(200);
  const flightGain: [number, number, number] = [
    lookRng.range(0.95, 1.08),
    lookRng.range(0.97, 1.05),
    lookRng.range(0.92, 1.06),
  ];
  const quality = lookRng.int(85, 95);
  for (let i = 0; i < planned.length; i++) {
    const photoStarted = performance.now();
    const p = planned[i]!;
    const frameRng = rng.fork(300 + i);
    const exposure = frameRng.range(0.96, 1.04);
    const look: SensorLook = {
      gain: [flightGain[0] * exposure, flightGain[1] * exposure, flightGain[2] * exposure],
      noiseSigma: frameRng.range(1.5, 4),
      vignetting: frameRng.range(0.15, 0.3),
      motionBlurPx: frameRng.chance(0.5) ? frameRng.range(1, 3) : 0,
      jpegQuality: quality,
    };
    const jpeg = await renderPhoto(world, views[i]!, look, frameRng);
    const metadata: PhotoMetadata = {
      make: camera.make,
      model: camera.model,
      software: `hazardscope-flightgen ${GENERATOR_VERSION}`,
      dateTimeOriginal: date(i * 2),
      offsetTime: '+08:00',
      focalLengthMm: camera.focalLengthMm,
      focalLength35mm: camera.focalLength35mm,
      fNumber: 2.8,
      exposureTimeS: 1 / 1000,
      iso: 100,
      pixelWidth: imageWidth,
      pixelHeight: imageHeight,
      latitude: photos[i]!.position.lat,
      longitude: photos[i]!.position.lon,
      absoluteAltitudeM: photos[i]!.absoluteAltitudeM,
      relativeAltitudeM,
      gimbalRollDeg: 0,
      gimbalPitchDeg: -90,
      gimbalYawDeg: p.yawDeg,
      flightRollDeg: frameRng.range(-3, 3),
      flightPitchDeg: frameRng.range(-8, -2),
      flightYawDeg: normaliseYaw(p.yawDeg + frameRng.range(-4, 4)),
    };
    await writeFile(path.join(options.outDir, photos[i]!.file), embedMetadata(jpeg, metadata));
    options.onTiming?.('photo', performance.now() - photoStarted);
  }
  return truth;
}

function toGroundTruthHazard(
  h: PlacedHazard,
  plane: LocalTangentPlane,
  views: NadirView[],
  photoName: (i: number) => string,
): FlightGroundTruth['hazards'][number] {
  const hazardViews: HazardView[] = [];
  views.forEach((view, i) => {
    const box = projectOutline(h.outline, view);
    const clipped = clip(box, view.imageWidth, view.imageHeight);
    const visibleFraction = area(clipped) / area(box);
    if (visibleFraction <= 0) return;
    hazardViews.push({
      photo: photoName(i),
      box: visibleFraction < 1 ? clipped : box,
      truncated: visibleFraction < 1,
      visibleFraction,
    });
  });
  return {
    id: h.id,
    class: h.className,
    note: h.note,
    position: plane.toLatLon(h.outline.centre),
    east: h.outline.centre.east,
    north: h.outline.centre.north,
    outline: h.outline,
    views: hazardViews,
  };
}

import sharp from 'sharp';
import { type Split, splitOf, withinClasses } from '../domain/training.js';
import { type PhotoBox, type PlannedCrop, planCrops, yoloText } from '../imaging/training-crops.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { DatasetWriter } from '../repositories/dataset-files.js';
import { OriginalUnavailableError, type ReviewedPhoto, type ReviewedPhotoService } from './reviewed-photos.js';

interface TrainingExportRequest {
  organisation: { id: string; name: string };
  since: Date;
  until: Date | null;
  directory: string;
  /** The class names labels index into: the active model's, in its order. */
  names: readonly string[];
  /** The model those names are from. */
  namesFrom: { name: string; version: string; sha256: string };
  cropSide: number;
  valFraction: number;
  actor: string;
  onProgress?: (done: number, total: number) => void;
}

type Counts = Record<string, number>;

interface TrainingExportManifest {
  format: 'yolo';
  exportedAt: string;
  exportedBy: string;
  since: string;
  until: string | null;
  organisation: { id: string; name: string };
  names: string[];
  namesFrom: { name: string; version: string; sha256: string };
  crop: { side: number; policy: string };
  split: { by: 'flight'; valFraction: number; flights: Record<Split, number> };
  counts: {
    reviewedPhotos: number;
    photosExported: number;
    /** Decisions and marks in the window, by state (rejections by reason). */
    decisions: Counts;
    images: Record<Split, number>;
    /** Images with an empty label file: hazard-free crops. */
    negativeImages: Record<Split, number>;
    boxes: Record<Split, Counts>;
    boxesByClass: Counts;
    maskedRegions: number;
  };
  /** The models whose detections were decided in the window (labels of missed hazards have none). */
  detectionModels: Array<{ name: string; version: string; sha256: string; decisions: number }>;
  skipped: Array<{ imageId: string; reason: string }>;
  files: Array<{
    image: string;
    label: string;
    sha256: { image: string; label: string };
    split: Split;
    source: {
      imageId: string;
      flightId: string;
      sha256: string;
      window: [number, number, number, number];
      scale: number;
    };
    labels: number;
    masks: number;
    anchors: Array<{ source: 'detection' | 'missed'; id: string; label: 'positive' | 'negative' }>;
  }>;
}

const POLICY =
  'full-resolution windows of side × side photo pixels (the photo where smaller) centred on each box decided in the window, ' +
  'one window holding several boxes serving them all; a box larger than the side widens its window, which is then scaled to the side. ' +
  'Every known label on the photo inside a window is written; undecided or undecidable boxes and boxes mostly cut by the edge are greyed out (114).';

interface TrainingExportServiceOptions {
  reviewed: ReviewedPhotoService;
  openDataset: (directory: string, splits: readonly Split[]) => Promise<DatasetWriter>;
  audit: AuditRepository;
  maxImagePixels: number;
  now?: () => Date;
}

/** Turns reviewers' decisions into a YOLO training set, audited like any other export of evidence. */
export class TrainingExportService {
  private readonly reviewed: ReviewedPhotoService;
  private readonly openDataset: (directory: string, splits: readonly Split[]) => Promise<DatasetWriter>;
  private readonly audit: AuditRepository;
  private readonly maxImagePixels: number;
  private readonly now: () => Date;

  constructor(options: TrainingExportServiceOptions) {
    this.reviewed = options.reviewed;
    this.openDataset = options.openDataset;
    this.audit = options.audit;
    this.maxImagePixels = options.maxImagePixels;
    this.now = options.now ?? (() => new Date());
  }

  async export(
    request: TrainingExportRequest,
  ): Promise<{ manifest: TrainingExportManifest; directory: string; manifestSha256: string }> {
    const dataset = await this.openDataset(request.directory, ['train', 'val']);
    const window = { organisationId: request.organisation.id, since: request.since, until: request.until };
    const photos = await this.reviewed.list(window);
    const subject = { subjectType: 'organisation', subjectId: request.organisation.id };
    const filter = {
      since: request.since.toISOString(),
      until: request.until?.toISOString() ?? null,
      directory: dataset.directory,
      cropSide: request.cropSide,
      valFraction: request.valFraction,
    };
    await this.audit.append({
      actor: request.actor,
      action: 'training.export_started',
      ...subject,
      detail: { ...filter, photos: photos.length },
    });

    const manifest: TrainingExportManifest = {
      format: 'yolo',
      exportedAt: this.now().toISOString(),
      exportedBy: request.actor,
      since: filter.since,
      until: filter.until,
      organisation: request.organisation,
      names: [...request.names],
      namesFrom: request.namesFrom,
      crop: { side: request.cropSide, policy: POLICY },
      split: { by: 'flight', valFraction: request.valFraction, flights: { train: 0, val: 0 } },
      counts: {
        reviewedPhotos: photos.length,
        photosExported: 0,
        decisions: {},
        images: { train: 0, val: 0 },
        negativeImages: { train: 0, val: 0 },
        boxes: { train: {}, val: {} },
        boxesByClass: {},
        maskedRegions: 0,
      },
      detectionModels: [],
      skipped: [],
      files: [],
    };
    const flights = new Map<string, Split>();
    const models = new Map<string, TrainingExportManifest['detectionModels'][number]>();
    let done = 0;
    for await (const photo of this.reviewed.labelled(photos, window)) {
      request.onProgress?.(++done, photos.length);
      for (const b of photo.boxes) {
        if (!b.anchor) continue;
        bump(manifest.counts.decisions, b.state === 'rejected' ? `rejected:${b.reason ?? 'no reason'}` : b.state);
        if (b.model) {
          const entry = models.get(b.model.sha256) ?? { ...b.model, decisions: 0 };
          entry.decisions++;
          models.set(b.model.sha256, entry);
        }
      }
      const crops = planCrops(photo.width, photo.height, toPhotoBoxes(photo, request.names), request.cropSide);
      if (crops.length === 0) continue;
      let upright: { data: Buffer; width: number; height: number };
      try {
        upright = await this.decode(photo);
      } catch (error) {
        manifest.skipped.push({ imageId: photo.id, reason: (error as Error).message });
        continue;
      }
      const split = flights.get(photo.flightId) ?? splitOf(photo.flightId, request.valFraction);
      flights.set(photo.flightId, split);
      manifest.counts.photosExported++;
      for (const crop of crops) {
        const name = `${photo.flightId.slice(0, 8)}_${photo.sha256.slice(0, 12)}_${crop.window.left}_${crop.window.top}`;
        const image = await dataset.write(`images/${split}/${name}.jpg`, await render(upright, crop));
        const label = await dataset.write(`labels/${split}/${name}.txt`, yoloText(crop.labels));
        manifest.counts.images[split]++;
        if (crop.labels.length === 0) manifest.counts.negativeImages[split]++;
        for (const l of crop.labels) {
          bump(manifest.counts.boxes[split], request.names[l.classIndex]!);
          bump(manifest.counts.boxesByClass, request.names[l.classIndex]!);
        }
        manifest.counts.maskedRegions += crop.masks.length;
        const { left, top, width, height } = crop.window;
        manifest.files.push({
          image: image.path,
          label: label.path,
          sha256: { image: image.sha256, label: label.sha256 },
          split,
          source: {
            imageId: photo.id,
            flightId: photo.flightId,
            sha256: photo.sha256,
            window: [left, top, width, height],
            scale: round(crop.scale),
          },
          labels: crop.labels.length,
          masks: crop.masks.length,
          // Which decisions this crop was cut for: a label can be traced back to its reviewer.
          anchors: crop.anchors.map((i) => ({
            source: photo.boxes[i]!.source,
            id: photo.boxes[i]!.id,
            label: photo.boxes[i]!.label.kind === 'negative' ? 'negative' : 'positive',
          })),
        });
      }
    }
    for (const split of flights.values()) manifest.split.flights[split]++;
    manifest.detectionModels = [...models.values()];
    // No `path:` key: YOLO trainers then resolve train/val next to this file, wherever it is moved.
    await dataset.write(
      'data.yaml',
      `# HazardScope reviewer export (${manifest.exportedAt}); classes of ${request.namesFrom.name} ${request.namesFrom.version}, in its order.\ntrain: images/train\nval: images/val\nnc: ${request.names.length}\nnames: ${JSON.stringify(request.names)}\n`,
    );
    const written = await dataset.write('export.json', JSON.stringify(manifest, null, 1) + '\n');
    await this.audit.append({
      actor: request.actor,
      action: 'training.exported',
      ...subject,
      detail: {
        ...filter,
        exportJsonSha256: written.sha256,
        photos: manifest.counts.photosExported,
        images: manifest.counts.images,
        boxesByClass: manifest.counts.boxesByClass,
        skipped: manifest.skipped.length,
      },
    });
    return { manifest, directory: dataset.directory, manifestSha256: written.sha256 };
  }

  private async decode(photo: ReviewedPhoto): Promise<{ data: Buffer; width: number; height: number }> {
    const bytes = await this.reviewed.original(photo);
    let decoded;
    try {
      decoded = await sharp(bytes, { limitInputPixels: this.maxImagePixels })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new OriginalUnavailableError(`original ${photo.objectKey} cannot be decoded: ${(error as Error).message}`);
    }
    const { width, height, channels } = decoded.info;
    // The boxes are in the upright pixels the detector saw; any other size would misplace every label.
    if (width !== photo.width || height !== photo.height || channels !== 3)
      throw new OriginalUnavailableError(
        `original ${photo.objectKey} decodes to ${width}×${height}×${channels}, not the ${photo.width}×${photo.height} its boxes are in`,
      );
    return { data: decoded.data, width, height };
  }
}

function toPhotoBoxes(photo: ReviewedPhoto, names: readonly string[]): PhotoBox[] {
  return photo.boxes.map((b) => {
    const label = withinClasses(b.label, names);
    if (label.kind === 'positive')
      return { box: b.box, kind: 'positive', classIndex: names.indexOf(label.className), anchor: b.anchor };
    return { box: b.box, kind: label.kind === 'negative' ? 'negative' : 'unknown', anchor: b.anchor };
  });
}

/** The window's pixels with its masks greyed out (the letterbox grey), as a JPEG. */
async function render(photo: { data: Buffer; width: number; height: number }, crop: PlannedCrop): Promise<Buffer> {
  const { left, top, width, height } = crop.window;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    photo.data.copy(
      pixels,
      y * width * 3,
      ((top + y) * photo.width + left) * 3,
      ((top + y) * photo.width + left + width) * 3,
    );
  for (const m of crop.masks)
    for (let y = m.top; y < m.top + m.height; y++)
      pixels.fill(114, (y * width + m.left) * 3, (y * width + m.left + m.width) * 3);
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (crop.scale < 1)
    image = image.resize(Math.max(1, Math.round(width * crop.scale)), Math.max(1, Math.round(height * crop.scale)));
  return image.jpeg({ quality: 95 }).toBuffer();
}

function bump(counts: Counts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

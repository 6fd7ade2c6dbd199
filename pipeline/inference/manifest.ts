import { z } from 'zod';
import { type VerifierManifest, VerifierManifestSchema } from './verifier.js';

/**
 * `models/<name>/manifest.json`: what a model needs besides its weights. Every field may be left
 * out; what is absent is read from the ONNX file (session input/output metadata, Ultralytics
 * `metadata_props`) or from the probe run at load, and only then from the documented conventions
 * of the model's format. The engine itself holds no sizes, labels or thresholds.
 */

export const MODEL_FORMATS = ['yolov5', 'yolov8', 'end2end', 'yolox'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

const Severity = z.enum(['major', 'general']);
const Probability = z.number().gt(0).lt(1);

const ManifestClassSchema = z
  .object({
    name: z.string().min(1),
    /** The hazard this class flags; a class without one (say COCO "car") is detected but never flagged. */
    hazardCode: z.string().min(1).optional(),
    severity: Severity.optional(),
    threshold: Probability.optional(),
    /**
     * Whether the class's detections become findings for review unless a bureau decides otherwise
     * (default true). A class measured on too few real photos ships false, so that it goes live
     * only when an admin who has read `disabledReason` enables it.
     */
    enabled: z.boolean().optional(),
    /** Why the class ships disabled, shown to admins (e.g. "only synthetic evidence: 0 real test instances"). */
    disabledReason: z.string().trim().min(1).optional(),
  })
  .strict()
  .refine((c) => (c.hazardCode === undefined) === (c.severity === undefined), {
    error: 'hazardCode and severity are given together or not at all',
  })
  .refine((c) => (c.enabled === false) === (c.disabledReason !== undefined), {
    error: 'a class with "enabled": false says why in "disabledReason", and only such a class has one',
  });

const ManifestInputSchema = z
  .object({
    name: z.string().min(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channelOrder: z.enum(['RGB', 'BGR']),
    /** Multiplies 0..255 pixel values (1/255 for Ultralytics, 1 for YOLOX). */
    scale: z.number().positive(),
    /** centre (Ultralytics), top-left (YOLOX) or stretch (no aspect ratio kept). */
    letterbox: z.enum(['centre', 'top-left', 'stretch']),
    padValue: z.number().int().min(0).max(255),
    /** Whether the batch axis is dynamic; read from the session when absent. */
    dynamicBatch: z.boolean(),
  })
  .partial()
  .strict();

const ManifestTilingSchema = z
  .object({
    /** Square tiles of this edge in photo pixels; by default tiles are the model input's size, so they go in unscaled. */
    tileSize: z.number().int().min(32),
    overlap: z.number().min(0).max(0.9),
    /** Also run the whole frame letterboxed to the input size, for objects larger than a tile. */
    fullFrame: z.boolean(),
    /** How predictions from overlapping tiles are combined: suppress the weaker (nms) or merge boxes (nmm). */
    merge: z.enum(['nms', 'nmm']),
    /** iou, or intersection over the smaller box (ios), which matches parts cut off at a tile edge. */
    mergeMetric: z.enum(['iou', 'ios']),
    mergeThreshold: Probability,
    /** Tiles per session.run when the batch axis is dynamic. */
    batch: z.number().int().min(1).max(64),
  })
  .partial()
  .strict();

export const ModelManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash or underscore'),
    version: z.string().min(1),
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    format: z.enum(MODEL_FORMATS),
    /** Box coordinates in input pixels or as 0..1 fractions of the input; detected at load when absent. */
    boxes: z.enum(['pixels', 'normalised']),
    input: ManifestInputSchema,
    classes: z.array(ManifestClassSchema).min(1),
    /** Threshold of classes that do not set their own. */
    defaultThreshold: Probability,
    nms: z.object({ iou: Probability, maxDetections: z.number().int().positive() }).partial().strict(),
    tiling: ManifestTilingSchema,
    /** Feature-map strides of raw-grid heads (YOLOX). */
    strides: z.array(z.number().int().positive()).min(1),
    training: z.record(z.string(), z.unknown()),
    /** A second-stage classifier that re-judges some classes' boxes (pipeline/inference/verifier.ts). */
    verifier: VerifierManifestSchema,
  })
  .partial()
  .strict();

export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** Where a resolved value came from, so a surprising setting can be traced. */
export type Provenance = 'manifest' | 'onnx' | 'probe' | 'convention';

export interface ModelClass {
  name: string;
  hazardCode: string | null;
  severity: 'major' | 'general' | null;
  threshold: number;
  /** Whether the class is live where no bureau has decided otherwise (manifest `enabled`, default true). */
  enabledByDefault: boolean;
  /** Why it ships disabled; null for a class enabled by default. */
  disabledReason: string | null;
}

export interface ModelInput {
  name: string;
  width: number;
  height: number;
  channelOrder: 'RGB' | 'BGR';
  scale: number;
  letterbox: 'centre' | 'top-left' | 'stretch';
  padValue: number;
  dynamicBatch: boolean;
}

export interface ModelTiling {
  tileWidth: number;
  tileHeight: number;
  overlap: number;
  fullFrame: boolean;
  merge: 'nms' | 'nmm';
  mergeMetric: 'iou' | 'ios';
  mergeThreshold: number;
  batch: number;
}

/** A model with every setting resolved: what the engine runs on. */
export interface ModelSpec {
  name: string;
  version: string;
  file: string;
  sha256: string;
  format: ModelFormat;
  boxes: 'pixels' | 'normalised';
  input: ModelInput;
  outputName: string;
  classes: ModelClass[];
  nms: { iou: number; maxDetections: number };
  tiling: ModelTiling;
  strides: number[];
  provenance: Record<string, Provenance>;
  /** The verifier beside the model, with its file's path; absent when the model has none. */
  verifier?: VerifierManifest & { path: string };
}

/**
 * Opening a model: manifest (optional, partial) + ONNX file → a fully resolved ModelSpec, checked
 * on probe images before it may run. Values the manifest leaves out come from the ONNX file, then
 * from the probe run, then from the conventions of the recognised format.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { ModelRunner } from './engine.js';
import { FORMAT_CONVENTIONS, type OutputLayout, recogniseLayout, UnknownLayoutError } from './formats.js';
import {
  type ModelClass,
  type ModelFormat,
  type ModelInput,
  type ModelManifest,
  ModelManifestSchema,
  type ModelSpec,
  type Provenance,
} from './manifest.js';
import {
  type OnnxModelInfo,
  parseClassNames,
  parseIntList,
  parsePythonBool,
  readOnnxModelInfo,
} from './onnx-metadata.js';
import { placeInInput, writeViewTensor } from './preprocess.js';
import { detectBoxUnits, inspectProbeOutputs, probeImages } from './probes.js';

/** Raised when a model cannot be used; the message says which model and why. */
export class ModelLoadError extends Error {}

/**
 * Engine defaults for slicing, not properties of any model: 20% overlap, one tile per session.run
 * (on CPU, larger batches ran slower per tile here: 68 tiles/s at 1, 63 at 4, 50 at 8 with two
 * threads; accelerators may want more, which a manifest can ask for).
 */
const TILING_DEFAULTS = {
  overlap: 0.2,
  fullFrame: false,
  merge: 'nms',
  mergeMetric: 'ios',
  mergeThreshold: 0.5,
  batch: 1,
} as const;

export interface SessionSettings {
  /** ONNX Runtime intra-op threads for this session; 0 lets ONNX Runtime use every core. */
  intraOpThreads?: number;
  /** Tiles per session.run instead of the manifest's (for measuring). */
  batch?: number;
}

/** What can be known about a model without running it: enough for the API to describe it. */
export interface ModelCard {
  name: string;
  version: string;
  file: string;
  sha256: string;
  classes: ModelClass[];
}

interface LocatedModel {
  dir: string;
  manifest: ModelManifest;
  filePath: string;
  bytes: Buffer;
  sha256: string;
  info: OnnxModelInfo;
}

/** A model directory (manifest.json and/or one .onnx file) or an .onnx file. */
async function locate(source: string): Promise<LocatedModel> {
  if (!existsSync(source)) throw new ModelLoadError(`model ${source} does not exist`);
  const isDir = statSync(source).isDirectory();
  const dir = isDir ? source : path.dirname(source);
  let manifest: ModelManifest = {};
  const manifestPath = path.join(dir, 'manifest.json');
  // An .onnx file beside a manifest that names it is that model: its hazard codes and thresholds apply.
  const describesFile = async () => {
    try {
      const declared = (JSON.parse(await readFile(manifestPath, 'utf8')) as { file?: unknown }).file ?? 'model.onnx';
      return declared === path.basename(source);
    } catch {
      return false;
    }
  };
  if (existsSync(manifestPath) && (isDir || (await describesFile()))) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(manifestPath, 'utf8'));
    } catch (error) {
      throw new ModelLoadError(`model manifest ${manifestPath} is not JSON: ${(error as Error).message}`);
    }
    const parsed = ModelManifestSchema.safeParse(json);
    if (!parsed.success) {
      throw new ModelLoadError(
        `invalid model manifest ${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    manifest = parsed.data;
  }
  let filePath = source;
  if (isDir) {
    if (manifest.file) filePath = path.join(dir, manifest.file);
    else {
      const onnx = (await readdir(dir)).filter((f) => f.endsWith('.onnx'));
      if (onnx.length !== 1)
        throw new ModelLoadError(
          `model directory ${dir} holds ${onnx.length} .onnx files and no manifest.json naming one`,
        );
      filePath = path.join(dir, onnx[0]!);
    }
  }
  if (!existsSync(filePath)) throw new ModelLoadError(`model file ${filePath} does not exist`);
  const bytes = await readFile(filePath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (manifest.sha256 && manifest.sha256 !== sha256) {
    throw new ModelLoadError(`model file ${filePath} has sha256 ${sha256}, but its manifest says ${manifest.sha256}`);
  }
  let info: OnnxModelInfo;
  try {
    info = readOnnxModelInfo(bytes);
  } catch (error) {
    throw new ModelLoadError(`model file ${filePath}: ${(error as Error).message}`);
  }
  return { dir, manifest, filePath, bytes, sha256, info };
}

function card(model: LocatedModel, numClasses?: number): ModelCard & { provenance: Record<string, Provenance> } {
  const { manifest, info, sha256, filePath } = model;
  const provenance: Record<string, Provenance> = {};
  const embedded = info.metadata.names ? parseClassNames(info.metadata.names) : undefined;
  const declared = manifest.classes?.map((c) => c.name);
  if (declared && embedded && declared.join('\u0000') !== embedded.join('\u0000')) {
    // A reordered list would attach every hazard code to the wrong class.
    throw new ModelLoadError(
      `model ${filePath}: manifest classes [${declared.join(', ')}] differ from the names in the ONNX file [${embedded.join(', ')}]`,
    );
  }
  const names = declared ?? embedded;
  provenance.classes = manifest.classes ? 'manifest' : names ? 'onnx' : 'convention';
  const classNames =
    names ?? (numClasses === undefined ? undefined : Array.from({ length: numClasses }, (_, i) => `class_${i}`));
  if (!classNames) throw new ModelLoadError(`model ${filePath} names no classes: list them in manifest.json "classes"`);
  const defaultThreshold = manifest.defaultThreshold ?? FORMAT_CONVENTIONS[manifest.format ?? 'yolov8'].threshold;
  const classes = classNames.map((name, i): ModelClass => {
    const declared = manifest.classes?.[i];
    return {
      name,
      hazardCode: declared?.hazardCode ?? null,
      severity: declared?.severity ?? null,
      threshold: declared?.threshold ?? defaultThreshold,
      enabledByDefault: declared?.enabled ?? true,
      disabledReason: declared?.disabledReason ?? null,
    };
  });
  return {
    name: manifest.name ?? slug(path.basename(filePath, '.onnx')),
    version: manifest.version ?? `sha256-${sha256.slice(0, 12)}`,
    file: path.basename(filePath),
    sha256,
    classes,
    provenance,
  };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'model'
  );
}

/** A class the pipeline flags: one mapped to a hazard code and severity. */
export interface HazardClass extends ModelClass {
  hazardCode: string;
  severity: 'major' | 'general';
}

/**
 * The classes that flag hazards. A model that flags none (say a COCO detector dropped in as it is)
 * cannot serve the pipeline: refused at start-up, with what to add to its manifest.
 */
export function hazardClassesOf(card: ModelCard): HazardClass[] {
  const mapped = card.classes.filter((c): c is HazardClass => c.hazardCode !== null && c.severity !== null);
  if (mapped.length === 0) {
    throw new ModelLoadError(
      `model ${card.name} maps none of its ${card.classes.length} classes to a hazard: give classes a hazardCode and severity in manifest.json`,
    );
  }
  return mapped;
}

/** Reads the manifest and the ONNX file's own metadata, without opening a session (for the API). */
export async function readModelCard(source: string): Promise<ModelCard> {
  const { provenance: _, ...result } = card(await locate(source));
  return result;
}

/** Opens, resolves and checks a model; refuses it with a clear message when it is not usable. */
export async function loadModel(source: string, settings: SessionSettings = {}): Promise<ModelRunner> {
  const model = await locate(source);
  const { filePath } = model;
  // Loaded here, not at the top: the API reads model cards without ever opening a session.
  const ort = await import('onnxruntime-node');
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model.bytes, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: settings.intraOpThreads ?? 0,
      interOpNumThreads: 1,
    });
  } catch (error) {
    throw new ModelLoadError(`model file ${filePath} cannot be opened by ONNX Runtime: ${(error as Error).message}`);
  }
  try {
    return await resolveAndCheck(model, ort, session, settings);
  } catch (error) {
    await session.release().catch(() => undefined);
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(`model ${filePath} refused: ${(error as Error).message}`);
  }
}

async function resolveAndCheck(
  model: LocatedModel,
  ort: typeof Ort,
  session: Ort.InferenceSession,
  settings: SessionSettings,
): Promise<ModelRunner> {
  const { manifest, info, filePath } = model;
  const provenance: Record<string, Provenance> = {};
  const inputMeta = session.inputMetadata.find((m) => m.name === (manifest.input?.name ?? session.inputNames[0]));
  if (!inputMeta) throw new ModelLoadError(`model ${filePath} has no input ${manifest.input?.name ?? ''}`);
  const outputName = session.outputNames[0];
  if (!outputName) throw new ModelLoadError(`model ${filePath} has no outputs`);
  const shape = inputMeta.isTensor ? inputMeta.shape : [];
  const fixed = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
  const imgsz = info.metadata.imgsz ? parseIntList(info.metadata.imgsz) : [];
  const size = (axis: 'width' | 'height', dim: unknown, fromImgsz: number | undefined): number => {
    const declared = manifest.input?.[axis];
    if (declared !== undefined) return ((provenance[`input.${axis}`] = 'manifest'), declared);
    if (fixed(dim) !== undefined) return ((provenance[`input.${axis}`] = 'onnx'), fixed(dim)!);
    if (fromImgsz !== undefined) return ((provenance[`input.${axis}`] = 'onnx'), fromImgsz);
    throw new ModelLoadError(
      `model ${filePath} has a dynamic input ${axis} and no imgsz metadata: set input.${axis} in manifest.json`,
    );
  };
  const height = size('height', shape[2], imgsz[0]);
  const width = size('width', shape[3], imgsz[1] ?? imgsz[0]);
  const sessionBatch = fixed(shape[0]);
  if (manifest.input?.dynamicBatch && sessionBatch !== undefined) {
    throw new ModelLoadError(
      `model ${filePath}: manifest says the batch axis is dynamic, but the model's input is fixed at batch ${sessionBatch}`,
    );
  }
  const dynamicBatch = manifest.input?.dynamicBatch ?? sessionBatch === undefined;
  // Ultralytics writes the largest stride (32, or 64 for P6 models); the pyramid starts at 8.
  const maxStride = info.metadata.stride ? parseIntList(info.metadata.stride)[0] : undefined;
  const strides =
    manifest.strides ?? (maxStride && maxStride >= 8 ? stridesUpTo(maxStride) : FORMAT_CONVENTIONS.yolox.strides);
  const namesCount =
    manifest.classes?.length ?? (info.metadata.names ? parseClassNames(info.metadata.names).length : undefined);

  const inputFor = (format: ModelFormat): ModelInput => {
    const convention = FORMAT_CONVENTIONS[format].input;
    const declared = manifest.input ?? {};
    for (const key of ['channelOrder', 'scale', 'letterbox', 'padValue'] as const)
      provenance[`input.${key}`] = declared[key] !== undefined ? 'manifest' : 'convention';
    return { ...convention, ...stripUndefined(declared), name: inputMeta.name, width, height, dynamicBatch };
  };

  // Probe with the manifest's format (or the Ultralytics convention) until the output shape says otherwise.
  const probes = probeImages(width, height);
  const run = async (input: ModelInput, image: (typeof probes)[number]['image']) => {
    const data = new Float32Array(3 * width * height);
    writeViewTensor(image, { x: 0, y: 0, width, height }, placeInInput(width, height, input), input, data, 0);
    const result = await session.run({ [input.name]: new ort.Tensor('float32', data, [1, 3, height, width]) });
    const out = result[outputName]!;
    return { dims: [...out.dims], data: out.data as Float32Array };
  };
  const guess = manifest.format ?? 'yolov8';
  const first = await run(inputFor(guess), probes[0]!.image);
  let layout: OutputLayout;
  try {
    layout = recogniseLayout(first.dims, { width, height }, strides, namesCount, {
      format: manifest.format,
      end2end: parsePythonBool(info.metadata.end2end),
    });
  } catch (error) {
    if (error instanceof UnknownLayoutError) throw new ModelLoadError(`model ${filePath} refused: ${error.message}`);
    throw error;
  }
  provenance.format = manifest.format ? 'manifest' : 'probe';
  const input = inputFor(layout.format);
  const outputs: Array<{ label: string; data: Float32Array }> = [];
  for (const probe of probes)
    outputs.push({
      label: probe.label,
      data: layout.format === guess && probe === probes[0] ? first.data : (await run(input, probe.image)).data,
    });

  const boxes =
    manifest.boxes ??
    detectBoxUnits(
      outputs.map((o) => o.data),
      layout,
    );
  provenance.boxes = manifest.boxes ? 'manifest' : 'probe';
  const described = card(model, layout.numClasses || undefined);
  const problems = inspectProbeOutputs(outputs, layout, boxes, { width, height }, strides, described.classes.length);
  if (problems.length > 0)
    throw new ModelLoadError(`model ${filePath} refused by the load check: ${problems.join('; ')}`);

  if (layout.format === 'end2end' && described.classes.length === 0)
    throw new ModelLoadError(`model ${filePath} is end-to-end and names no classes`);
  if (layout.format !== 'end2end' && described.classes.length !== layout.numClasses) {
    throw new ModelLoadError(
      `model ${filePath} names ${described.classes.length} classes but its output has ${layout.numClasses}`,
    );
  }
  const convention = FORMAT_CONVENTIONS[layout.format];
  const spec: ModelSpec = {
    name: described.name,
    version: described.version,
    file: described.file,
    sha256: described.sha256,
    format: layout.format,
    boxes,
    input,
    outputName,
    classes: described.classes,
    nms: {
      iou: manifest.nms?.iou ?? convention.nmsIou,
      maxDetections: manifest.nms?.maxDetections ?? convention.maxDetections,
    },
    tiling: {
      ...TILING_DEFAULTS,
      ...stripUndefined({ ...(manifest.tiling ?? {}), tileSize: undefined }),
      tileWidth: manifest.tiling?.tileSize ?? width,
      tileHeight: manifest.tiling?.tileSize ?? height,
      ...(settings.batch ? { batch: settings.batch } : {}),
    },
    strides,
    provenance: { ...described.provenance, ...provenance },
    ...(manifest.verifier ? { verifier: verifierFor(model, described.classes) } : {}),
  };
  return new ModelRunner(spec, { ...layout, numClasses: spec.classes.length }, session, ort.Tensor);
}

/** The verifier's file beside the model; every class it judges must be one of the model's. */
function verifierFor(model: LocatedModel, classes: readonly ModelClass[]): NonNullable<ModelSpec['verifier']> {
  const verifier = model.manifest.verifier!;
  const unknown = Object.keys(verifier.classes).filter((name) => !classes.some((c) => c.name === name));
  if (unknown.length > 0)
    throw new ModelLoadError(
      `model ${model.filePath}: the verifier judges classes the model lacks: ${unknown.join(', ')}`,
    );
  const file = path.join(model.dir, verifier.file);
  if (!existsSync(file)) throw new ModelLoadError(`verifier file ${file} does not exist`);
  return { ...verifier, path: file };
}

function stridesUpTo(maxStride: number): number[] {
  const strides: number[] = [];
  for (let s = 8; s <= maxStride; s *= 2) strides.push(s);
  return strides;
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

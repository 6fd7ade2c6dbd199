/**
 * hazardscope detect: try a model on one's own photos. Prints what it finds and, with --annotate,
 * writes each photo with its boxes drawn.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { boxesOverlaySvg, classColour } from '../../pipeline/imaging/overlay.js';
import { tuneDecodingForThroughput } from '../../pipeline/inference/decode.js';
import type { DetectOptions } from '../../pipeline/inference/detector.js';
import { ModelLoadError } from '../../pipeline/inference/load.js';
import type { ModelSpec } from '../../pipeline/inference/manifest.js';
import { InferencePool } from '../../pipeline/inference/pool.js';
import { detectMany, type PhotoResult } from '../../pipeline/inference/run-many.js';

export const DETECT_USAGE = `usage:
  hazardscope detect <image|folder> [--model DIR|FILE.onnx] [--tile | --no-tile] [--tile-size PX]
                     [--overlap 0.2] [--full-frame] [--conf 0.25] [--no-verify] [--json] [--annotate DIR]
                     [--threads N]

  --model       model directory (manifest.json and/or one .onnx) or an .onnx file; default MODEL_DIR
  --tile        cut photos larger than the model input into tiles (the default); --no-tile runs the
                whole frame letterboxed to the input size only
  --tile-size   tile edge in photo pixels (default: the model input)
  --overlap     overlap between neighbouring tiles, 0..0.9 (default from the manifest, else 0.2)
  --full-frame  add a whole-frame pass to the tiles, for objects larger than a tile
  --no-verify   show the detector's boxes before the model's verifier re-judges them (models that have one)
  --conf        one score threshold for every class instead of the model's own
  --json        print one JSON document instead of text
  --annotate    write each photo with its boxes drawn to DIR/<name>.jpg
  --threads     inference threads (default: one per core)`;

const IMAGE_EXTENSIONS = /\.(jpe?g|png|tiff?|webp)$/i;

export async function runDetect(argv: string[], defaultModel: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        model: { type: 'string' },
        tile: { type: 'boolean' },
        'tile-size': { type: 'string' },
        overlap: { type: 'string' },
        'full-frame': { type: 'boolean' },
        verify: { type: 'boolean' },
        conf: { type: 'string' },
        json: { type: 'boolean', default: false },
        annotate: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${DETECT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(DETECT_USAGE);
    return 0;
  }
  const problems: string[] = [];
  const number = (
    name: string,
    text: string | undefined,
    min: number,
    max: number,
    integer = false,
  ): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      problems.push(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${text}"`);
    return value;
  };
  const tileSize = number('tile-size', values['tile-size'], 32, 100_000, true);
  const overlap = number('overlap', values.overlap, 0, 0.9);
  const conf = number('conf', values.conf, 0.001, 0.999);
  const threads = number('threads', values.threads, 1, 64, true) ?? os.availableParallelism();
  if (positionals.length !== 1)
    problems.push(
      positionals.length === 0 ? 'give one image or folder' : `give one image or folder, not ${positionals.length}`,
    );
  const target = positionals[0];
  if (target !== undefined && !existsSync(target)) problems.push(`${target} does not exist`);
  if (problems.length > 0) {
    console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n\n${DETECT_USAGE}`);
    return 2;
  }
  const photos = statSync(target!).isDirectory()
    ? (await readdir(target!))
        .filter((f) => IMAGE_EXTENSIONS.test(f))
        .sort()
        .map((f) => path.join(target!, f))
    : [target!];
  if (photos.length === 0) {
    console.error(`error: no images (${IMAGE_EXTENSIONS.source}) in ${target}`);
    return 2;
  }

  tuneDecodingForThroughput();
  let pool: InferencePool;
  try {
    pool = await InferencePool.start({
      modelDir: path.resolve(values.model ?? defaultModel),
      threads,
      intraOpThreads: 1,
    });
  } catch (error) {
    console.error(`error: ${error instanceof ModelLoadError ? error.message : String(error)}`);
    return 1;
  }
  const { spec } = pool;
  const options: DetectOptions = {
    ...(values.tile === undefined ? {} : { tiled: values.tile }),
    ...(values['full-frame'] === undefined ? {} : { fullFrame: values['full-frame'] }),
    ...(values.verify === undefined ? {} : { verify: values.verify }),
    ...(tileSize === undefined ? {} : { tileSize }),
    ...(overlap === undefined ? {} : { overlap }),
    ...(conf === undefined ? {} : { thresholds: spec.classes.map(() => conf) }),
  };
  if (values.annotate) await mkdir(values.annotate, { recursive: true });
  if (!values.json) console.log(describeModel(spec));

  const failures: Array<{ file: string; error: string }> = [];
  const printer = inOrder<PhotoResult>((result) => {
    if (!values.json) console.log(formatResult(result, spec));
  });
  const started = performance.now();
  try {
    const results = await detectMany(pool, photos, {
      ...options,
      // One tiled photo already fills every thread; more in flight would only hold more pixels.
      inFlight: options.tiled === false ? threads + 1 : 2,
      onResult: (result, index) => printer(index, result),
      onError: (file, error, index) => {
        failures.push({ file, error: error.message });
        if (!values.json) console.error(`${file}: ${error.message}`);
        printer(index, undefined);
      },
    });
    if (values.annotate) {
      for (const result of results) if (result) await annotate(result, spec, values.annotate);
    }
    const done = results.filter((r): r is PhotoResult => r !== undefined);
    const seconds = (performance.now() - started) / 1000;
    if (values.json) {
      console.log(
        JSON.stringify(
          { model: modelSummary(spec), photos: done.map((r) => photoJson(r, spec)), failures, seconds: round(seconds) },
          null,
          2,
        ),
      );
    } else {
      const total = done.reduce((n, r) => n + r.detections.length, 0);
      console.log(
        `\n${done.length} photo(s), ${total} detection(s) in ${seconds.toFixed(1)} s${failures.length ? `; ${failures.length} failed` : ''}${values.annotate ? `; annotated photos in ${values.annotate}` : ''}`,
      );
    }
  } finally {
    await pool.close();
  }
  return failures.length > 0 ? 1 : 0;
}

/** Calls `emit` in index order although results arrive in completion order. */
function inOrder<T>(emit: (value: T) => void): (index: number, value: T | undefined) => void {
  const waiting = new Map<number, T | undefined>();
  let next = 0;
  return (index, value) => {
    waiting.set(index, value);
    while (waiting.has(next)) {
      const ready = waiting.get(next);
      waiting.delete(next++);
      if (ready !== undefined) emit(ready);
    }
  };
}

function describeModel(spec: ModelSpec): string {
  const tiling = `tiles of ${spec.tiling.tileWidth}×${spec.tiling.tileHeight} px at ${Math.round(spec.tiling.overlap * 100)}% overlap, merged by ${spec.tiling.merge}/${spec.tiling.mergeMetric}`;
  return `model ${spec.name} ${spec.version} (${spec.format}, ${spec.boxes} boxes, input ${spec.input.width}×${spec.input.height} ${spec.input.channelOrder}, ${spec.classes.length} classes; ${tiling})`;
}

function formatResult(result: PhotoResult, spec: ModelSpec): string {
  const lines = [
    `${result.source}  ${result.width}×${result.height}  ${result.detections.length} detection(s)  ${result.latencyMs.toFixed(0)} ms`,
  ];
  for (const d of result.detections) {
    const hazard = spec.classes[d.classIndex]?.hazardCode;
    lines.push(
      `  ${d.className.padEnd(20)} ${d.score.toFixed(3)}  [${[d.x1, d.y1, d.x2, d.y2].map((v) => Math.round(v)).join(', ')}]${hazard ? `  ${hazard}` : ''}`,
    );
  }
  return lines.join('\n');
}

function modelSummary(spec: ModelSpec) {
  return {
    name: spec.name,
    version: spec.version,
    sha256: spec.sha256,
    format: spec.format,
    boxes: spec.boxes,
    input: spec.input,
    tiling: spec.tiling,
    provenance: spec.provenance,
  };
}

function photoJson(result: PhotoResult, spec: ModelSpec) {
  return {
    file: result.source,
    width: result.width,
    height: result.height,
    latencyMs: round(result.latencyMs),
    detections: result.detections.map((d) => ({
      className: d.className,
      hazardCode: spec.classes[d.classIndex]?.hazardCode ?? null,
      score: round(d.score, 4),
      box: [d.x1, d.y1, d.x2, d.y2].map((v) => round(v, 1)),
    })),
  };
}

async function annotate(result: PhotoResult, spec: ModelSpec, dir: string): Promise<void> {
  const boxes = result.detections.map((d) => ({
    ...d,
    label: `${d.className} ${d.score.toFixed(2)}`,
    colour: classColour(d.classIndex),
  }));
  const overlay = Buffer.from(boxesOverlaySvg(result.width, result.height, boxes));
  const out = path.join(dir, `${path.basename(result.source).replace(/\.[^.]+$/, '')}.jpg`);
  await writeFile(
    out,
    await sharp(result.source)
      .rotate()
      .composite([{ input: overlay, top: 0, left: 0 }])
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

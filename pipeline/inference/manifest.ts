import { z } from 'zod';

/**
 * What a model needs besides its weights: input geometry, preprocessing, class → hazard mapping and
 * thresholds. Everything the detector does with a model comes from here, never from literals.
 */
export const ModelClassSchema = z
  .object({
    name: z.string().min(1),
    hazardCode: z.string().min(1),
    severity: z.enum(['major', 'general']),
    threshold: z.number().gt(0).lt(1),
  })
  .strict();

export const ModelManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash or underscore'),
    version: z.string().min(1),
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    format: z.literal('ultralytics-v8'),
    input: z
      .object({
        name: z.string().min(1),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        channelOrder: z.enum(['RGB', 'BGR']),
        scale: z.number().positive(),
        letterbox: z.enum(['centre', 'top-left', 'stretch']),
        padValue: z.number().int().min(0).max(255),
        dynamicBatch: z.boolean(),
      })
      .strict(),
    classes: z.array(ModelClassSchema).min(1),
    nms: z.object({ iou: z.number().gt(0).lt(1), maxDetections: z.number().int().positive() }).strict(),
    tiling: z
      .object({
        tileSize: z.number().int().positive(),
        overlap: z.number().min(0).lt(1),
        /** Also run the whole frame letterboxed to the input size, for objects larger than a tile. */
        fullFrame: z.boolean(),
        merge: z.enum(['nms']),
        /** Overlap measure across tiles: intersection over union, or over the smaller box (cut-off parts). */
        mergeMetric: z.enum(['iou', 'ios']),
        mergeThreshold: z.number().gt(0).lt(1),
      })
      .strict(),
    training: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type ModelManifest = z.infer<typeof ModelManifestSchema>;
export type ModelClass = z.infer<typeof ModelClassSchema>;

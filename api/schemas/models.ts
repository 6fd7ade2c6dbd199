import { z } from 'zod';
import { CLASS_NOTE_MIN_LENGTH } from '../../pipeline/domain/class-settings.js';
import type { ModelClassView, ModelView } from '../../pipeline/services/model-classes.js';
import { Timestamp, Uuid } from './common.js';

/** A class as the card lists it: the same in GET /model and GET /models. */
export const ModelClassCard = z.object({
  name: z.string(),
  hazardCode: z.string().nullable().describe('The hazard it flags; null: detected, never reviewed'),
  severity: z.enum(['major', 'general']).nullable(),
  threshold: z.number(),
  enabledByDefault: z.boolean().describe('Whether the model ships the class live (manifest "enabled")'),
  disabledReason: z
    .string()
    .nullable()
    .describe('Why the model ships the class disabled, e.g. too few real test instances to measure it'),
});

export const ModelClassState = ModelClassCard.extend({
  live: z.boolean().describe('Whether its flagged detections become findings for review in your organisation'),
  decidedBy: z
    .enum(['no_hazard_code', 'override', 'manifest'])
    .describe('What decided `live`: the class flags no hazard, your organisation’s override, or the model’s default'),
  override: z
    .object({
      enabled: z.boolean(),
      note: z.string(),
      changedBy: z.object({ userId: Uuid, name: z.string() }),
      changedAt: Timestamp,
    })
    .nullable()
    .describe('Your organisation’s decision, when an admin made one'),
});

export const ModelState = z.object({
  name: z.string(),
  version: z.string(),
  file: z.string(),
  sha256: z.string(),
  active: z.boolean().describe('The model the workers detect with'),
  classes: z.array(ModelClassState),
});

export const ClassChange = z
  .object({
    enabled: z.boolean(),
    note: z
      .string()
      .trim()
      .min(CLASS_NOTE_MIN_LENGTH, `say why, in at least ${CLASS_NOTE_MIN_LENGTH} characters`)
      .max(2000),
  })
  .strict();

export const toModelClassState = (c: ModelClassView): z.infer<typeof ModelClassState> => ({
  name: c.name,
  hazardCode: c.hazardCode,
  severity: c.severity,
  threshold: c.threshold,
  enabledByDefault: c.enabledByDefault,
  disabledReason: c.disabledReason,
  live: c.live,
  decidedBy: c.decidedBy,
  override: c.override && { ...c.override, changedAt: c.override.changedAt.toISOString() },
});

export const toModelState = (m: ModelView): z.infer<typeof ModelState> => ({
  name: m.name,
  version: m.version,
  file: m.file,
  sha256: m.sha256,
  active: m.active,
  classes: m.classes.map(toModelClassState),
});

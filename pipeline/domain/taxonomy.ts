/**
 * Hazard taxonomy v1. The class names are the default model's output classes; the hazard codes and
 * severities are what cases and regulators' statistics use, so they must stay stable across models.
 */
export const HAZARD_CLASSES_V1 = [
  'fire',
  'smoke',
  'blocked_exit',
  'unguarded_edge',
  'no_helmet',
  'drums_outside_bund',
] as const;

export type HazardClassV1 = (typeof HAZARD_CLASSES_V1)[number];

export type Severity = 'major' | 'general';

/**
 * Classes whose box stands on the ground where it is: seen at an angle, the foot of the box (its
 * bottom centre) marks the place, not its middle, which lies behind it. Others (edges, openings)
 * are placed at the box centre.
 */
export const STANDING_CLASSES: ReadonlySet<string> = new Set([
  'fire',
  'smoke',
  'blocked_exit',
  'no_helmet',
  'drums_outside_bund',
]);

interface HazardDefinition {
  readonly code: string;
  readonly severity: Severity;
  readonly description: string;
}

/** @public The v1 reference table (see docs/architecture.md): read by nothing at run time today. */
export const HAZARD_TAXONOMY_V1: Readonly<Record<HazardClassV1, HazardDefinition>> = {
  fire: { code: 'FIRE-OPEN-FLAME', severity: 'major', description: 'Open fire or flames' },
  smoke: { code: 'FIRE-SMOKE', severity: 'major', description: 'Smoke plume indicating combustion' },
  blocked_exit: {
    code: 'EGRESS-BLOCKED-EXIT',
    severity: 'major',
    description: 'Goods or vehicles in front of a marked fire exit or evacuation door',
  },
  unguarded_edge: {
    code: 'FALL-UNGUARDED-EDGE',
    severity: 'major',
    description: 'Roof edge, floor opening or pit without a guard rail',
  },
  no_helmet: { code: 'PPE-NO-HELMET', severity: 'general', description: 'Worker without a hard hat' },
  drums_outside_bund: {
    code: 'CHEM-DRUMS-OUTSIDE-BUND',
    severity: 'general',
    description: 'Chemical drums stored outside the bunded containment area',
  },
};

import { UnprocessableError } from './errors.js';

/**
 * Whether a model class is live for an organisation: whether its detections become findings for
 * review. A class measured on too few real photos ships disabled (manifest `enabled: false`), and
 * a bureau's admin may enable it, or disable any other, for their organisation only.
 */

interface ClassDefaults {
  hazardCode: string | null;
  enabledByDefault: boolean;
}

export interface ClassOverride {
  enabled: boolean;
}

/** What decided: the class flags no hazard at all, the organisation's override, or the manifest. */
export type LiveDecidedBy = 'no_hazard_code' | 'override' | 'manifest';

export interface ClassLiveness {
  live: boolean;
  decidedBy: LiveDecidedBy;
}

export function classLiveness(cls: ClassDefaults, override: ClassOverride | undefined): ClassLiveness {
  // No override can make a class live that has no hazard to file a case under.
  if (cls.hazardCode === null) return { live: false, decidedBy: 'no_hazard_code' };
  if (override) return { live: override.enabled, decidedBy: 'override' };
  return { live: cls.enabledByDefault, decidedBy: 'manifest' };
}

/** Names of the classes whose detections an organisation does not review. */
export function classesNotLive(
  classes: ReadonlyArray<ClassDefaults & { name: string }>,
  overrides: ReadonlyMap<string, ClassOverride>,
): string[] {
  return classes.filter((c) => !classLiveness(c, overrides.get(c.name)).live).map((c) => c.name);
}

/** The shortest note an admin may give for switching a class: a reason, not a keystroke. */
export const CLASS_NOTE_MIN_LENGTH = 3;

/** Refuses a change no override could carry out, or one whose reason is missing. */
export function checkClassChange(
  cls: ClassDefaults & { name: string },
  change: { enabled: boolean; note: string },
): void {
  if (cls.hazardCode === null) {
    throw new UnprocessableError(
      `class ${cls.name} maps to no hazard, so its detections can never be reviewed; give it a hazardCode and severity in the model's manifest`,
      { field: 'class' },
    );
  }
  if (change.note.trim().length < CLASS_NOTE_MIN_LENGTH) {
    throw new UnprocessableError(`say why in the note (at least ${CLASS_NOTE_MIN_LENGTH} characters)`, {
      field: 'note',
    });
  }
}

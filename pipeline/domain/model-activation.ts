/**
 * Which model a process starts with: the newest activation while its files are still exactly what
 * was activated, else the configured MODEL_DIR. Pure.
 */

export interface RecordedActivation {
  modelName: string;
  modelVersion: string;
  sha256: string;
  directory: string;
}

/** What reading the activated directory found: its file's sha256, or why it could not be read. */
export type ActivationCheck = { sha256: string } | { error: string };

export type ModelChoice = { use: 'activation'; reason: string } | { use: 'config'; reason: string };

export function chooseModel(
  activation: RecordedActivation | undefined,
  found: ActivationCheck | undefined,
): ModelChoice {
  if (!activation) return { use: 'config', reason: 'no model was activated' };
  const what = `activated model ${activation.modelName} ${activation.modelVersion} in ${activation.directory}`;
  if (!found || 'error' in found)
    return {
      use: 'config',
      reason: `${what} cannot be read (${found ? found.error : 'not checked'}): using MODEL_DIR`,
    };
  // Someone replaced the file after it was evaluated and activated: what runs must be what was chosen.
  if (found.sha256 !== activation.sha256)
    return {
      use: 'config',
      reason: `${what} has changed since it was activated (sha256 ${found.sha256}, activated ${activation.sha256}): using MODEL_DIR`,
    };
  return { use: 'activation', reason: `${what} (sha256 matches)` };
}

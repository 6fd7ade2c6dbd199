import { describe, expect, it } from 'vitest';
import { type ActivationCheck, chooseModel, type ModelChoice, type RecordedActivation } from './model-activation.js';

describe('the model a process starts with', () => {
  const activation: RecordedActivation = {
    modelName: 'hazard-v2',
    modelVersion: '2.1.0',
    sha256: 'a'.repeat(64),
    directory: '/models/hazard-v2.1',
  };
  const cases: Array<
    [string, RecordedActivation | undefined, ActivationCheck | undefined, ModelChoice['use'], RegExp]
  > = [
    ['nothing was activated', undefined, undefined, 'config', /no model was activated/],
    ['the activated files are unchanged', activation, { sha256: 'a'.repeat(64) }, 'activation', /sha256 matches/],
    [
      'the activated file was replaced',
      activation,
      { sha256: 'b'.repeat(64) },
      'config',
      /has changed since it was activated/,
    ],
    [
      'the activated directory is gone',
      activation,
      { error: 'model /models/hazard-v2.1 does not exist' },
      'config',
      /cannot be read \(model .* does not exist\)/,
    ],
  ];
  it.each(cases)('when %s, then the %s model is used, saying why', (_what, recorded, found, use, reason) => {
    const choice = chooseModel(recorded, found);
    expect(choice.use).toBe(use);
    expect(choice.reason).toMatch(reason);
  });
});

import { describe, expect, it } from 'vitest';
import {
  checkClassChange,
  type ClassLiveness,
  classesNotLive,
  classLiveness,
  type ClassOverride,
} from './class-settings.js';
import { UnprocessableError } from './errors.js';

describe('class liveness', () => {
  const cases: Array<
    [string, { hazardCode: string | null; enabledByDefault: boolean }, ClassOverride | undefined, ClassLiveness]
  > = [
    [
      'enabled by default, no override',
      { hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: true },
      undefined,
      { live: true, decidedBy: 'manifest' },
    ],
    [
      'disabled by default, no override',
      { hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: false },
      undefined,
      { live: false, decidedBy: 'manifest' },
    ],
    [
      'disabled by default, enabled by the organisation',
      { hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: false },
      { enabled: true },
      { live: true, decidedBy: 'override' },
    ],
    [
      'enabled by default, disabled by the organisation',
      { hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: true },
      { enabled: false },
      { live: false, decidedBy: 'override' },
    ],
    [
      'enabled by default, enabled again by the organisation',
      { hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: true },
      { enabled: true },
      { live: true, decidedBy: 'override' },
    ],
    [
      'no hazard code, no override',
      { hazardCode: null, enabledByDefault: true },
      undefined,
      { live: false, decidedBy: 'no_hazard_code' },
    ],
    [
      'no hazard code, enabled by an override',
      { hazardCode: null, enabledByDefault: true },
      { enabled: true },
      { live: false, decidedBy: 'no_hazard_code' },
    ],
    [
      'no hazard code, disabled by default and enabled by an override',
      { hazardCode: null, enabledByDefault: false },
      { enabled: true },
      { live: false, decidedBy: 'no_hazard_code' },
    ],
  ];
  it.each(cases)(
    'when a class is %s, then its liveness is decided as the table says',
    (_what, cls, override, expected) => {
      expect(classLiveness(cls, override)).toEqual(expected);
    },
  );

  it('when an organisation overrides some classes, then exactly the classes not live for it are held back', () => {
    const classes = [
      { name: 'fire', hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: true },
      { name: 'blocked_exit', hazardCode: 'EGRESS-BLOCKED-EXIT', enabledByDefault: false },
      { name: 'drums_outside_bund', hazardCode: 'CHEM-DRUMS-OUTSIDE-BUND', enabledByDefault: false },
      { name: 'car', hazardCode: null, enabledByDefault: true },
    ];
    expect(classesNotLive(classes, new Map())).toEqual(['blocked_exit', 'drums_outside_bund', 'car']);
    expect(
      classesNotLive(
        classes,
        new Map([
          ['blocked_exit', { enabled: true }],
          ['fire', { enabled: false }],
          ['car', { enabled: true }],
        ]),
      ),
    ).toEqual(['fire', 'drums_outside_bund', 'car']);
  });
});

describe('changing a class', () => {
  const fire = { name: 'fire', hazardCode: 'FIRE-OPEN-FLAME', enabledByDefault: false };
  it.each([
    [
      'a class without a hazard code',
      { ...fire, hazardCode: null },
      { enabled: true, note: 'we want cars' },
      /maps to no hazard/,
    ],
    ['an empty note', fire, { enabled: true, note: '' }, /say why/],
    ['a note of blanks', fire, { enabled: true, note: '     ' }, /say why/],
    ['a note of two characters', fire, { enabled: false, note: 'ok' }, /at least 3/],
  ])('when an admin changes %s, then it is refused as unprocessable', (_what, cls, change, message) => {
    expect(() => checkClassChange(cls, change)).toThrow(UnprocessableError);
    expect(() => checkClassChange(cls, change)).toThrow(message);
  });

  it.each([
    ['enables a class disabled by default', { enabled: true, note: 'validated on our own 40 flights' }],
    ['disables a class', { enabled: false, note: 'too many false alarms on solar panels' }],
  ])('when an admin %s with a note, then it is accepted', (_what, change) => {
    expect(() => checkClassChange(fire, change)).not.toThrow();
  });
});

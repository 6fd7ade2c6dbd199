import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../../pipeline/inference/decode.js';
import { Detector } from '../../pipeline/inference/detector.js';
import { ROOT } from '../factories.js';

const FIXTURES = path.resolve(ROOT, '../shared/fixtures/real/images');
const DRONE_PHOTOS = ['DJI_Zenmuse_X3.JPG', 'odm_1JI_0064.JPG'];
const present = existsSync(FIXTURES);
if (!present) console.warn(`skipping real-photo tests of the default model: ${FIXTURES} is absent`);

describe.skipIf(!present)('default model on real drone photos (third-party fixtures)', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await Detector.open(path.join(ROOT, 'models/hazard-v1'));
  });
  afterAll(async () => {
    await detector?.release();
  });

  it('when real nadir photos without any of our hazards are tiled through the model, then at most one false alarm per photo on average', async () => {
    let alarms = 0;
    for (const file of DRONE_PHOTOS) {
      alarms += (await detector.detect(await decodePhoto(path.join(FIXTURES, file), { full: true }))).length;
    }
    expect(alarms / DRONE_PHOTOS.length).toBeLessThanOrEqual(1);
  });
});

/**
 * Golden tests of the detector engine on third-party models and photos from
 * ../shared/fixtures/real (see its README for where each expected value comes from). They skip,
 * with a message, where the fixtures are absent: their licences keep them out of this repository.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../../pipeline/inference/decode.js';
import { type Detection, Detector, type DetectOptions } from '../../pipeline/inference/detector.js';
import { ModelLoadError } from '../../pipeline/inference/load.js';
import { iou } from '../../pipeline/inference/postprocess.js';
import { ROOT } from '../factories.js';

const FIXTURES = path.resolve(ROOT, '../shared/fixtures/real');
const present = existsSync(path.join(FIXTURES, 'models')) && existsSync(path.join(FIXTURES, 'images'));
if (!present) console.warn(`skipping detector golden tests: ${FIXTURES} is absent`);

const model = (file: string) => path.join(FIXTURES, 'models', file);
const photo = (file: string) => path.join(FIXTURES, 'images', file);
const box = (d: Detection) => ({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 });
const corners = ([x1, y1, x2, y2]: [number, number, number, number]) => ({ x1, y1, x2, y2 });

async function detect(detector: Detector, file: string, options: DetectOptions): Promise<Detection[]> {
  const tiled = options.tiled ?? true;
  return detector.detect(await decodePhoto(photo(file), { full: tiled, frameFor: detector.spec.input }), options);
}

describe.skipIf(!present)('detector engine on real models and photos', () => {
  const open: Detector[] = [];
  const load = async (file: string) => {
    const detector = await Detector.open(model(file));
    open.push(detector);
    return detector;
  };
  afterAll(async () => {
    await Promise.all(open.map((d) => d.release()));
  });

  describe('YOLOv8 COCO (int8, pixel boxes)', () => {
    let detector: Detector;
    beforeAll(async () => {
      detector = await load('yolov8n_coco_640_int8.onnx');
    });

    it('when the manifest is absent, then layout, input size and class names come from the ONNX file', () => {
      expect(detector.spec.format).toBe('yolov8');
      expect(detector.spec.boxes).toBe('pixels');
      expect([detector.spec.input.width, detector.spec.input.height]).toEqual([640, 640]);
      expect(detector.spec.classes).toHaveLength(80);
      expect(detector.spec.classes[0]!.name).toBe('person');
      expect(detector.spec.provenance).toMatchObject({ classes: 'onnx', format: 'probe', boxes: 'probe' });
    });

    it('when shwd_5.jpg runs whole-frame, then it finds at least 10 people and the best box matches Ultralytics', async () => {
      const found = await detect(detector, 'shwd_5.jpg', { tiled: false });
      const people = found.filter((d) => d.className === 'person');
      expect(people.length).toBeGreaterThanOrEqual(10);
      expect(iou(box(people[0]!), corners([267, 229, 418, 571]))).toBeGreaterThanOrEqual(0.95);
    });

    it('when odm_1JI_0064.JPG runs in tiles, then it finds cars that the whole-frame pass misses', async () => {
      const whole = (await detect(detector, 'odm_1JI_0064.JPG', { tiled: false })).filter((d) => d.className === 'car');
      const tiled = (await detect(detector, 'odm_1JI_0064.JPG', { tiled: true })).filter((d) => d.className === 'car');
      expect(whole).toHaveLength(0);
      expect(tiled.length).toBeGreaterThanOrEqual(1);
      for (const car of tiled) {
        // Small cars seen from 120 m: a few dozen pixels, nowhere near a whole tile.
        expect(car.x2 - car.x1).toBeLessThan(200);
        expect(car.y2 - car.y1).toBeLessThan(200);
      }
    });
  });

  describe('YOLOv10 end-to-end (int8, NMS inside the model)', () => {
    let detector: Detector;
    beforeAll(async () => {
      detector = await load('yolov10n_coco_640_int8_e2e.onnx');
    });

    it('when loaded, then the [1, 300, 6] output is recognised as end-to-end', () => {
      expect(detector.spec.format).toBe('end2end');
      expect(detector.spec.classes[0]!.name).toBe('person');
    });

    it('when shwd_5.jpg runs whole-frame, then it finds the same people, the best box as Ultralytics reports it', async () => {
      const people = (await detect(detector, 'shwd_5.jpg', { tiled: false })).filter((d) => d.className === 'person');
      expect(people.length).toBeGreaterThanOrEqual(10);
      expect(iou(box(people[0]!), corners([164, 235, 293, 568]))).toBeGreaterThanOrEqual(0.95);
    });

    it('when compared with the YOLOv8 model, then most people found by one are found by the other', async () => {
      const v8 = await Detector.open(model('yolov8n_coco_640_int8.onnx'));
      open.push(v8);
      const a = (await detect(detector, 'shwd_5.jpg', { tiled: false })).filter((d) => d.className === 'person');
      const b = (await detect(v8, 'shwd_5.jpg', { tiled: false })).filter((d) => d.className === 'person');
      const matched = a.filter((p) => b.some((q) => iou(box(p), box(q)) >= 0.5));
      expect(matched.length).toBeGreaterThanOrEqual(8);
    });
  });

  describe('fire model (int8, boxes as 0..1 fractions)', () => {
    let detector: Detector;
    beforeAll(async () => {
      detector = await load('yolov8n_fire_640_int8_normboxes.onnx');
    });

    it('when loaded, then the probe run detects that its boxes are normalised', () => {
      expect(detector.spec.boxes).toBe('normalised');
      expect(detector.spec.classes.map((c) => c.name)).toEqual(['fire']);
    });

    it('when fire-basket.jpg runs whole-frame, then it finds the fire where Ultralytics does', async () => {
      const fires = await detect(detector, 'fire-basket.jpg', { tiled: false });
      expect(fires.length).toBeGreaterThanOrEqual(1);
      expect(iou(box(fires[0]!), corners([226, 56, 853, 526]))).toBeGreaterThanOrEqual(0.9);
    });

    it('when the drone photos run whole-frame, then it finds no fire', async () => {
      for (const file of ['DJI_Zenmuse_X3.JPG', 'odm_1JI_0064.JPG'])
        expect(await detect(detector, file, { tiled: false })).toEqual([]);
    });
  });

  describe('broken PPE model (every class score collapsed to 0)', () => {
    it('when it is loaded, then it is refused with a message naming the problem', async () => {
      const attempt = Detector.open(model('ppe14_yolov8n_320_int8qdq_BROKEN.onnx'));
      await expect(attempt).rejects.toBeInstanceOf(ModelLoadError);
      await expect(attempt).rejects.toThrow(/ppe14_yolov8n_320_int8qdq_BROKEN\.onnx.*every class score is 0/);
    });
  });
});

import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../pipeline/inference/detector.js';
import { hazardClassesOf, ModelLoadError, readModelCard } from '../../pipeline/inference/load.js';
import { ROOT } from '../factories.js';

const DEFAULT_MODEL = path.join(ROOT, 'models/hazard-v1');

describe('loading a model directory', () => {
  let work: string;
  let manifest: Record<string, unknown>;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'model-load-'));
    manifest = JSON.parse(await readFile(path.join(DEFAULT_MODEL, 'manifest.json'), 'utf8'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function modelDir(name: string, manifestJson: unknown, onnx: Buffer | 'default' = 'default'): Promise<string> {
    const dir = path.join(work, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    if (onnx === 'default') await copyFile(path.join(DEFAULT_MODEL, 'model.onnx'), path.join(dir, 'model.onnx'));
    else await writeFile(path.join(dir, 'model.onnx'), onnx);
    if (manifestJson !== undefined) await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifestJson));
    return dir;
  }

  it('when the manifest has invalid fields, then loading is refused with every problem listed', async () => {
    const dir = await modelDir('invalid', {
      ...manifest,
      nms: { iou: 1.5 },
      colour: 'red',
      classes: [{ name: 'fire', hazardCode: 'FIRE' }],
    });
    const attempt = Detector.open(dir);
    await expect(attempt).rejects.toBeInstanceOf(ModelLoadError);
    await expect(attempt).rejects.toThrow(/nms\.iou/);
    await expect(attempt).rejects.toThrow(/colour/);
    await expect(attempt).rejects.toThrow(/classes\.0.*hazardCode and severity/);
  });

  it('when the model file does not match the manifest sha256, then loading is refused naming both hashes', async () => {
    const dir = await modelDir('tampered', { ...manifest, sha256: 'f'.repeat(64) });
    await expect(Detector.open(dir)).rejects.toThrow(
      new RegExp(`sha256 ${manifest.sha256 as string}.*manifest says f{64}`),
    );
  });

  it('when the manifest names a format the output does not fit, then loading is refused saying so', async () => {
    const dir = await modelDir('wrong-format', { ...manifest, format: 'end2end' });
    await expect(Detector.open(dir)).rejects.toThrow(/does not fit the end2end layout/);
  });

  it('when the file is not an ONNX model, then loading is refused with the reason', async () => {
    const dir = await modelDir('not-onnx', undefined, Buffer.from('this is a text file, not a model\n'.repeat(20)));
    await expect(Detector.open(dir)).rejects.toBeInstanceOf(ModelLoadError);
  });

  it('when there is no manifest, then everything comes from the ONNX file and the probe run', async () => {
    const dir = await modelDir('bare', undefined);
    const detector = await Detector.open(dir);
    try {
      expect(detector.spec.format).toBe('yolov8');
      expect(detector.spec.boxes).toBe('pixels');
      expect(detector.spec.input.dynamicBatch).toBe(true);
      expect(detector.spec.classes.map((c) => c.name)).toEqual(
        (manifest.classes as Array<{ name: string }>).map((c) => c.name),
      );
      expect(detector.spec.provenance).toMatchObject({
        classes: 'onnx',
        'input.width': 'onnx',
        format: 'probe',
        boxes: 'probe',
        'input.scale': 'convention',
      });
    } finally {
      await detector.release();
    }
  });

  it('when the manifest lists the classes in another order than the ONNX file names them, then loading is refused', async () => {
    const classes = [...(manifest.classes as Array<{ name: string }>)];
    [classes[0], classes[1]] = [classes[1]!, classes[0]!];
    const dir = await modelDir('swapped', { ...manifest, classes });
    await expect(Detector.open(dir)).rejects.toThrow(
      /manifest classes \[smoke, fire, .*\] differ from the names in the ONNX file \[fire, smoke, /,
    );
  });

  it('when the .onnx file is given and a manifest beside it names that file, then the manifest applies', async () => {
    const dir = await modelDir('sibling', manifest);
    const detector = await Detector.open(path.join(dir, 'model.onnx'));
    try {
      expect(detector.spec.name).toBe('hazard-v1');
      expect(detector.spec.classes.map((c) => c.hazardCode)).toEqual(
        (manifest.classes as Array<{ hazardCode: string }>).map((c) => c.hazardCode),
      );
      expect(detector.spec.provenance.classes).toBe('manifest');
    } finally {
      await detector.release();
    }
  });

  it('when a manifest ships a class disabled with its reason, then the card carries both and every other class is enabled by default', async () => {
    const classes = (manifest.classes as Array<Record<string, unknown>>).map((c) =>
      c.name === 'blocked_exit'
        ? { ...c, enabled: false, disabledReason: 'only synthetic evidence: 0 real test instances' }
        : c,
    );
    const card = await readModelCard(await modelDir('disabled-class', { ...manifest, classes }));
    expect(card.classes.find((c) => c.name === 'blocked_exit')).toMatchObject({
      hazardCode: 'EGRESS-BLOCKED-EXIT',
      enabledByDefault: false,
      disabledReason: 'only synthetic evidence: 0 real test instances',
    });
    expect(
      card.classes
        .filter((c) => c.name !== 'blocked_exit')
        .every((c) => c.enabledByDefault && c.disabledReason === null),
    ).toBe(true);
    // A class shipped disabled still flags its hazard: its detections are stored for when a bureau enables it.
    expect(hazardClassesOf(card).map((c) => c.name)).toContain('blocked_exit');
    expect(
      (await readModelCard(DEFAULT_MODEL)).classes.every((c) => c.enabledByDefault && c.disabledReason === null),
    ).toBe(true);
  });

  it('when a manifest disables a class without saying why, or gives a reason to an enabled class, then loading is refused naming the class', async () => {
    const withClass = (patch: Record<string, unknown>) => ({
      ...manifest,
      classes: (manifest.classes as Array<Record<string, unknown>>).map((c, i) => (i === 2 ? { ...c, ...patch } : c)),
    });
    await expect(readModelCard(await modelDir('disabled-silently', withClass({ enabled: false })))).rejects.toThrow(
      /classes\.2.*disabledReason/,
    );
    await expect(
      readModelCard(await modelDir('reason-for-enabled', withClass({ disabledReason: 'no real photos' }))),
    ).rejects.toThrow(/classes\.2.*disabledReason/);
    await expect(
      readModelCard(await modelDir('empty-reason', withClass({ enabled: false, disabledReason: '  ' }))),
    ).rejects.toThrow(/classes\.2\.disabledReason/);
  });

  it('when no class maps to a hazard, then the pipeline refuses the model and says what to add', async () => {
    const card = await readModelCard(await modelDir('unmapped', undefined));
    expect(card.classes.every((c) => c.hazardCode === null)).toBe(true);
    expect(() => hazardClassesOf(card)).toThrow(/maps none of its 6 classes to a hazard.*hazardCode and severity/);
    expect(hazardClassesOf(await readModelCard(DEFAULT_MODEL)).map((c) => c.hazardCode)).toContain('FIRE-OPEN-FLAME');
  });
});

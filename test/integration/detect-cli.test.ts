import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, smallPhoto } from '../factories.js';

function hazardscope(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/hazardscope.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MODEL_DIR: path.join(ROOT, 'models/hazard-v1') },
  });
}

describe('hazardscope detect', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'detect-cli-'));
    await writeFile(path.join(work, 'a.jpg'), await smallPhoto('DJI_0003.JPG', 1600));
    await writeFile(path.join(work, 'b.jpg'), await smallPhoto('DJI_0005.JPG', 1600));
    await writeFile(path.join(work, 'notes.txt'), 'not a photo');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('when run on a folder with --json and --annotate, then it reports every photo and writes each with its boxes drawn', async () => {
    const annotated = path.join(work, 'annotated');
    const run = hazardscope('detect', work, '--json', '--annotate', annotated, '--threads', '2');
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      model: { name: string; format: string };
      photos: Array<{
        file: string;
        width: number;
        detections: Array<{ className: string; hazardCode: string; score: number; box: number[] }>;
      }>;
    };
    expect(report.model).toMatchObject({ name: 'hazard-v1', format: 'yolov8' });
    expect(report.photos.map((p) => path.basename(p.file))).toEqual(['a.jpg', 'b.jpg']);
    const all = report.photos.flatMap((p) => p.detections);
    expect(all.length).toBeGreaterThan(0);
    for (const d of all) {
      expect(d.hazardCode).toMatch(/^[A-Z]+-/);
      expect(d.box[2]!).toBeGreaterThan(d.box[0]!);
      expect(d.box[2]!).toBeLessThanOrEqual(1600);
    }
    expect((await readdir(annotated)).sort()).toEqual(['a.jpg', 'b.jpg']);
    const meta = await sharp(path.join(annotated, 'a.jpg')).metadata();
    expect(meta.width).toBe(1600);
  });

  it('when arguments are wrong, then it exits 2 listing each problem and runs nothing', () => {
    const run = hazardscope('detect', path.join(work, 'missing.jpg'), '--overlap', '2', '--conf', 'high');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--overlap must be a number from 0 to 0\.9/);
    expect(run.stderr).toMatch(/--conf must be a number/);
    expect(run.stderr).toMatch(/missing\.jpg does not exist/);
  });

  it('when the model is refused at load, then it exits 1 with the reason', async () => {
    const bogus = path.join(work, 'bogus.onnx');
    await writeFile(bogus, 'not a model');
    const run = hazardscope('detect', path.join(work, 'a.jpg'), '--model', bogus);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/bogus\.onnx/);
  });
});

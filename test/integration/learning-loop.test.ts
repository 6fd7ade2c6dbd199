import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { createContainer } from '../../pipeline/container.js';
import { createLogger } from '../../pipeline/logger.js';
import { ROOT } from '../factories.js';
import { flyDemoPhotos, POSTGRES_URL, startTestApi, type TestApi } from './harness.js';

interface QueueItem {
  finding: { id: string; className: string; viewCount: number };
  detection: { id: string; imageId: string; className: string; box: [number, number, number, number] };
}

interface ExportJson {
  names: string[];
  counts: {
    images: Record<'train' | 'val', number>;
    negativeImages: Record<'train' | 'val', number>;
    boxesByClass: Record<string, number>;
    decisions: Record<string, number>;
  };
  detectionModels: Array<{ name: string; sha256: string }>;
  files: Array<{
    image: string;
    label: string;
    split: 'train' | 'val';
    source: { imageId: string; flightId: string; window: [number, number, number, number] };
    anchors: Array<{ id: string; label: string }>;
  }>;
}

/** The real CLI in a child process, against the test API's database and storage. */
function hazardscope(t: TestApi, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli/hazardscope.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...t.env }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('the learning loop: reviewer decisions → training export, model evaluation, model switch', () => {
  let t: TestApi;
  let work: string;
  const since = new Date(Date.now() - 60_000).toISOString();
  let confirmed: QueueItem;
  let relabelled: QueueItem & { newClass: string };
  let rejected: QueueItem;
  const missedBox: [number, number, number, number] = [60, 80, 260, 240];
  let reviewed: Set<string>;
  const reviewedPhotos = () => reviewed.size;

  beforeAll(async () => {
    t = await startTestApi();
    work = await mkdtemp(path.join(os.tmpdir(), 'learning-loop-'));
    // Two flights: the false alarm on a photo of its own, where no positive can land in its crop.
    const positives = await flyDemoPhotos(t, 'learning-loop', ['DJI_0004.JPG', 'DJI_0005.JPG']);
    const negatives = await flyDemoPhotos(t, 'learning-loop-2', ['DJI_0010.JPG']);
    const queueOf = async (flightId: string) =>
      (await t.request('GET', `/api/v1/review/queue?flightId=${flightId}&limit=200`, { token: t.tokens.reviewer })).body
        .items as QueueItem[];
    const queue = await queueOf(positives.flightId);
    if (queue.length < 2) throw new Error(`the first flight gave ${queue.length} findings; two are needed`);
    confirmed = queue[0]!;
    const second =
      queue.find((i) => i !== confirmed && i.detection.imageId === confirmed.detection.imageId) ?? queue[1]!;
    relabelled = { ...second, newClass: ['fire', 'smoke', 'no_helmet'].find((c) => c !== second.detection.className)! };
    rejected = (await queueOf(negatives.flightId))[0]!;
    const photosOf = async (item: QueueItem) =>
      (
        (await t.request('GET', `/api/v1/findings/${item.finding.id}`, { token: t.tokens.reviewer })).body
          .views as Array<{ detection: { imageId: string } }>
      ).map((v) => v.detection.imageId);
    reviewed = new Set([
      ...(await photosOf(confirmed)),
      ...(await photosOf(relabelled)),
      ...(await photosOf(rejected)),
    ]);
    const decide = (id: string, body: object) =>
      t.request('POST', `/api/v1/findings/${id}/decision`, { token: t.tokens.reviewer, body });
    expect((await decide(confirmed.finding.id, { decision: 'confirm' })).status).toBe(201);
    expect((await decide(relabelled.finding.id, { decision: 'relabel', newClass: relabelled.newClass })).status).toBe(
      201,
    );
    expect(
      (await decide(rejected.finding.id, { decision: 'reject', reason: 'false_positive', note: 'a shadow' })).status,
    ).toBe(201);
    const mark = await t.request('POST', `/api/v1/images/${confirmed.detection.imageId}/missed-hazards`, {
      token: t.tokens.reviewer,
      body: { box: missedBox, className: 'drums_outside_bund' },
    });
    expect(mark.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const auditActions = async (): Promise<Array<{ action: string; actor: string; detail: any }>> => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      return (await client.query(`SELECT action, actor, detail FROM "${t.schema}".audit_log ORDER BY id`)).rows;
    } finally {
      await client.end();
    }
  };

  it('when reviewed findings are exported, then the YOLO files hold the confirmed, relabelled and missed boxes with the right classes and coordinates, and the false alarm an empty label file', async () => {
    const out = path.join(work, 'export');
    const run = await hazardscope(t, 'export-training', '--since', since, '--out', out, '--by', 'Wang Fang');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`exported \\d+ images from ${reviewedPhotos()} of ${reviewedPhotos()} reviewed photos`),
    );

    const names = JSON.parse(
      /^names: (\[.*\])$/m.exec(await readFile(path.join(out, 'data.yaml'), 'utf8'))![1]!,
    ) as string[];
    expect(names).toEqual(['fire', 'smoke', 'blocked_exit', 'unguarded_edge', 'no_helmet', 'drums_outside_bund']);
    const manifest = JSON.parse(await readFile(path.join(out, 'export.json'), 'utf8')) as ExportJson;
    expect(manifest.counts.decisions).toEqual({
      confirmed: confirmed.finding.viewCount,
      relabelled: relabelled.finding.viewCount,
      'rejected:false_positive': rejected.finding.viewCount,
      missed: 1,
    });
    expect(manifest.detectionModels.map((m) => m.name)).toEqual(['hazard-v1']);
    // Split by flight: all the crops of a flight go to one split.
    for (const flight of new Set(manifest.files.map((f) => f.source.flightId)))
      expect(new Set(manifest.files.filter((f) => f.source.flightId === flight).map((f) => f.split)).size).toBe(1);
    const crops = (id: string) => manifest.files.filter((f) => f.anchors.some((a) => a.id === id));
    const labelsOf = async (f: ExportJson['files'][number]) =>
      (await readFile(path.join(out, f.label), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number));

    const expectLabel = async (id: string, box: readonly number[], className: string) => {
      const [file] = crops(id);
      expect(file, `a crop for ${className}`).toBeDefined();
      expect(file!.label).toBe(file!.image.replace(/^images\//, 'labels/').replace(/\.jpg$/, '.txt'));
      const [left, top, width, height] = file!.source.window;
      const want = [
        names.indexOf(className),
        ((box[0]! + box[2]!) / 2 - left) / width,
        ((box[1]! + box[3]!) / 2 - top) / height,
        (box[2]! - box[0]!) / width,
        (box[3]! - box[1]!) / height,
      ];
      const lines = await labelsOf(file!);
      const line = lines.find(
        (l) => l[0] === want[0] && Math.abs(l[1]! - want[1]!) < 1e-5 && Math.abs(l[2]! - want[2]!) < 1e-5,
      );
      expect(line, `${className} in ${JSON.stringify(lines)}`).toBeDefined();
      line!.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      const meta = await sharp(path.join(out, file!.image)).metadata();
      expect([meta.width, meta.height]).toEqual([1280, 1280]);
    };
    await expectLabel(confirmed.detection.id, confirmed.detection.box, confirmed.detection.className);
    await expectLabel(relabelled.detection.id, relabelled.detection.box, relabelled.newClass);
    const markId = (
      await t.request('GET', `/api/v1/missed-hazards?imageId=${confirmed.detection.imageId}`, {
        token: t.tokens.reviewer,
      })
    ).body.items[0].id as string;
    await expectLabel(markId, missedBox, 'drums_outside_bund');

    const [negative] = crops(rejected.detection.id);
    expect(negative).toBeDefined();
    expect(await readFile(path.join(out, negative!.label), 'utf8')).toBe('');
    expect(manifest.counts.negativeImages.train + manifest.counts.negativeImages.val).toBeGreaterThanOrEqual(1);

    const audit = (await auditActions()).filter((a) => a.action.startsWith('training.'));
    expect(audit.map((a) => a.action)).toEqual(['training.export_started', 'training.exported']);
    expect(audit[1]!.actor).toBe('cli:Wang Fang');
    expect(audit[1]!.detail.exportJsonSha256).toMatch(/^[0-9a-f]{64}$/);

    const again = await hazardscope(t, 'export-training', '--since', since, '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not empty/);
  });

  it('when hazard-v1 is evaluated against itself on the reviewed photos, then both columns have identical figures', async () => {
    const run = await hazardscope(
      t,
      'model',
      'evaluate',
      '--model',
      path.join(ROOT, 'models/hazard-v1'),
      '--since',
      since,
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      photos: number;
      truths: { positives: number; falseAlarms: number };
      models: Array<{ role: string; sha256: string; score: any }>;
    };
    expect(report.photos).toBe(reviewedPhotos());
    expect(report.truths).toMatchObject({
      positives: confirmed.finding.viewCount + relabelled.finding.viewCount + 1,
      falseAlarms: rejected.finding.viewCount,
    });
    const [active, candidate] = report.models;
    expect(active!.role).toBe('active');
    expect(candidate!.sha256).toBe(active!.sha256);
    expect(candidate!.score).toEqual(active!.score);
    // The model finds the box it was confirmed on, and raises the rejected false alarm again.
    expect(active!.score.all.iou50.found).toBeGreaterThanOrEqual(1);
    expect(active!.score.all.rejectedRaised).toBeGreaterThanOrEqual(1);

    const table = await hazardscope(
      t,
      'model',
      'evaluate',
      '--model',
      path.join(ROOT, 'models/hazard-v1'),
      '--since',
      since,
    );
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^all\\s+\\d+\\s+${rejected.finding.viewCount}\\s+│`, 'm'));
    expect((await auditActions()).filter((a) => a.action === 'model.evaluated')).toHaveLength(2);
  });

  it('when a model is activated, then it is listed, audited and used at the next start, and set aside for MODEL_DIR once its file is gone', async () => {
    const bureauModel = path.join(work, 'bureau-model');
    await cp(path.join(ROOT, 'models/hazard-v1'), bureauModel, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(bureauModel, 'manifest.json'), 'utf8'));
    await writeFile(
      path.join(bureauModel, 'manifest.json'),
      JSON.stringify({ ...manifest, version: '1.0.0-bureau' }, null, 2),
    );

    const refused = await hazardscope(t, 'model', 'activate', '--model', path.join(work, 'no-such-model'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not activated: model .*no-such-model does not exist/);

    const run = await hazardscope(
      t,
      'model',
      'activate',
      '--model',
      bureauModel,
      '--note',
      'better on our flights',
      '--by',
      'Li Wei',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/activated hazard-v1 1\.0\.0-bureau .* replacing hazard-v1 1\.0\.0 .*from MODEL_DIR/);
    const list = await hazardscope(t, 'model', 'list');
    expect(list.stdout).toMatch(/next start uses: hazard-v1 1\.0\.0-bureau .* activated/);
    expect(list.stdout).toMatch(/^\* .*1\.0\.0-bureau .*by cli:Li Wei {2}"better on our flights"$/m);
    const entry = (await auditActions()).find((a) => a.action === 'model.activated')!;
    expect(entry.detail).toMatchObject({
      model: { version: '1.0.0-bureau' },
      note: 'better on our flights',
      replaced: { version: '1.0.0', source: 'config' },
    });

    const startedWith = async () => {
      const container = await createContainer(loadConfig(t.env), createLogger('silent'));
      try {
        return container.model.version;
      } finally {
        await container.close();
      }
    };
    expect(await startedWith()).toBe('1.0.0-bureau');
    await rm(path.join(bureauModel, 'model.onnx'));
    expect(await startedWith()).toBe('1.0.0');
    expect((await hazardscope(t, 'model', 'list')).stdout).toMatch(
      /next start uses: hazard-v1 1\.0\.0 .*from MODEL_DIR: activated model .* cannot be read/,
    );
  });
});

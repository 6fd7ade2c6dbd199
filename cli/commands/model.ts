/**
 * hazardscope model: compare a candidate model with the active one on a bureau's own reviewed
 * photos, switch to it (audited), and show the history of switches.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateOnReviewed } from '../../models/evaluation/evaluate-reviewed.js';
import { type ReviewedScore, sideBySide } from '../../models/evaluation/reviewed-metrics.js';
import { type Config, loadConfig } from '../../pipeline/config.js';
import { createAdminContainer, createTrainingContainer } from '../../pipeline/container.js';
import { Detector } from '../../pipeline/inference/detector.js';
import { ModelLoadError } from '../../pipeline/inference/load.js';
import type { ActiveModel } from '../../pipeline/services/model-activation.js';
import { actorOf, commandLogger, numberOption, parseWhen } from './helpers.js';

export const MODEL_USAGE = `usage:
  hazardscope model evaluate --model DIR|FILE.onnx [--since DATE] [--until DATE] [--org NAME|ID] [--max-photos N] [--json] [--by NAME]
                                  run the candidate and the active model on the originals of the bureau's reviewed photos and
                                  score both against the reviewers (recall, precision at IoU 0.3 and 0.5, false alarms per photo)
  hazardscope model activate --model DIR [--note TEXT] [--by NAME]
                                  make DIR the model the API and workers start with (after the same checks; audited)
  hazardscope model list          the activations, newest first, and the model the next start uses and why`;

export async function runModel(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        org: { type: 'string' },
        'max-photos': { type: 'string' },
        json: { type: 'boolean', default: false },
        note: { type: 'string' },
        by: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${MODEL_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command || !['evaluate', 'activate', 'list'].includes(command)) {
    console.log(MODEL_USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== 'list' && !values.model) {
    console.error(`error: --model is required\n\n${MODEL_USAGE}`);
    return 2;
  }
  const config = loadConfig(process.env);
  if (command === 'list') return list(config);
  if (command === 'activate') {
    const admin = await createAdminContainer(config);
    try {
      const { row, replaced } = await admin.models.activate({
        directory: values.model!,
        note: values.note?.trim() || null,
        by: actorOf(values.by),
        configDir: config.MODEL_DIR,
      });
      console.log(
        `activated ${row.modelName} ${row.modelVersion} (sha256 ${row.sha256}) in ${row.directory}, replacing ${describe(replaced)}.\nThe API and workers use it from their next start.`,
      );
      return 0;
    } finally {
      await admin.close();
    }
  }

  const problems: string[] = [];
  const since = parseWhen(values.since, 'since', problems);
  const until = parseWhen(values.until, 'until', problems);
  const maxPhotos = numberOption('max-photos', values['max-photos'], 1, 1_000_000, true, problems);
  if (problems.length) {
    console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n\n${MODEL_USAGE}`);
    return 2;
  }
  const container = await createTrainingContainer(config, commandLogger(config));
  const detectors: Detector[] = [];
  try {
    const organisation = await container.tokens.resolveOrganisation(values.org);
    const active = container.activeModel;
    const candidateDir = path.resolve(values.model!);
    try {
      detectors.push(await Detector.open(active.directory), await Detector.open(candidateDir));
    } catch (error) {
      if (!(error instanceof ModelLoadError)) throw error;
      console.error(`error: ${error.message}`);
      return 1;
    }
    const window = { organisationId: organisation.id, since: since ?? new Date(0), until: until ?? null };
    const photos = (await container.reviewed.list(window)).slice(0, maxPhotos);
    if (photos.length === 0) {
      console.error(
        `error: ${organisation.name} has no reviewed photos${since ? ` decided since ${since.toISOString()}` : ''}: nothing to score the models on`,
      );
      return 1;
    }
    const result = await evaluateOnReviewed(
      container.reviewed,
      photos,
      window,
      detectors,
      config.MAX_IMAGE_PIXELS,
      (done, total) => {
        if (!values.json && (done % 10 === 0 || done === total)) process.stderr.write(`${done}/${total} photos\n`);
      },
    );
    const models = [
      { role: 'active', card: active.card, directory: active.directory, score: result.scores[0]! },
      {
        role: 'candidate',
        card: {
          name: detectors[1]!.spec.name,
          version: detectors[1]!.spec.version,
          sha256: detectors[1]!.spec.sha256,
          file: detectors[1]!.spec.file,
          classes: detectors[1]!.spec.classes,
        },
        directory: candidateDir,
        score: result.scores[1]!,
      },
    ];
    await container.models.recordEvaluation({
      by: actorOf(values.by),
      organisationId: organisation.id,
      since: since?.toISOString() ?? null,
      until: until?.toISOString() ?? null,
      photos: result.photos,
      models: models.map((m) => ({ role: m.role, card: m.card, directory: m.directory, summary: headline(m.score) })),
    });
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            organisation: { id: organisation.id, name: organisation.name },
            since: since?.toISOString() ?? null,
            until: until?.toISOString() ?? null,
            photos: result.photos,
            skipped: result.skipped,
            truths: result.truths,
            classes: result.classes,
            activeSource: { source: active.source, reason: active.reason },
            models: models.map((m) => ({
              role: m.role,
              name: m.card.name,
              version: m.card.version,
              sha256: m.card.sha256,
              directory: m.directory,
              score: m.score,
            })),
          },
          null,
          1,
        ),
      );
      return 0;
    }
    console.log(
      [
        `${organisation.name}: ${result.photos} reviewed photos${since ? ` decided since ${since.toISOString().replace('T00:00:00.000Z', '')}` : ''}; reviewers confirmed, relabelled or drew ${result.truths.positives} hazards and rejected ${result.truths.falseAlarms} false alarms; ${result.truths.unknown} undecided boxes are ignored${result.skipped.length ? `; ${result.skipped.length} photos skipped (${result.skipped[0]!.reason})` : ''}.`,
        `active: ${describe(active)}`,
        `cand.:  ${models[1]!.card.name} ${models[1]!.card.version} (sha256 ${models[1]!.card.sha256.slice(0, 12)}…) in ${candidateDir}`,
        'Each at its own default thresholds, tiled as the worker runs it. A candidate’s detection where no reviewer looked counts as a false alarm, which favours the active model.',
        '',
        sideBySide([
          { label: 'active', score: result.scores[0]! },
          { label: 'cand.', score: result.scores[1]! },
        ]),
      ].join('\n'),
    );
    return 0;
  } finally {
    for (const d of detectors) await d.release();
    await container.close();
  }
}

async function list(config: Config): Promise<number> {
  const admin = await createAdminContainer(config);
  try {
    const active = await admin.models.resolveActive(config.MODEL_DIR);
    console.log(`next start uses: ${describe(active)}`);
    const rows = await admin.models.list();
    if (rows.length === 0) console.log('no model was ever activated');
    for (const r of rows) {
      const inUse = active.source === 'activation' && active.activation?.id === r.id ? '*' : ' ';
      console.log(
        `${inUse} ${r.activatedAt.toISOString()}  ${r.modelName} ${r.modelVersion}  sha256 ${r.sha256.slice(0, 12)}…  ${r.directory}  by ${r.activatedBy}${r.note ? `  "${r.note}"` : ''}`,
      );
    }
    return 0;
  } finally {
    await admin.close();
  }
}

function describe(active: ActiveModel): string {
  return `${active.card.name} ${active.card.version} (sha256 ${active.card.sha256.slice(0, 12)}…) in ${active.directory}, ${active.source === 'activation' ? 'activated' : 'from MODEL_DIR'}: ${active.reason}`;
}

function headline(score: ReviewedScore): Record<string, number> {
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return {
    recall30: r(score.all.iou30.recall),
    precision30: r(score.all.iou30.precision),
    recall50: r(score.all.iou50.recall),
    precision50: r(score.all.iou50.precision),
    falseAlarmsPerPhoto: r(score.all.falseAlarmsPerPhoto),
    rejectedRaised: score.all.rejectedRaised,
  };
}

/**
 * hazardscope export-training: reviewers' decisions as a YOLO training set, for
 * `models/training/train_v2.py --extra DIR` or any YOLO trainer.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config.js';
import { createTrainingContainer } from '../../pipeline/container.js';
import { actorOf, commandLogger, numberOption, parseWhen } from './helpers.js';

export const EXPORT_TRAINING_USAGE = `usage:
  hazardscope export-training --since DATE [--until DATE] [--org NAME|ID] --out DIR [--crop 1280] [--val 0.1] [--by NAME]
                                  a YOLO dataset from the findings decided (and missed hazards marked) since DATE, until
                                  DATE (exclusive): confirmed, relabelled and missed boxes as labels, false alarms as
                                  empty-label crops; DIR/data.yaml, images/, labels/ and export.json; audited
  --crop   side of the full-resolution window cut around each decided box (default 1280 px)
  --val    share of flights (never single photos) put in the validation split (default 0.1)
  --by     who exports, for the audit trail (default: this account's name)`;

export async function runExportTraining(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        org: { type: 'string' },
        out: { type: 'string' },
        crop: { type: 'string' },
        val: { type: 'string' },
        by: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${EXPORT_TRAINING_USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(EXPORT_TRAINING_USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!values.since) problems.push('--since is required: the first day of decisions to export');
  if (!values.out) problems.push('--out is required: a new or empty directory');
  const since = parseWhen(values.since, 'since', problems);
  const until = parseWhen(values.until, 'until', problems);
  if (since && until && until <= since) problems.push('--until must be after --since');
  // Below the smallest model input a crop shows the model less than one tile of context.
  const crop = numberOption('crop', values.crop, 320, 8192, true, problems) ?? 1280;
  const val = numberOption('val', values.val, 0, 1, false, problems) ?? 0.1;
  if (problems.length) {
    console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n\n${EXPORT_TRAINING_USAGE}`);
    return 2;
  }

  const config = loadConfig(process.env);
  const container = await createTrainingContainer(config, commandLogger(config));
  try {
    const organisation = await container.tokens.resolveOrganisation(values.org);
    const model = container.activeModel;
    console.log(
      `classes of ${model.card.name} ${model.card.version} (${model.source === 'activation' ? 'activated' : 'MODEL_DIR'}): ${model.card.classes.map((c) => c.name).join(', ')}`,
    );
    const { manifest, directory, manifestSha256 } = await container.trainingExport.export({
      organisation: { id: organisation.id, name: organisation.name },
      since: since!,
      until: until ?? null,
      directory: values.out!,
      names: model.card.classes.map((c) => c.name),
      namesFrom: { name: model.card.name, version: model.card.version, sha256: model.card.sha256 },
      cropSide: crop,
      valFraction: val,
      actor: actorOf(values.by),
      onProgress: (done, total) => {
        if (done % 25 === 0 || done === total) process.stderr.write(`${done}/${total} reviewed photos\n`);
      },
    });
    const c = manifest.counts;
    const classes =
      Object.entries(c.boxesByClass)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none';
    console.log(
      [
        `exported ${c.images.train + c.images.val} images from ${c.photosExported} of ${c.reviewedPhotos} reviewed photos of ${organisation.name} to ${directory}`,
        `  train ${c.images.train} (${c.negativeImages.train} hazard-free), val ${c.images.val} (${c.negativeImages.val} hazard-free); flights: train ${manifest.split.flights.train}, val ${manifest.split.flights.val}`,
        `  boxes: ${classes}; ${c.maskedRegions} undecided regions greyed out`,
        `  decisions in the window: ${
          Object.entries(c.decisions)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') || 'none'
        }`,
        ...(manifest.skipped.length
          ? [
              `  skipped ${manifest.skipped.length} photos: ${manifest.skipped
                .slice(0, 3)
                .map((s) => s.reason)
                .join('; ')}${manifest.skipped.length > 3 ? '; …' : ''}`,
            ]
          : []),
        `  export.json sha256 ${manifestSha256} (in the audit trail as training.exported)`,
      ].join('\n'),
    );
    return 0;
  } finally {
    await container.close();
  }
}

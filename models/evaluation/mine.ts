/**
 * Runs a model over one split of the real photo sets (models/training/prepare_real.py's index.json)
 * and writes every photo with its labels and what the model found, one JSON line per photo. The
 * second-stage verifier (models/training/verifier.py) learns from these: the model's own false
 * alarms on licensed hazard-free drone photos are exactly the negatives it must learn to reject.
 *
 *   npx tsx models/evaluation/mine.ts --model models/hazard-v2 --real data/training/real \
 *     --split train --out data/training/mined/train.jsonl [--limit-per-source 400] [--floor 0.1]
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Detector } from '../../pipeline/inference/detector.js';
import { classMapping, detectAll, loadRealSet, toModelClasses } from './real-set.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/hazard-v2' },
    real: { type: 'string', default: 'data/training/real' },
    split: { type: 'string', default: 'train' },
    out: { type: 'string' },
    'limit-per-source': { type: 'string', default: '400' },
    floor: { type: 'string', default: '0.1' },
    sources: { type: 'string' },
    threads: { type: 'string', default: '1' },
  },
});
const split = values.split;
if (split !== 'train' && split !== 'val' && split !== 'test') throw new Error('--split is train, val or test');
if (!values.out) throw new Error('--out FILE.jsonl is required');

// One intra-op thread by default: several miners (or a busy machine) with ONNX Runtime's spinning
// thread pools slow each other down far more than they gain.
const detector = await Detector.open(values.model, { intraOpThreads: Number(values.threads) });
const set = await loadRealSet(values.real, split, Number(values['limit-per-source']));
if (!set) throw new Error(`no index.json in ${values.real}: run npm run model:data first`);
const wanted = values.sources?.split(',');
const modelClasses = detector.spec.classes.map((c) => c.name);
const photos = toModelClasses(set.photos, classMapping(set.classes, modelClasses)).filter(
  (p) => !wanted || wanted.includes(p.source),
);
await mkdir(path.dirname(values.out), { recursive: true });
// Started again, it goes on after the photos already written.
const done = new Set(
  existsSync(values.out)
    ? readFileSync(values.out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { id: string }).id)
    : [],
);
const out = createWriteStream(values.out, { flags: 'a' });
const skipped: string[] = [];
// One photo at a time so a long run can be watched and its partial output used.
for (const photo of photos) {
  if (done.has(photo.id)) continue;
  const detections = await detectAll(detector, [photo], Number(values.floor), split, skipped, false);
  out.write(`${JSON.stringify({ ...photo, classes: modelClasses, detections })}\n`);
}
out.end();
await detector.release();
console.log(`${photos.length - skipped.length} photos mined into ${values.out}, ${skipped.length} skipped`);

#!/usr/bin/env bash
# Reproduces models/hazard-v2: generated flights (as for hazard-v1), the real photo sets from
# sources.json, two resumable training stages, ONNX export, thresholds chosen on the validation
# splits and the model card's figures on the held-out test sets.
#   stage 1 (2.0.0): from scratch, STEPS steps;
#   stage 2 (2.1.0, only with STAGE2=1): from stage 1's exported ONNX, STEPS2 more steps at a lower learning rate, with
#   hazard-free drone photos cut into unscaled tiles (and real fire pasted onto them) in every batch;
#   stage 3 (2.2.0): the fire/smoke verifier (models/training/verifier.py), trained on the detector's
#   own boxes. The shipped 2.2.0 is stage 1's detector (2.0.0) with stage 3's verifier: stage 2 lost
#   most fire recall (see the model card).
# Needs Debian's python3-torch, python3-onnx and python3-opencv, and git with network access (or
# local mirrors, see get-data.sh). About 2 h 10 min on 2 CPU cores; run it again after an
# interruption and it continues from the last finished step (data and caches are kept).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${DATA:-$root/data/training}
out=${OUT:-$root/models/hazard-v2}
steps=${STEPS:-2400}
steps2=${STEPS2:-1200}
python=${PYTHON:-/usr/bin/python3}
cd "$root"
node scripts/ensure-deps.mjs
"$python" -c 'import torch, onnx, cv2' || {
  echo "missing Python packages: apt-get install -y python3-torch python3-onnx python3-opencv" >&2
  exit 1
}
start=$(date +%s)
bash models/training/generate-data.sh "$data"
bash models/training/get-data.sh "$data/real"
echo "data ready after $(( ($(date +%s) - start) / 60 )) min"
extra=()
for dir in ${EXTRA:-}; do extra+=(--extra "$dir"); done
(cd models/training && "$python" train_v2.py --synth "$data" --real "$data/real" --out "$data/run-v2" --steps "$steps" --threads "$(nproc)" "${extra[@]}")
(cd models/training && "$python" export.py --weights "$data/run-v2/final.pt" --out "$data/stage1" --name hazard-v2 --version 2.0.0 --v2 --date "$(date +%F)")
echo "stage 1 done after $(( ($(date +%s) - start) / 60 )) min"
if [ "${STAGE2:-0}" = 1 ]; then
  (cd models/training && "$python" train_v2.py --synth "$data" --real "$data/real" --out "$data/run-v2.1" --steps "$steps2" --threads "$(nproc)" \
    --init "$data/stage1/model.onnx" --lr 1e-3 --weights 0.25,0.15,0.25,0.1,0,0.15,0.1 "${extra[@]}")
  (cd models/training && "$python" export.py --weights "$data/run-v2.1/final.pt" --out "$out" --name hazard-v2 --version 2.1.0 --v2 --date "$(date +%F)")
else
  cp "$data/stage1/model.onnx" "$data/stage1/manifest.json" "$out/"
fi
"$python" - "$out/manifest.json" "${VERSION:-2.2.0}" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
manifest["version"] = sys.argv[2]
json.dump(manifest, open(sys.argv[1], "w"), indent=2)
PY
echo "detector done after $(( ($(date +%s) - start) / 60 )) min"
# Stage 3: the fire/smoke verifier. The detector's own boxes on licensed photos (train and val splits;
# aerial sources sampled, as their 12-20 MP photos are slow to tile) are what it learns to re-judge;
# its thresholds are chosen on the val split. It goes beside the model and into its manifest.
mined="$data/mined"
for split in val train; do
  npx --no-install tsx models/evaluation/mine.ts --model "$out" --real "$data/real" --split "$split" --limit-per-source 12 \
    --sources kit-aerial,odm-caliterra,odm-lewis,kap-ochota,kap-boruszyn,odm-garfield --out "$mined/$split.jsonl"
  npx --no-install tsx models/evaluation/mine.ts --model "$out" --real "$data/real" --split "$split" --limit-per-source 300 \
    --sources abonia-fire8,ajitesh-smallfire,knrpw-fenceline,nkeh-firesmoke,pbl5-fire --out "$mined/$split.jsonl"
done
npx --no-install tsx models/evaluation/mine.ts --model "$out" --real "$data/real" --split test --limit-per-source 400 \
  --sources liuzifan-firesmoke,supperjoy-firesmoke --out "$mined/test.jsonl"
npx --no-install tsx models/evaluation/mine.ts --model "$out" --real "$data/real" --split test --limit-per-source 20 \
  --sources brighton-aerial,jekhor-own-aerial,odm-keiosfc,odm-copr --out "$mined/test.jsonl"
"$python" models/training/verifier.py train --mined "$mined" --out "$data/verifier" --manifest "$out/manifest.json" --epochs 10
cp "$data/verifier/verifier.onnx" "$out/verifier.onnx"
"$python" - "$out/manifest.json" "$data/verifier/verifier-manifest.json" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
manifest["verifier"] = json.load(open(sys.argv[2]))
json.dump(manifest, open(sys.argv[1], "w"), indent=2)
PY
npx --no-install tsx models/evaluation/evaluate.ts --model "$out" --data "$data" --real "$data/real" --calibrate
echo "model reproduced in $(( ($(date +%s) - start) / 60 )) min"

#!/usr/bin/env bash
# Reproduces models/hazard-v1 from nothing: generates the flights, trains, exports to ONNX,
# calibrates the default thresholds on the validation sites and evaluates on the test sites.
# Needs Debian's python3-torch, python3-onnx and python3-opencv (apt-get install them first).
# About 85 minutes on 2 CPU cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${DATA:-$root/data/training}
out=${OUT:-$root/models/hazard-v1}
python=${PYTHON:-/usr/bin/python3}
cd "$root"
node scripts/ensure-deps.mjs
"$python" -c 'import torch, onnx, cv2' || {
  echo "missing Python packages: apt-get install -y python3-torch python3-onnx python3-opencv" >&2
  exit 1
}
start=$(date +%s)
bash models/training/generate-data.sh "$data"
echo "data ready after $(( ($(date +%s) - start) / 60 )) min"
(cd models/training && "$python" train.py --data "$data" --out "$data/run" --threads "$(nproc)")
echo "training done after $(( ($(date +%s) - start) / 60 )) min"
(cd models/training && "$python" export.py --weights "$data/run/best.pt" --out "$out")
npx --no-install tsx models/evaluation/evaluate.ts --model "$out" --data "$data" --calibrate
echo "model reproduced in $(( ($(date +%s) - start) / 60 )) min"

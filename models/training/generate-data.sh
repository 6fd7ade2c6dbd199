#!/usr/bin/env bash
# Generates the training, validation and test flights. Splits are by site seed, so no site (and no
# hazard) is seen in more than one split.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/data/training}
jobs=${JOBS:-$(nproc)}
mkdir -p "$data"
specs=()
for seed in $(seq 1001 1025); do specs+=("train $seed standard 14"); done
for seed in $(seq 1101 1108); do specs+=("train $seed small 10"); done
for seed in $(seq 2001 2004); do specs+=("val $seed standard 12"); done
for seed in $(seq 3001 3003); do specs+=("test $seed standard 0"); done
printf '%s\n' "${specs[@]}" | xargs -P "$jobs" -L 1 bash -c '
  split=$0 seed=$1 site=$2 max=$3
  out="'"$data"'/$split/site-$seed"
  [ -f "$out/.done" ] && exit 0
  limit=(); [ "$max" != 0 ] && limit=(--max-photos "$max")
  npx --no-install tsx "'"$root"'/samples/generator/generate.ts" --seed "$seed" --out "$out" --site "$site" "${limit[@]}" >/dev/null
  touch "$out/.done"
  echo "$split $seed done"
'

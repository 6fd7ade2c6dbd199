#!/usr/bin/env bash
# Rebuilds the real-image part of the training and test data from models/training/sources.json:
# each repository is taken at its pinned commit, only the listed folders are unpacked, and
# prepare_real.py converts the labels into one index with the split of every image.
#
#   bash models/training/get-data.sh [DATA_DIR]        (default data/training/real)
#
# Where a repository was already brought onto this machine (a bare git directory at
# $MIRRORS/<owner>+<name>/repo, default /work/.mirror), that copy is used; otherwise it is cloned
# from GitHub (network needed). Nothing fetched is ever written inside the repository's tracked
# files: data/ is git-ignored.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/data/training/real}
mirrors=${MIRRORS:-/work/.mirror}
python=${PYTHON:-/usr/bin/python3}
sources="$root/models/training/sources.json"
mkdir -p "$out/raw" "$out/git"

"$python" - "$sources" <<'PY' > "$out/sources.tsv"
import json, sys
for s in json.load(open(sys.argv[1]))["sources"]:
    if s.get("use") != "exclude":
        print("\t".join([s["id"], s["repo"], s["commit"], " ".join(s["paths"])]))
PY

while IFS=$'\t' read -r id repo commit paths; do
  dest="$out/raw/$id"
  if [ -f "$dest/.commit" ] && [ "$(cat "$dest/.commit")" = "$commit" ]; then
    echo "$id: already unpacked at $commit"
    continue
  fi
  gitdir="$mirrors/${repo/\//+}/repo"
  if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    gitdir="$out/git/${repo/\//+}.git"
    if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "$id: cloning $repo"
      rm -rf "$gitdir"
      git clone --bare --filter=blob:none --quiet "https://github.com/$repo.git" "$gitdir"
    fi
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  # Blob by blob rather than `git archive`: mirrors lack files of 4 MiB and more, and one absent
  # blob must cost that file only, named in the log.
  # shellcheck disable=SC2086 # paths is a space-separated list of folders
  "$python" - "$gitdir" "$commit" "$dest" $paths <<'PY'
import os, subprocess, sys
gitdir, commit, dest, *paths = sys.argv[1:]
tree = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "-r", "-z", commit, "--", *paths],
                      check=True, capture_output=True).stdout.split(b"\0")
blobs = [(e.split(b"\t", 1)[1].decode(), e.split()[2].decode()) for e in tree if e and e.split()[1] == b"blob"]
cat = subprocess.Popen(["git", "--git-dir", gitdir, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
missing = 0
for path, sha in blobs:
    cat.stdin.write(sha.encode() + b"\n"); cat.stdin.flush()
    header = cat.stdout.readline().split()
    if header[1] == b"missing":
        missing += 1
        print(f"  absent from this copy (4 MiB or more?): {path}", file=sys.stderr)
        continue
    data = cat.stdout.read(int(header[2])); cat.stdout.read(1)
    target = os.path.join(dest, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
cat.stdin.close(); cat.wait()
print(f"  {len(blobs) - missing} files written, {missing} absent")
PY
  echo "$commit" > "$dest/.commit"
  echo "$id: unpacked $(find "$dest" -type f | wc -l) files from $repo@${commit:0:12}"
done < "$out/sources.tsv"

"$python" "$root/models/training/prepare_real.py" --sources "$sources" --raw "$out/raw" --out "$out"

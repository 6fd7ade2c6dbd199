"""Reads a YOLO-format dataset written by `hazardscope export-training` into a training cache.

The export has `data.yaml` (with `names:` as a JSON list), `images/<split>/*.jpg` and
`labels/<split>/*.txt`. Classes are matched by name, so an export made against another model's
class list still trains the right heads; names the model does not know are ignored regions.
Images with an empty label file are hazard-free photos (rejected detections): negatives.
"""
import json
import re
from pathlib import Path

import cv2

from real_data import cache_items


def read_names(root):
    text = (Path(root) / "data.yaml").read_text()
    m = re.search(r"^names:\s*(\[.*\])\s*$", text, re.M)
    if not m:
        raise ValueError(f"{root}/data.yaml has no 'names: [...]' line")
    return json.loads(m.group(1))


def yolo_items(root, classes, split="train"):
    """The export's `split` only: its validation photos (whole flights) stay out of training."""
    root = Path(root)
    names = read_names(root)
    items = []
    for img_path in sorted((root / "images" / split).glob("*")):
        if img_path.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
            continue
        label_path = root / "labels" / img_path.parent.name / (img_path.stem + ".txt")
        full = cv2.imread(str(img_path), cv2.IMREAD_UNCHANGED)
        if full is None:
            continue
        h, w = full.shape[:2]
        boxes, ignore = [], []
        for line in (label_path.read_text().splitlines() if label_path.exists() else []):
            parts = line.split()
            if len(parts) != 5:
                continue
            c, cx, cy, bw, bh = int(parts[0]), *map(float, parts[1:])
            box = [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h]
            name = names[c] if 0 <= c < len(names) else None
            if name in classes:
                boxes.append([classes.index(name)] + box)
            else:
                ignore.append(box)
        items.append({"path": str(img_path.relative_to(root)), "boxes": boxes, "ignore": ignore, "source": "export",
                      "annotated": [i for i, c in enumerate(classes) if c != "helmet"]})
    return items


def build_yolo_cache(root, cache_path, classes):
    return cache_items(yolo_items(root, classes), root, cache_path)

"""Converts the real sources listed in sources.json into one index of labelled images.

    python3 prepare_real.py --sources sources.json --raw DATA/real/raw --out DATA/real

Writes DATA/real/index.json (one record per kept image: source, path, size, boxes in pixels as
[class, x1, y1, x2, y2], ignored regions, split, group, viewpoint) and DATA/real/counts.json
(images and instances per source, split and class, and what was dropped and why).

Rules that keep the evaluation honest:
- a source whose licence does not allow training ('use': 'measure') only ever lands in 'test';
- frames of one video (Roboflow names like `clip_mp4-12_jpg.rf.<hash>.jpg`) and Roboflow's
  augmented copies of one photo form one group, and a group never straddles two splits;
- byte-identical images are kept once, and an image whose difference hash equals that of a
  training image is dropped from validation and test (near-duplicates across web sets).
"""
import argparse
import glob
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import cv2
import numpy as np

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
MIN_BOX = 2.0  # boxes thinner than this (pixels) are label noise


def expand(pattern):
    """'a/{x,y}/b' → ['a/x/b', 'a/y/b'] (one brace group is all sources.json uses)."""
    m = re.search(r"\{([^}]*)\}", pattern)
    if not m:
        return [pattern]
    return [pattern[: m.start()] + alt + pattern[m.end():] for alt in m.group(1).split(",")]


def group_of(name):
    stem = Path(name).stem
    stem = re.sub(r"_(jpg|jpeg|png)\.rf\..*$", "", stem)
    video = re.match(r"(.*_(mp4|avi|mov))[-_]\d+$", stem, re.I)
    return video.group(1) if video else stem


def yolo_boxes(label_path, w, h, class_map, classes):
    boxes, ignore = [], []
    if not label_path.exists():
        return boxes, ignore
    for line in label_path.read_text().split("\n"):
        parts = line.split()
        if len(parts) < 5:
            continue
        cls = parts[0]
        vals = [float(v) for v in parts[1:]]
        if len(vals) == 4:
            cx, cy, bw, bh = vals
            x1, y1, x2, y2 = (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h
        else:  # polygon: its bounding box
            xs, ys = vals[0::2], vals[1::2]
            x1, y1, x2, y2 = min(xs) * w, min(ys) * h, max(xs) * w, max(ys) * h
        add(boxes, ignore, class_map.get(cls, None), [x1, y1, x2, y2], w, h, classes)
    return boxes, ignore


def voc_boxes(xml_path, w, h, class_map, classes):
    boxes, ignore = [], []
    if not xml_path.exists():
        return boxes, ignore
    root = ET.parse(xml_path).getroot()
    for obj in root.iter("object"):
        name = obj.findtext("name", "").strip()
        bb = obj.find("bndbox")
        if bb is None:
            continue
        box = [float(bb.findtext(k, "0")) for k in ("xmin", "ymin", "xmax", "ymax")]
        target = class_map.get(name, None)
        if name not in class_map:
            target = None
        add(boxes, ignore, target, box, w, h, classes)
    return boxes, ignore


def add(boxes, ignore, target, box, w, h, classes):
    x1, y1, x2, y2 = max(0.0, box[0]), max(0.0, box[1]), min(float(w), box[2]), min(float(h), box[3])
    if x2 - x1 < MIN_BOX or y2 - y1 < MIN_BOX:
        return
    if target is None:
        ignore.append([round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)])
    else:
        boxes.append([classes.index(target), round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)])


def dhash(img):
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def load_source(src, raw, classes):
    base = raw / src["id"]
    class_map = {str(k): v for k, v in src["classMap"].items()}
    coco = None
    if src["format"] == "coco":
        data = json.loads((base / src["coco"]).read_text())
        names = {c["id"]: c["name"] for c in data["categories"]}
        by_image = defaultdict(list)
        for a in data["annotations"]:
            by_image[a["image_id"]].append(a)
        coco = {img["file_name"]: (img, by_image[img["id"]], names) for img in data["images"]}
    for pattern in expand(src["images"]):
        folder = base / pattern
        split_folder = Path(pattern).parent.name if Path(pattern).name == "images" else Path(pattern).name
        folder = folder.resolve()
        include = re.compile(src.get("include", ""))
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.suffix.lower() not in IMAGE_EXT or not include.search(path.name):
                continue
            yield path, split_folder, class_map, coco


def convert(src, path, class_map, coco, classes, w, h):
    fmt = src["format"]
    if fmt == "coco":
        entry = coco.get(path.name)
        boxes, ignore = [], []
        if entry:
            _, anns, names = entry
            for a in anns:
                x, y, bw, bh = (float(v) for v in a["bbox"])
                name = names[a["category_id"]]
                add(boxes, ignore, class_map.get(name), [x, y, x + bw, y + bh], w, h, classes)
        return boxes, ignore
    if src.get("labelsBeside"):
        label = path
    elif "labelsFromImages" in src:
        a, b = src["labelsFromImages"]
        base = path
        while base.parent.name != src["id"]:
            base = base.parent
        root = base.parent
        label = root / str(path.relative_to(root)).replace(a, b, 1)
    else:
        label = path.parent.parent / "labels" / path.name
    label = label.with_suffix(".xml" if fmt == "voc" else ".txt")
    if fmt == "voc":
        return voc_boxes(label, w, h, class_map, classes)
    return yolo_boxes(label, w, h, class_map, classes)


def assign_splits(items, src):
    rule = src["split"]
    if src["use"] != "train":
        for it in items:
            it["split"] = "test"
        return
    if rule["kind"] == "by-source":
        for it in items:
            it["split"] = rule["to"]
        return
    if rule["kind"] == "by-pattern":
        # Scenes told apart by file name (one survey per prefix): the first pattern that matches wins.
        for it in items:
            name = Path(it["path"]).name
            it["split"] = next((s for s in ("val", "test") if rule.get(s) and re.search(rule[s], name)), rule.get("default", "train"))
        return
    folder_split = {f: s for s in ("train", "val", "test") for f in rule.get(s, [])}
    votes = defaultdict(Counter)
    for it in items:
        votes[it["group"]][folder_split.get(it["folder"], "train")] += 1
    for it in items:
        it["split"] = votes[it["group"]].most_common(1)[0][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    spec = json.loads(Path(args.sources).read_text())
    classes = spec["classes"]
    raw = Path(args.raw)
    out = Path(args.out)
    index, dropped = [], Counter()
    seen_bytes = {}
    for src in spec["sources"]:
        if src.get("use") == "exclude" or not (raw / src["id"]).is_dir():
            continue
        items = []
        for path, folder, class_map, coco in load_source(src, raw, classes):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen_bytes:
                dropped[(src["id"], "byte-identical duplicate")] += 1
                continue
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            if img is None:
                dropped[(src["id"], "not decodable")] += 1
                continue
            seen_bytes[digest] = src["id"]
            h, w = img.shape[:2]
            boxes, ignore = convert(src, path, class_map, coco, classes, w, h)
            items.append({
                "source": src["id"], "use": src["use"], "role": src.get("role", "labelled"),
                "path": str(path.relative_to(raw)), "width": w, "height": h, "sha256": digest,
                "dhash": dhash(img), "boxes": boxes, "ignore": ignore, "group": src["id"] + ":" + group_of(path.name),
                "folder": folder, "viewpoint": src["viewpoint"],
                "annotated": [classes.index(c) for c in src["annotated"]],
            })
        assign_splits(items, src)
        index.extend(items)
    train_hashes = {it["dhash"] for it in index if it["split"] == "train"}
    kept = []
    for it in index:
        if it["split"] != "train" and it["dhash"] in train_hashes:
            dropped[(it["source"], "near-duplicate of a training image")] += 1
            continue
        kept.append(it)
    counts = defaultdict(lambda: {"images": 0, "negatives": 0, **{c: 0 for c in classes}})
    for it in kept:
        for key in (f"{it['source']}/{it['split']}", f"all/{it['split']}"):
            c = counts[key]
            c["images"] += 1
            c["negatives"] += 0 if it["boxes"] else 1
            for b in it["boxes"]:
                c[classes[b[0]]] += 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.json").write_text(json.dumps({"classes": classes, "items": kept}))
    summary = {"counts": dict(sorted(counts.items())), "dropped": [{"source": s, "reason": r, "images": n} for (s, r), n in sorted(dropped.items())]}
    (out / "counts.json").write_text(json.dumps(summary, indent=1))
    for key, c in sorted(counts.items()):
        print(key, json.dumps({k: v for k, v in c.items() if v}))
    for d in summary["dropped"]:
        print("dropped", d)


if __name__ == "__main__":
    main()

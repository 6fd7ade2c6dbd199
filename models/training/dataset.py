"""Training crops cut from generated flights.

Each photo is cut once into crops around its labelled hazards plus random background crops; crops
are cached in one uint8 array so training never decodes a 12 MP JPEG twice. Augmentation (random
sub-crop with scale jitter, flips, 90° turns, colour, noise, blur) happens per sample.
"""
import json
import random
from pathlib import Path

import cv2
import numpy as np
import torch

CROP = 416
# Views cut by the frame edge count as labels when this much is visible, else are ignored.
MIN_VISIBLE = 0.5


def photo_boxes(flight, classes):
    """photo file → (labels [[cls, x1, y1, x2, y2]], ignore [[x1, y1, x2, y2]])."""
    per_photo = {p["file"]: ([], []) for p in flight["photos"]}
    for h in flight["hazards"]:
        cls = classes.index(h["class"])
        for v in h["views"]:
            b = v["box"]
            box = [b["x1"], b["y1"], b["x2"], b["y2"]]
            if v["photo"] not in per_photo:
                continue
            if v["truncated"] and v["visibleFraction"] < MIN_VISIBLE:
                per_photo[v["photo"]][1].append(box)
            else:
                per_photo[v["photo"]][0].append([cls] + box)
    return per_photo


def build_cache(split_dir, cache_path, classes, seed, random_crops=2):
    """Cuts every photo of every flight in `split_dir` into crops; writes images and boxes."""
    rng = random.Random(seed)
    flights = sorted(Path(split_dir).glob("site-*/flight.json"))
    jobs = []
    for fj in flights:
        flight = json.loads(fj.read_text())
        boxes = photo_boxes(flight, classes)
        for photo in flight["photos"]:
            labels, ignore = boxes[photo["file"]]
            jobs.append((fj.parent / photo["file"], labels, ignore))
    crops, records = [], []
    for path, labels, ignore in jobs:
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)[:, :, ::-1]
        h, w = img.shape[:2]
        origins = []
        for lab in labels:
            cx, cy = (lab[1] + lab[3]) / 2, (lab[2] + lab[4]) / 2
            origins.append((cx - CROP / 2 + rng.uniform(-CROP / 4, CROP / 4), cy - CROP / 2 + rng.uniform(-CROP / 4, CROP / 4)))
        for _ in range(random_crops):
            origins.append((rng.uniform(0, w - CROP), rng.uniform(0, h - CROP)))
        for ox, oy in origins:
            x0 = int(min(max(0, ox), w - CROP))
            y0 = int(min(max(0, oy), h - CROP))
            crops.append(np.ascontiguousarray(img[y0 : y0 + CROP, x0 : x0 + CROP]))
            shift = lambda b: [b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0]
            records.append({
                "labels": [[lab[0]] + shift(lab[1:]) for lab in labels if overlaps(lab[1:], x0, y0)],
                "ignore": [shift(b) for b in ignore if overlaps(b, x0, y0)],
            })
    array = np.stack(crops) if crops else np.zeros((0, CROP, CROP, 3), np.uint8)
    np.save(cache_path + ".npy", array)
    Path(cache_path + ".json").write_text(json.dumps(records))
    return len(records)


def overlaps(b, x0, y0):
    return b[2] > x0 and b[0] < x0 + CROP and b[3] > y0 and b[1] < y0 + CROP


class CropDataset(torch.utils.data.Dataset):
    def __init__(self, cache_path, size, augment, seed=0):
        self.images = np.load(cache_path + ".npy", mmap_mode="r")
        self.records = json.loads(Path(cache_path + ".json").read_text())
        self.size = size
        self.augment = augment
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch):
        # Workers are re-created each epoch and get a copy with this value, so augmentation is
        # reproducible per (seed, epoch, index) without drawing from the OS.
        self.epoch = epoch

    def __len__(self):
        return len(self.records)

    def __getitem__(self, index):
        rng = np.random.default_rng((self.seed, self.epoch, index))
        img = np.asarray(self.images[index])
        rec = self.records[index]
        labels = np.array(rec["labels"], np.float32).reshape(-1, 5)
        ignore = np.array(rec["ignore"], np.float32).reshape(-1, 4)
        s = self.size
        if self.augment:
            scale = rng.uniform(0.7, 1.35)
            region = min(CROP, int(round(s / scale)))
            # Keep a labelled object in view most of the time.
            if len(labels) and rng.random() < 0.85:
                lab = labels[rng.integers(len(labels))]
                cx, cy = (lab[1] + lab[3]) / 2, (lab[2] + lab[4]) / 2
                x0 = int(np.clip(cx - region / 2 + rng.uniform(-region / 3, region / 3), 0, CROP - region))
                y0 = int(np.clip(cy - region / 2 + rng.uniform(-region / 3, region / 3), 0, CROP - region))
            else:
                x0 = int(rng.integers(0, CROP - region + 1))
                y0 = int(rng.integers(0, CROP - region + 1))
        else:
            region = min(CROP, s)
            x0 = y0 = (CROP - region) // 2
        img = img[y0 : y0 + region, x0 : x0 + region]
        k = s / region
        if region != s:
            img = cv2.resize(img, (s, s), interpolation=cv2.INTER_LINEAR)
        labels, ignore = transform(labels, ignore, x0, y0, k, s)
        if self.augment:
            img, labels, ignore = flip_rotate(img, labels, ignore, rng)
            img = photometric(img, rng)
        tensor = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float() / 255.0
        return tensor, torch.from_numpy(labels), torch.from_numpy(ignore)


def transform(labels, ignore, x0, y0, k, s):
    def move(b):
        b = b.copy()
        b[:, [0, 2]] = (b[:, [0, 2]] - x0) * k
        b[:, [1, 3]] = (b[:, [1, 3]] - y0) * k
        return b

    out_labels, out_ignore = [], [move(ignore)] if len(ignore) else []
    if len(labels):
        boxes = move(labels[:, 1:])
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        clipped = boxes.clip(0, s)
        visible = (clipped[:, 2] - clipped[:, 0]).clip(0) * (clipped[:, 3] - clipped[:, 1]).clip(0)
        frac = visible / np.maximum(area, 1e-6)
        keep = frac >= 0.6
        out_labels = np.concatenate([labels[keep, :1], clipped[keep]], 1)
        # Objects the crop cuts too much are neither positive nor negative.
        drop = (frac > 0) & ~keep
        if drop.any():
            out_ignore.append(clipped[drop])
    labels = np.asarray(out_labels, np.float32).reshape(-1, 5)
    ignore = np.concatenate(out_ignore).astype(np.float32).reshape(-1, 4) if out_ignore else np.zeros((0, 4), np.float32)
    return labels, ignore


def flip_rotate(img, labels, ignore, rng, turns_allowed=True):
    """A horizontal flip half the time, then 0-3 quarter turns (none for ground photos, which keep gravity)."""
    s = img.shape[0]

    def apply(boxes, fn):
        return fn(boxes) if len(boxes) else boxes

    if rng.random() < 0.5:
        img = img[:, ::-1]
        f = lambda b: np.stack([s - b[:, 2], b[:, 1], s - b[:, 0], b[:, 3]], 1)
        labels = np.concatenate([labels[:, :1], apply(labels[:, 1:], f)], 1) if len(labels) else labels
        ignore = apply(ignore, f)
    turns = int(rng.integers(4)) if turns_allowed else 0
    for _ in range(turns):
        # 90° counter-clockwise: (x, y) → (y, s - x)
        img = np.rot90(img)
        f = lambda b: np.stack([b[:, 1], s - b[:, 2], b[:, 3], s - b[:, 0]], 1)
        labels = np.concatenate([labels[:, :1], apply(labels[:, 1:], f)], 1) if len(labels) else labels
        ignore = apply(ignore, f)
    return np.ascontiguousarray(img), labels.astype(np.float32), ignore.astype(np.float32)


def photometric(img, rng):
    img = img.astype(np.float32)
    gain = rng.uniform(0.75, 1.25) * rng.uniform(0.92, 1.08, size=3)
    img = img * gain + rng.uniform(-15, 15)
    grey = img.mean(2, keepdims=True)
    img = grey + (img - grey) * rng.uniform(0.7, 1.3)
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.2))
    if rng.random() < 0.5:
        img = img + rng.normal(0, rng.uniform(1, 6), img.shape)
    return img.clip(0, 255).astype(np.uint8)


def collate(batch):
    images = torch.stack([b[0] for b in batch])
    return images, [b[1] for b in batch], [b[2] for b in batch]

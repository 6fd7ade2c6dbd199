"""Real photos for training: a cache of letterboxed images and the datasets that sample from it.

Each real image is resized once so its longer side is 640 px (what the engine does to a photo no
larger than the model input) and kept in one uint8 array, so training never decodes a JPEG. Three
datasets draw from the caches:

- `RealDataset`: a real labelled or hazard-free photo, zoomed by a random factor (0.3-1.3, so a
  fire that filled a ground photo also appears at the size it has in a drone tile), cut to the
  training size, flipped, recoloured.
- `CompositeDataset`: a generated survey crop with real fire and smoke cut out of licensed photos
  pasted onto it under a feathered mask, 12-160 px across: real flame texture at the scale and
  on the backgrounds a nadir drone photo shows. The pasted box is the label.
- `build_tile_cache`: real hazard-free drone photos cut into unscaled tiles, as the engine sees
  them; served by `RealDataset` as they are and, through `CompositeDataset`, with real fire and
  smoke pasted onto them.
- Generated crops themselves come from dataset.CropDataset.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from dataset import flip_rotate, photometric, transform

SIDE = 640
PAD = 114
# Generated flights label every hazard class; helmets on generated workers are not labelled.
GENERATED_ANNOTATED = [0, 1, 2, 3, 4, 5]


def build_real_cache(index_path, raw_dir, cache_path, splits, roles=None, sources=None):
    """Caches every trainable image of `splits` (and `roles`) from the prepared index. Returns the count."""
    index = json.loads(Path(index_path).read_text())
    items = [it for it in index["items"] if it["split"] in splits and it["use"] == "train"
             and (roles is None or it["role"] in roles) and (sources is None or it["source"] in sources)]
    return cache_items(items, raw_dir, cache_path)


def cache_items(items, raw_dir, cache_path):
    """items: dicts with `path` (under raw_dir), `boxes` [[cls, x1, y1, x2, y2]] and `ignore` in pixels."""
    array = np.lib.format.open_memmap(cache_path + ".npy", mode="w+", dtype=np.uint8, shape=(len(items), SIDE, SIDE, 3))
    records = []
    for i, it in enumerate(items):
        img = cv2.imread(str(Path(raw_dir) / it["path"]), cv2.IMREAD_COLOR)[:, :, ::-1]
        h, w = img.shape[:2]
        k = SIDE / max(h, w)
        nw, nh = max(1, round(w * k)), max(1, round(h * k))
        array[i] = PAD
        array[i, :nh, :nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
        scale = lambda b: [round(v * k, 2) for v in b]
        records.append({
            "source": it.get("source", ""), "size": [nw, nh], "annotated": it["annotated"],
            "labels": [[b[0]] + scale(b[1:]) for b in it["boxes"]],
            "ignore": [scale(b) for b in it["ignore"]],
        })
    array.flush()
    Path(cache_path + ".json").write_text(json.dumps(records))
    return len(records)


def build_tile_cache(index_path, raw_dir, cache_path, splits, viewpoint_prefix="aerial", side=SIDE):
    """Cuts the hazard-free photos of `splits` whose viewpoint starts with `viewpoint_prefix` into
    unscaled side x side tiles, as the engine cuts a large photo. The whole-photo cache shows a drone
    photo shrunk several times; the pipeline's tiles show it at full resolution, which is where the
    false alarms on drone photos come from. Returns the number of tiles."""
    index = json.loads(Path(index_path).read_text())
    photos = [it for it in index["items"] if it["split"] in splits and it["use"] == "train" and it["role"] == "negatives"
              and it.get("viewpoint", "").startswith(viewpoint_prefix)]
    tiles = []
    for it in photos:
        w, h = it["width"], it["height"]
        for y in range(0, max(1, h - side // 4), side):
            for x in range(0, max(1, w - side // 4), side):
                tiles.append((it, x, y, min(side, w - x), min(side, h - y)))
    array = np.lib.format.open_memmap(cache_path + ".npy", mode="w+", dtype=np.uint8, shape=(len(tiles), side, side, 3))
    records, current, img = [], None, None
    for i, (it, x, y, tw, th) in enumerate(tiles):
        if it is not current:
            current, img = it, cv2.imread(str(Path(raw_dir) / it["path"]), cv2.IMREAD_COLOR)[:, :, ::-1]
        array[i] = PAD
        array[i, :th, :tw] = img[y:y + th, x:x + tw]
        records.append({"source": it["source"], "size": [tw, th], "annotated": it["annotated"], "labels": [], "ignore": []})
    array.flush()
    Path(cache_path + ".json").write_text(json.dumps(records))
    return len(records)


class RealDataset(torch.utils.data.Dataset):
    def __init__(self, cache_path, size, augment, seed=0, zoom=(0.3, 1.3)):
        self.images = np.load(cache_path + ".npy", mmap_mode="r")
        self.records = json.loads(Path(cache_path + ".json").read_text())
        self.size, self.augment, self.seed, self.zoom = size, augment, seed, zoom
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.records)

    def __getitem__(self, index):
        rng = np.random.default_rng((self.seed, self.epoch, index, 7))
        rec = self.records[index]
        nw, nh = rec["size"]
        labels = np.array(rec["labels"], np.float32).reshape(-1, 5)
        ignore = np.array(rec["ignore"], np.float32).reshape(-1, 4)
        s = self.size
        if self.augment:
            k = float(np.exp(rng.uniform(np.log(self.zoom[0]), np.log(self.zoom[1]))))
        else:
            k = s / max(nw, nh)
        region = s / k
        if self.augment and len(labels) and rng.random() < 0.8:
            lab = labels[rng.integers(len(labels))]
            cx, cy = (lab[1] + lab[3]) / 2, (lab[2] + lab[4]) / 2
            x0 = cx - region / 2 + rng.uniform(-region / 3, region / 3)
            y0 = cy - region / 2 + rng.uniform(-region / 3, region / 3)
        elif self.augment:
            x0 = rng.uniform(min(0, nw - region), max(0, nw - region))
            y0 = rng.uniform(min(0, nh - region), max(0, nh - region))
        else:
            x0, y0 = (nw - region) / 2, (nh - region) / 2
        # Cut with padding: the affine warp fills outside the photo with the letterbox grey.
        m = np.array([[k, 0, -x0 * k], [0, k, -y0 * k]], np.float32)
        src = np.asarray(self.images[index])
        content = np.full_like(src, PAD)
        content[:nh, :nw] = src[:nh, :nw]
        img = cv2.warpAffine(content, m, (s, s), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=(PAD, PAD, PAD))
        labels, ignore = transform(labels, ignore, x0, y0, k, s)
        if self.augment:
            # Ground photos mostly keep gravity; some turns teach the nadir view, where up is arbitrary.
            img, labels, ignore = flip_rotate(img, labels, ignore, rng, turns_allowed=rng.random() >= 0.7)
            img = photometric(img, rng)
        tensor = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float() / 255.0
        return tensor, torch.from_numpy(labels), torch.from_numpy(ignore), rec["annotated"]


def build_patch_bank(cache_path, classes_wanted, out_path, margin=0.08, min_side=24):
    """Cuts every labelled box of the wanted classes (with a small margin) out of a real cache."""
    images = np.load(cache_path + ".npy", mmap_mode="r")
    records = json.loads(Path(cache_path + ".json").read_text())
    patches, meta = [], []
    for i, rec in enumerate(records):
        for b in rec["labels"]:
            if b[0] not in classes_wanted:
                continue
            x1, y1, x2, y2 = b[1:]
            if min(x2 - x1, y2 - y1) < min_side:
                continue
            mx, my = (x2 - x1) * margin, (y2 - y1) * margin
            X1, Y1 = int(max(0, x1 - mx)), int(max(0, y1 - my))
            X2, Y2 = int(min(rec["size"][0], x2 + mx)), int(min(rec["size"][1], y2 + my))
            patches.append(np.ascontiguousarray(images[i, Y1:Y2, X1:X2]))
            meta.append({"cls": b[0], "box": [x1 - X1, y1 - Y1, x2 - X1, y2 - Y1]})
    np.save(out_path + ".npy", np.array(patches, dtype=object), allow_pickle=True)
    Path(out_path + ".json").write_text(json.dumps(meta))
    return len(meta)


class CompositeDataset(torch.utils.data.Dataset):
    """Generated survey crops with real fire/smoke pasted in (see the module docstring)."""

    def __init__(self, base, bank_path, size, seed=0, per_image=(1, 3), side=(12, 160)):
        self.base = base
        self.patches = np.load(bank_path + ".npy", allow_pickle=True)
        self.meta = json.loads(Path(bank_path + ".json").read_text())
        self.size, self.seed, self.per_image, self.side = size, seed, per_image, side
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch
        self.base.set_epoch(epoch)

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        rng = np.random.default_rng((self.seed, self.epoch, index, 11))
        item = self.base[index]
        tensor, labels, ignore = item[:3]
        annotated = item[3] if len(item) > 3 else GENERATED_ANNOTATED
        img = (tensor.numpy().transpose(1, 2, 0) * 255).astype(np.float32)
        s = img.shape[0]
        new = []
        for _ in range(int(rng.integers(self.per_image[0], self.per_image[1] + 1))):
            j = int(rng.integers(len(self.meta)))
            patch, meta = self.patches[j], self.meta[j]
            ph, pw = patch.shape[:2]
            target = float(np.exp(rng.uniform(np.log(self.side[0]), np.log(self.side[1]))))
            k = target / max(ph, pw)
            tw, th = max(4, int(round(pw * k))), max(4, int(round(ph * k)))
            if tw >= s or th >= s:
                continue
            if rng.random() < 0.5:
                patch = patch[:, ::-1]
                bx1, by1, bx2, by2 = meta["box"]
                box = [pw - bx2, by1, pw - bx1, by2]
            else:
                box = list(meta["box"])
            p = cv2.resize(np.ascontiguousarray(patch), (tw, th), interpolation=cv2.INTER_AREA).astype(np.float32)
            x0, y0 = int(rng.integers(0, s - tw)), int(rng.integers(0, s - th))
            alpha = feathered_mask(tw, th, rng)
            region = img[y0:y0 + th, x0:x0 + tw]
            if meta["cls"] == 1:  # smoke is translucent: let the ground show through
                alpha = alpha * rng.uniform(0.55, 0.95)
            img[y0:y0 + th, x0:x0 + tw] = region * (1 - alpha[..., None]) + p * alpha[..., None]
            new.append([meta["cls"], x0 + box[0] * k, y0 + box[1] * k, x0 + box[2] * k, y0 + box[3] * k])
        if new:
            labels = torch.cat([labels, torch.tensor(new, dtype=torch.float32)], 0)
        out = torch.from_numpy(np.ascontiguousarray(img.clip(0, 255).transpose(2, 0, 1))).float() / 255.0
        return out, labels, ignore, annotated


def feathered_mask(w, h, rng):
    """An ellipse-ish mask that fades to 0 at the patch edge, so no rectangle seam is learnt."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    nx = (xx + 0.5) / w * 2 - 1
    ny = (yy + 0.5) / h * 2 - 1
    power = rng.uniform(2.0, 4.0)
    r = (np.abs(nx) ** power + np.abs(ny) ** power) ** (1 / power)
    return np.clip((1.0 - r) / 0.35, 0, 1)

"""A second-stage verifier for fire and smoke: a small classifier that looks again at each box the
detector proposes, with some context around it, and says whether it is fire / smoke.

Why: hazard-v2 finds real fire (box recall 0.59, image recall 0.97) but raises about 8 fire and
smoke alarms per hazard-free drone photo (sunlit roofs, orange cars, low sun). A detector trained
on whole tiles sees few aerial negatives per step; a crop classifier can be trained on every one of
the detector's own false alarms on licensed drone photos (mined with models/evaluation/mine.ts),
and cheaply, because the crops are small.

    python3 models/training/verifier.py train --mined data/training/mined --out data/training/verifier
    python3 models/training/verifier.py evaluate --mined data/training/mined --weights data/training/verifier/verifier.pt

`train` learns from train.jsonl and picks each class's threshold on val.jsonl (never on test);
`evaluate` reports the cascade against the detector alone on test.jsonl, with the same matching
for both, so the comparison is like for like.

Crop (the engine must cut the same): the square of side max(w, h) * CONTEXT centred on the box,
outside the photo filled with 114, resized to SIZE x SIZE, RGB scaled 1/255.
"""
import argparse
import json
import random
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["fire", "smoke"]
SIZE = 64
# Crops are stored larger (STORE px for a square of STORE_CONTEXT x the box) so training can
# jitter position and scale; the centre SIZE px of a stored crop is exactly the engine's crop.
STORE = 76
STORE_CONTEXT = 1.9
CONTEXT = STORE_CONTEXT * SIZE / STORE
MIN_SIDE = 24  # photo pixels, for the stored crop; the engine's is MIN_SIDE * SIZE / STORE
PAD = 114
IOU_POSITIVE = 0.3
IOU_AMBIGUOUS = 0.1


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def cut(img, box, context, size):
    """The square crop around a box, in RGB uint8, sampled exactly as the engine samples it
    (pipeline/inference/verifier.ts writeCrop): pixel centres, bilinear, padValue outside the photo,
    and an average of k x k samples per output pixel when shrinking (k = ceil(step), at most 4)."""
    x1, y1, x2, y2 = box
    side = max(MIN_SIDE, max(x2 - x1, y2 - y1) * context)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    step = side / size
    k = int(min(4, max(1, np.ceil(step))))
    fine = step / k
    # Output pixel o (of size * k) samples the photo at cx - side/2 + (o + 0.5) * fine - 0.5.
    t = lambda c: c - side / 2 + 0.5 * fine - 0.5
    m = np.array([[fine, 0, t(cx)], [0, fine, t(cy)]], dtype=np.float64)
    crop = cv2.warpAffine(img, m, (size * k, size * k), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(PAD, PAD, PAD))
    if k > 1:
        crop = crop.reshape(size, k, size, k, 3).mean((1, 3)).round().astype(np.uint8)
    return crop


class Verifier(nn.Module):
    def __init__(self, classes=len(CLASSES)):
        super().__init__()
        chans = [3, 32, 48, 64, 96, 128, 192]
        layers = []
        for i, (a, b) in enumerate(zip(chans, chans[1:])):
            stride = 2 if i in (0, 2, 4, 5) else 1
            layers += [nn.Conv2d(a, b, 3, stride, 1, bias=False), nn.BatchNorm2d(b), nn.SiLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1], classes)

    def forward(self, x):
        x = self.features(x)
        return self.head(x.mean((2, 3)))


def targets_for(det_box, cls_names, photo):
    """[fire, smoke] labels for a box (1, 0) and a mask saying which are known."""
    labels, mask = [0.0, 0.0], [0.0, 0.0]
    for k, name in enumerate(CLASSES):
        ci = cls_names.index(name)
        if ci not in photo["annotated"]:
            continue
        best = max((iou(det_box, (b["x1"], b["y1"], b["x2"], b["y2"])) for b in photo["boxes"] if b["classIndex"] == ci),
                   default=0.0)
        if best >= IOU_POSITIVE:
            labels[k], mask[k] = 1.0, 1.0
        elif best < IOU_AMBIGUOUS:
            mask[k] = 1.0
    return labels, mask


def load_crops(jsonl, floor, with_truth, rng, max_random=0):
    """Crops of every fire/smoke detection (and, for training, every labelled box) with targets."""
    crops, labels, masks, meta = [], [], [], []
    photos, seen = [], set()
    for line in open(jsonl):
        try:
            photo = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a stopped miner
        if photo["id"] not in seen:
            seen.add(photo["id"])
            photos.append(photo)
    started = time.time()
    for n, photo in enumerate(photos):
        names = photo["classes"]
        wanted = {names.index(c) for c in CLASSES}
        dets = [d for d in photo["detections"] if d["classIndex"] in wanted and d["score"] >= floor]
        truths = [b for b in photo["boxes"] if b["classIndex"] in wanted] if with_truth else []
        if not dets and not truths and not max_random:
            continue
        img = cv2.imread(photo["file"], cv2.IMREAD_COLOR)
        if img is None:
            continue
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        boxes = [((d["x1"], d["y1"], d["x2"], d["y2"]), d) for d in dets]
        boxes += [((b["x1"], b["y1"], b["x2"], b["y2"]), None) for b in truths]
        h, w = img.shape[:2]
        for _ in range(max_random if not photo["boxes"] else 0):
            s = rng.uniform(16, 160)
            x, y = rng.uniform(0, max(1, w - s)), rng.uniform(0, max(1, h - s))
            boxes.append(((x, y, x + s, y + s * rng.uniform(0.6, 1.6)), None))
        for box, det in boxes:
            lab, mask = targets_for(box, names, photo)
            if sum(mask) == 0:
                continue
            crops.append(cut(img, box, STORE_CONTEXT, STORE))
            labels.append(lab)
            masks.append(mask)
            meta.append({"photo": photo["id"], "det": det, "box": box})
        if (n + 1) % 500 == 0:
            print(f"  {jsonl.name}: {n + 1}/{len(photos)} photos, {len(crops)} crops, {time.time() - started:.0f} s",
                  flush=True)
    return np.stack(crops) if crops else np.zeros((0, STORE, STORE, 3), np.uint8), \
        np.array(labels, np.float32), np.array(masks, np.float32), meta, photos


def to_tensor(batch):
    return torch.from_numpy(batch).permute(0, 3, 1, 2).float().div(255.0)


def centre(crops):
    o = (STORE - SIZE) // 2
    return crops[:, o:o + SIZE, o:o + SIZE]


def augment(crops, rng):
    out = np.empty((len(crops), SIZE, SIZE, 3), np.uint8)
    for i, c in enumerate(crops):
        s = int(rng.integers(SIZE - 8, STORE + 1))
        x, y = rng.integers(0, STORE - s + 1), rng.integers(0, STORE - s + 1)
        c = c[y:y + s, x:x + s]
        if s != SIZE:
            c = cv2.resize(c, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
        if rng.random() < 0.5:
            c = c[:, ::-1]
        c = np.rot90(c, int(rng.integers(0, 4)))
        if rng.random() < 0.5:
            f = rng.uniform(0.75, 1.25)
            c = np.clip(c.astype(np.float32) * f + rng.uniform(-15, 15), 0, 255).astype(np.uint8)
        out[i] = c
    return out


def predict(model, crops, batch=512):
    model.eval()
    probs = []
    with torch.no_grad():
        for i in range(0, len(crops), batch):
            probs.append(torch.sigmoid(model(to_tensor(np.ascontiguousarray(centre(crops[i:i + batch]))))))
    return torch.cat(probs).numpy() if probs else np.zeros((0, len(CLASSES)))


def cascade_metrics(photos, meta, probs, thresholds, det_thresholds):
    """Per class: box recall / precision at IoU 0.3 and alarms per hazard-free aerial photo, for the
    detector alone (verifier threshold 0) and with the verifier, at the detector's own thresholds."""
    kept = {}
    for m, p in zip(meta, probs):
        d = m["det"]
        if d is None:
            continue
        kept.setdefault(m["photo"], []).append((d, p))
    report = {}
    for k, name in enumerate(CLASSES):
        res = {}
        for label, vt in (("detector", 0.0), ("cascade", thresholds[k])):
            tp = fp = gt = found = aerial_alarms = aerial_photos = 0
            for photo in photos:
                ci = photo["classes"].index(name)
                if ci not in photo["annotated"]:
                    continue
                dets = [d for d, p in kept.get(photo["id"], [])
                        if d["classIndex"] == ci and d["score"] >= det_thresholds[k] and p[k] >= vt]
                truth = [(b["x1"], b["y1"], b["x2"], b["y2"]) for b in photo["boxes"] if b["classIndex"] == ci]
                if photo.get("aerial") and not photo["boxes"]:
                    aerial_photos += 1
                    aerial_alarms += len(dets)
                gt += len(truth)
                used = set()
                for d in sorted(dets, key=lambda d: -d["score"]):
                    box = (d["x1"], d["y1"], d["x2"], d["y2"])
                    best, bi = 0.0, -1
                    for i, t in enumerate(truth):
                        v = iou(box, t)
                        if v > best:
                            best, bi = v, i
                    if best >= IOU_POSITIVE:
                        tp += 1  # a second box on a fire already found is not a false alarm
                        if bi not in used:
                            used.add(bi)
                            found += 1
                    else:
                        fp += 1
            res[label] = {
                "instances": gt,
                "recall": found / gt if gt else None,
                "precision": tp / (tp + fp) if tp + fp else None,
                "aerialAlarmsPerPhoto": aerial_alarms / aerial_photos if aerial_photos else None,
                "aerialPhotos": aerial_photos,
            }
        report[name] = res
    return report


def choose_thresholds(val_photos, meta, probs, det_thresholds, budget):
    """Per class, on validation: the lowest verifier threshold whose hazard-free aerial alarms stay
    within the budget per photo, so recall is kept wherever the budget allows."""
    chosen = []
    for k in range(len(CLASSES)):
        pick = 0.95
        for t in np.arange(0.05, 0.96, 0.05):
            r = cascade_metrics(val_photos, meta, probs, [t] * len(CLASSES), det_thresholds)[CLASSES[k]]["cascade"]
            if r["aerialAlarmsPerPhoto"] is None or r["aerialAlarmsPerPhoto"] <= budget:
                pick = float(round(t, 2))
                break
        chosen.append(pick)
    return chosen


class WithSigmoid(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        return torch.sigmoid(self.model(images))


def export(model, path, thresholds):
    """ONNX for the engine: `images` [N, 3, SIZE, SIZE] RGB / 255 in, `scores` [N, classes] out, and
    the manifest block that goes under the detector's `verifier` key."""
    model.eval()
    torch.onnx.export(WithSigmoid(model), torch.zeros(1, 3, SIZE, SIZE), str(path), input_names=["images"],
                      output_names=["scores"], dynamic_axes={"images": {0: "n"}, "scores": {0: "n"}}, opset_version=17)
    import hashlib
    return {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "inputName": "images",
        "outputName": "scores",
        "size": SIZE,
        "context": round(CONTEXT, 6),
        "minSide": round(MIN_SIDE * SIZE / STORE, 6),
        "padValue": PAD,
        "classes": {name: {"output": k, "threshold": t} for k, (name, t) in enumerate(zip(CLASSES, thresholds))},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "evaluate"])
    ap.add_argument("--mined", required=True, type=Path)
    ap.add_argument("--out", type=Path, default=Path("data/training/verifier"))
    ap.add_argument("--weights", type=Path)
    ap.add_argument("--manifest", type=Path, default=Path("models/hazard-v2/manifest.json"))
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--floor", type=float, default=0.1)
    ap.add_argument("--budget", type=float, default=0.1, help="fire (and smoke) alarms per hazard-free drone photo")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261206)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    random.seed(args.seed)
    manifest = json.loads(args.manifest.read_text())
    det_thresholds = [next(c["threshold"] for c in manifest["classes"] if c["name"] == n) for n in CLASSES]

    if args.mode == "train":
        args.out.mkdir(parents=True, exist_ok=True)
        x, y, m, _, _ = load_crops(args.mined / "train.jsonl", args.floor, True, rng, max_random=4)
        print(f"train crops {len(x)}: fire +{int((y[:, 0] * m[:, 0]).sum())} -{int(((1 - y[:, 0]) * m[:, 0]).sum())}, "
              f"smoke +{int((y[:, 1] * m[:, 1]).sum())} -{int(((1 - y[:, 1]) * m[:, 1]).sum())}", flush=True)
        model = Verifier()
        opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
        steps_per_epoch = (len(x) + 127) // 128
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=args.epochs * steps_per_epoch)
        for epoch in range(args.epochs):
            model.train()
            order = rng.permutation(len(x))
            total, started = 0.0, time.time()
            for i in range(0, len(order), 128):
                idx = order[i:i + 128]
                logits = model(to_tensor(augment(x[idx], rng)))
                yt, mt = torch.from_numpy(y[idx]), torch.from_numpy(m[idx])
                loss = (F.binary_cross_entropy_with_logits(logits, yt, reduction="none") * mt).sum() / mt.sum().clamp(min=1)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item() * len(idx)
            print(f"epoch {epoch + 1}/{args.epochs} loss {total / len(x):.4f} ({time.time() - started:.0f} s)", flush=True)
        torch.save(model.state_dict(), args.out / "verifier.pt")
        args.weights = args.out / "verifier.pt"
    model = Verifier()
    model.load_state_dict(torch.load(args.weights))
    vx, _, _, vmeta, vphotos = load_crops(args.mined / "val.jsonl", args.floor, False, rng)
    thresholds = choose_thresholds(vphotos, vmeta, predict(model, vx), det_thresholds, args.budget)
    print("verifier thresholds chosen on validation:", dict(zip(CLASSES, thresholds)))
    print("validation:", json.dumps(cascade_metrics(vphotos, vmeta, predict(model, vx), thresholds, det_thresholds)))
    tx, _, _, tmeta, tphotos = load_crops(args.mined / "test.jsonl", args.floor, False, rng)
    report = cascade_metrics(tphotos, tmeta, predict(model, tx), thresholds, det_thresholds)
    manifest_block = export(model, args.weights.parent / "verifier.onnx", thresholds)
    (args.weights.parent / "verifier-manifest.json").write_text(json.dumps(manifest_block, indent=2))
    out = {"thresholds": dict(zip(CLASSES, thresholds)), "context": CONTEXT, "size": SIZE, "test": report}
    (args.weights.parent / "verifier-report.json").write_text(json.dumps(out, indent=2))
    for name, res in report.items():
        for label, r in res.items():
            fmt = lambda v: "—" if v is None else f"{v:.2f}"
            print(f"{name:6s} {label:8s} recall@0.3 {fmt(r['recall'])} precision@0.3 {fmt(r['precision'])} "
                  f"({r['instances']} boxes)  alarms/hazard-free drone photo {fmt(r['aerialAlarmsPerPhoto'])} "
                  f"({r['aerialPhotos']} photos)")


if __name__ == "__main__":
    main()

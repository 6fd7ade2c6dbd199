"""Trains hazard-v2 on CPU: real licensed photos, generated survey flights, composites of the two,
and (optionally) datasets exported from reviewers' decisions. Resumable.

    python3 train_v2.py --synth DATA/synth --real DATA/real --out DATA/run-v2 [--extra EXPORT_DIR ...]

Every `--chunk` steps it validates and writes `last.pt` (weights, optimiser, step, best loss), so a
run that is stopped (a 2-hour session, a reboot) continues from there when started again with the
same arguments. Caches are built once per output directory and reused.

Each batch is drawn by weight from seven pools: generated crops, generated crops with real fire and
smoke pasted in, real labelled photos, real hazard-free photos, reviewer exports, real hazard-free
drone photos cut into unscaled tiles as the engine cuts them, and those tiles with real fire and
smoke pasted in.

`--init` starts a stage from earlier weights (a `.pt` state or a shipped `model.onnx`, whose folded
batch norms then stay frozen) instead of from scratch: hazard-v2.1 is hazard-v2.0 trained on. Classes are
taxonomy v1 plus `helmet` (a head with a hard hat): the model learns it so that heads wearing
helmets are told apart from bare ones; it has no hazard code and is never flagged.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from dataset import CropDataset, build_cache
from model import Detector
from onnx_weights import freeze_bn, load_onnx_weights
from real_data import GENERATED_ANNOTATED, CompositeDataset, RealDataset, build_patch_bank, build_real_cache, build_tile_cache
from train import compute_loss, make_optimiser, optimise, seed_everything
from yolo_export_data import build_yolo_cache

CLASSES = ["fire", "smoke", "blocked_exit", "unguarded_edge", "no_helmet", "drums_outside_bund", "helmet"]


class Generated(CropDataset):
    def __getitem__(self, index):
        return (*super().__getitem__(index), GENERATED_ANNOTATED)


def collate(batch):
    """images, labels, ignored regions, and a [B, nc] mask of the classes each image's source labels."""
    images = torch.stack([b[0] for b in batch])
    mask = torch.zeros(len(batch), len(CLASSES))
    for i, b in enumerate(batch):
        mask[i, b[3]] = 1.0
    return images, [b[1] for b in batch], [b[2] for b in batch], mask


class Mixed(torch.utils.data.Dataset):
    """Index i → (pool, item) drawn by weight; deterministic per (seed, epoch, i)."""

    def __init__(self, pools, weights, length, seed):
        self.pools = [p for p, w in zip(pools, weights) if p is not None and len(p) and w > 0]
        w = np.array([w for p, w in zip(pools, weights) if p is not None and len(p) and w > 0], np.float64)
        self.weights = w / w.sum()
        self.length, self.seed, self.epoch = length, seed, 0

    def set_epoch(self, epoch):
        self.epoch = epoch
        for p in self.pools:
            p.set_epoch(epoch)

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        rng = np.random.default_rng((self.seed, self.epoch, i, 3))
        pool = self.pools[rng.choice(len(self.pools), p=self.weights)]
        return pool[int(rng.integers(len(pool)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synth", required=True, help="generated flights (generate-data.sh output)")
    ap.add_argument("--real", required=True, help="get-data.sh output (index.json and raw/)")
    ap.add_argument("--extra", action="append", default=[], help="YOLO datasets from `hazardscope export-training`")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--chunk", type=int, default=250, help="steps between validation and checkpoint")
    ap.add_argument("--size", type=int, default=352)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weights", default="0.35,0.2,0.3,0.15,0.0,0.0,0.0",
                    help="generated, composite, real, negatives, exports, aerial tiles, aerial composites (missing ones are 0)")
    ap.add_argument("--init", help="weights to start from: a .pt state dict or a model.onnx (batch norms then frozen)")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()

    seed_everything(args.seed, args.threads)
    out = Path(args.out)
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    real_index = Path(args.real) / "index.json"
    raw = Path(args.real) / "raw"
    t0 = time.time()
    for split in ("train", "val"):
        if not (cache / f"synth-{split}.json").exists():
            print(f"cached {build_cache(Path(args.synth) / split, str(cache / f'synth-{split}'), CLASSES[:6], args.seed)} generated {split} crops", flush=True)
        if not (cache / f"real-{split}.json").exists():
            print(f"cached {build_real_cache(real_index, raw, str(cache / f'real-{split}'), {split}, roles={'labelled'})} real {split} photos", flush=True)
        if not (cache / f"neg-{split}.json").exists():
            print(f"cached {build_real_cache(real_index, raw, str(cache / f'neg-{split}'), {split}, roles={'negatives'})} hazard-free {split} photos", flush=True)
        if not (cache / f"tiles-{split}.json").exists():
            print(f"cut {build_tile_cache(real_index, raw, str(cache / f'tiles-{split}'), {split})} unscaled tiles of hazard-free {split} drone photos", flush=True)
    if not (cache / "bank.json").exists():
        print(f"cut {build_patch_bank(str(cache / 'real-train'), {0, 1}, str(cache / 'bank'))} fire/smoke patches", flush=True)
    extras = []
    for i, d in enumerate(args.extra):
        path = cache / f"extra-{i}"
        if not Path(str(path) + ".json").exists():
            print(f"cached {build_yolo_cache(d, str(path), CLASSES)} reviewed photos from {d}", flush=True)
        extras.append(RealDataset(str(path), args.size, augment=True, seed=args.seed, zoom=(0.6, 1.3)))
    print(f"data ready in {(time.time() - t0) / 60:.1f} min", flush=True)

    synth = Generated(str(cache / "synth-train"), args.size, augment=True, seed=args.seed)
    composite = CompositeDataset(CropDataset(str(cache / "synth-train"), args.size, augment=True, seed=args.seed + 1),
                                 str(cache / "bank"), args.size, seed=args.seed)
    real = RealDataset(str(cache / "real-train"), args.size, augment=True, seed=args.seed)
    neg = RealDataset(str(cache / "neg-train"), args.size, augment=True, seed=args.seed)
    tiles = RealDataset(str(cache / "tiles-train"), args.size, augment=True, seed=args.seed + 2, zoom=(0.5, 1.3))
    tile_composite = CompositeDataset(RealDataset(str(cache / "tiles-train"), args.size, augment=True, seed=args.seed + 3, zoom=(0.5, 1.3)),
                                      str(cache / "bank"), args.size, seed=args.seed + 3)
    extra = torch.utils.data.ConcatDataset(extras) if extras else None
    if extra is not None:
        extra.set_epoch = lambda e: [x.set_epoch(e) for x in extras]
    weights = ([float(w) for w in args.weights.split(",")] + [0.0] * 7)[:7]
    if extra is not None and weights[4] == 0:
        weights[4] = 0.15
    train = Mixed([synth, composite, real, neg, extra, tiles, tile_composite], weights, args.chunk * args.batch, args.seed)
    val_sets = [Generated(str(cache / "synth-val"), args.size, augment=False),
                RealDataset(str(cache / "real-val"), args.size, augment=False),
                RealDataset(str(cache / "neg-val"), args.size, augment=False),
                RealDataset(str(cache / "tiles-val"), args.size, augment=False)]

    model = Detector(len(CLASSES))
    opt = make_optimiser(model, args.lr)
    step, best, log = 0, math.inf, []
    ckpt = out / "last.pt"
    frozen_bn = bool(args.init) and args.init.endswith(".onnx")
    if args.init and not ckpt.exists():
        if frozen_bn:
            load_onnx_weights(model, args.init)
        else:
            state = torch.load(args.init, map_location="cpu")
            model.load_state_dict(state["model"] if "model" in state else state)
        print(f"starting from {args.init}", flush=True)
    if ckpt.exists():
        state = torch.load(ckpt, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimiser"])
        step, best, log = state["step"], state["best"], state["log"]
        print(f"resumed at step {step} (best validation loss {best:.4f})", flush=True)
    start = time.time()
    while step < args.steps:
        epoch = step // args.chunk
        train.set_epoch(epoch)
        loader = torch.utils.data.DataLoader(train, batch_size=args.batch, shuffle=False, collate_fn=collate,
                                             num_workers=1, drop_last=True)
        model.train()
        if frozen_bn:
            freeze_bn(model)
        for images, labels, ignore, mask in loader:
            loss, lc, lb = compute_loss(model(images), labels, ignore, mask)
            lr = optimise(model, opt, loss, step, args.steps, args.lr)
            step += 1
            if step % 25 == 0:
                print(f"step {step} {(time.time() - start) / 60:.1f} min lr {lr:.2e} cls {lc:.3f} box {lb:.3f}", flush=True)
            if step >= args.steps:
                break
        vl = [validate(model, v, frozen_bn=frozen_bn) for v in val_sets]
        total = vl[0] + vl[1]  # the hazard-free loss has no positives to normalise by: reported, not selected on
        log.append({"step": step, "minutes": (time.time() - start) / 60, "val_loss": vl})
        print(f"step {step} validation loss generated {vl[0]:.4f} real {vl[1]:.4f} hazard-free {vl[2]:.4f} drone tiles {vl[3]:.4f}", flush=True)
        if total < best:
            best = total
            torch.save(model.state_dict(), out / "best.pt")
        torch.save({"model": model.state_dict(), "optimiser": opt.state_dict(), "step": step, "best": best, "log": log}, ckpt)
    torch.save(model.state_dict(), out / "final.pt")
    (out / "train_log.json").write_text(json.dumps({"args": vars(args), "steps": step, "chunks": log}, indent=1))


@torch.no_grad()
def validate(model, val, limit=320, frozen_bn=False):
    if len(val) == 0:
        return 0.0
    model.eval()
    total, n = 0.0, 0
    # An evenly spaced subset, so every source of the split is in it.
    picks = np.linspace(0, len(val) - 1, min(len(val), limit)).round().astype(int)
    for i in range(0, len(picks), 16):
        batch = [val[int(j)] for j in picks[i:i + 16]]
        images, labels, ignore, mask = collate(batch)
        loss, _, _ = compute_loss(model(images), labels, ignore, mask)
        total += loss.item() * len(batch)
        n += len(batch)
    model.train()
    if frozen_bn:
        freeze_bn(model)
    return total / max(n, 1)


if __name__ == "__main__":
    main()

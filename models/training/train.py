"""Trains the default hazard detector on crops of generated flights, on CPU, with fixed seeds.

    python3 models/training/train.py --data data/training --out data/training/run

Loss: task-aligned assignment (as YOLOv8: top-k points inside each box by score^0.5 * IoU^6),
binary cross-entropy on class scores against the aligned IoU target, GIoU on boxes.
"""
import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dataset import CropDataset, build_cache, collate
from model import Detector, decode, flatten, make_anchors

CLASSES = ["fire", "smoke", "blocked_exit", "unguarded_edge", "no_helmet", "drums_outside_bund"]


def box_iou(a, b):
    """Pairwise IoU of [G, 4] and [A, 4] xyxy boxes → [G, A]."""
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def giou(a, b):
    """Element-wise GIoU of [K, 4] boxes."""
    lt = torch.max(a[:, :2], b[:, :2])
    rb = torch.min(a[:, 2:], b[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    union = area_a + area_b - inter + 1e-9
    iou = inter / union
    hull = (torch.max(a[:, 2:], b[:, 2:]) - torch.min(a[:, :2], b[:, :2])).clamp(min=0).prod(-1) + 1e-9
    return iou - (hull - union) / hull


def assign(points, strides, pred_boxes, pred_scores, labels, ignore, topk=10):
    """Targets for one image: class target [A, nc], box target [A, 4], positive mask, loss weight."""
    A, nc = pred_scores.shape
    cls_target = torch.zeros(A, nc)
    box_target = torch.zeros(A, 4)
    positive = torch.zeros(A, dtype=torch.bool)
    weight = torch.ones(A)
    if len(ignore):
        inside_ignore = ((points[None, :, 0] > ignore[:, None, 0]) & (points[None, :, 0] < ignore[:, None, 2]) &
                         (points[None, :, 1] > ignore[:, None, 1]) & (points[None, :, 1] < ignore[:, None, 3])).any(0)
        weight[inside_ignore] = 0.0
    if len(labels) == 0:
        return cls_target, box_target, positive, weight
    gt_cls = labels[:, 0].long()
    gt = labels[:, 1:]
    inside = ((points[None, :, 0] > gt[:, None, 0]) & (points[None, :, 0] < gt[:, None, 2]) &
              (points[None, :, 1] > gt[:, None, 1]) & (points[None, :, 1] < gt[:, None, 3]))
    # Tiny boxes may contain no point centre: let them use points within half a stride of their centre.
    centre = (gt[:, :2] + gt[:, 2:]) / 2
    near = ((points[None] - centre[:, None]).abs() <= strides[None, :, :] * 0.75).all(-1) & (strides[None, :, 0] == 8)
    candidates = inside | (near & ~inside.any(1, keepdim=True))
    iou = box_iou(gt, pred_boxes).clamp(min=0)
    score = pred_scores[:, gt_cls].T  # [G, A]
    align = score.pow(0.5) * iou.pow(6) * candidates
    # Top-k candidates by alignment; break ties (early training) by centre distance.
    dist = ((points[None] - centre[:, None]) ** 2).sum(-1)
    rank = align - 1e-9 * dist - (~candidates) * 1e9
    k = min(topk, A)
    idx = rank.topk(k, dim=1).indices
    mask = torch.zeros_like(candidates)
    mask.scatter_(1, idx, True)
    mask &= candidates
    # A point claimed by several boxes goes to the one it overlaps best.
    multi = mask.sum(0) > 1
    if multi.any():
        best = iou.argmax(0)
        one = F.one_hot(best, len(gt)).T.bool()
        mask = torch.where(multi[None], one & mask, mask)
    g_of_a = mask.float().argmax(0)
    positive = mask.any(0)
    align = align * mask
    norm = (align / (align.amax(1, keepdim=True) + 1e-9)) * (iou * mask).amax(1, keepdim=True)
    quality = norm.amax(0)
    pos_idx = positive.nonzero().squeeze(1)
    cls_target[pos_idx, gt_cls[g_of_a[pos_idx]]] = quality[pos_idx]
    box_target[pos_idx] = gt[g_of_a[pos_idx]]
    weight[positive] = 1.0
    return cls_target, box_target, positive, weight


def compute_loss(feats, labels_list, ignore_list, class_mask=None):
    """class_mask [B, nc]: 1 for the classes each image's source labels; the others are not counted
    as background on it (train_v2.py). None: every class is labelled everywhere."""
    points, strides = make_anchors(feats)
    raw_box, cls = flatten(feats)
    boxes = decode(raw_box, points, strides)
    scores = cls.sigmoid()
    cls_targets, box_targets, positives, weights = [], [], [], []
    with torch.no_grad():
        for b in range(cls.shape[0]):
            t = assign(points, strides, boxes[b].detach(), scores[b].detach(), labels_list[b], ignore_list[b])
            cls_targets.append(t[0]); box_targets.append(t[1]); positives.append(t[2]); weights.append(t[3])
    cls_t = torch.stack(cls_targets)
    box_t = torch.stack(box_targets)
    pos = torch.stack(positives)
    w = torch.stack(weights)
    target_sum = max(cls_t.sum().item(), 1.0)
    bce = F.binary_cross_entropy_with_logits(cls, cls_t, reduction="none")
    if class_mask is not None:
        bce = bce * class_mask[:, None, :]
    loss_cls = (bce.sum(-1) * w).sum() / target_sum
    if pos.any():
        box_w = cls_t.sum(-1)[pos]
        loss_box = ((1 - giou(boxes[pos], box_t[pos])) * box_w).sum() / target_sum
    else:
        loss_box = boxes.sum() * 0
    return loss_cls + 7.5 * loss_box * 0.5, loss_cls.item(), loss_box.item()


def seed_everything(seed, threads=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)


def make_optimiser(model, lr):
    """AdamW with weight decay on weights only (none on norms and biases)."""
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}], lr=lr)


def optimise(model, opt, loss, step, steps, base_lr, warmup=300):
    """One step at the learning rate of a linear warm-up then cosine decay to 2%; returns that rate."""
    progress = min(1.0, step / steps)
    lr = base_lr * min(1.0, (step + 1) / warmup) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))
    for group in opt.param_groups:
        group["lr"] = lr
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
    opt.step()
    return lr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=1800, help="optimiser steps (about 47 min on 2 cores)")
    ap.add_argument("--size", type=int, default=320, help="training crop size (the model is fully convolutional)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()

    seed_everything(args.seed, args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "cache"
    cache.mkdir(exist_ok=True)
    for split in ("train", "val"):
        if not (cache / f"{split}.json").exists():
            n = build_cache(Path(args.data) / split, str(cache / split), CLASSES, args.seed)
            print(f"cached {n} {split} crops", flush=True)

    train = CropDataset(str(cache / "train"), args.size, augment=True, seed=args.seed)
    val = CropDataset(str(cache / "val"), args.size, augment=False)
    g = torch.Generator().manual_seed(args.seed)
    loader = torch.utils.data.DataLoader(train, batch_size=args.batch, shuffle=True, collate_fn=collate,
                                         num_workers=1, drop_last=True, generator=g)
    model = Detector(len(CLASSES))
    opt = make_optimiser(model, args.lr)
    start = time.time()
    step = 0
    best = math.inf
    log = []
    done = False
    epoch = 0
    while not done:
        model.train()
        train.set_epoch(epoch)
        for images, labels, ignore in loader:
            elapsed = time.time() - start
            loss, lc, lb = compute_loss(model(images), labels, ignore)
            lr = optimise(model, opt, loss, step, args.steps, args.lr)
            step += 1
            if step % 50 == 0:
                print(f"step {step} epoch {epoch} {elapsed / 60:.1f} min lr {lr:.2e} cls {lc:.3f} box {lb:.3f}", flush=True)
            if step >= args.steps:
                done = True
                break
        epoch += 1
        vl = validate(model, val)
        log.append({"epoch": epoch, "step": step, "minutes": (time.time() - start) / 60, "val_loss": vl})
        print(f"epoch {epoch} val loss {vl:.4f}", flush=True)
        torch.save(model.state_dict(), out / "last.pt")
        if vl < best:
            best = vl
            torch.save(model.state_dict(), out / "best.pt")
    (out / "train_log.json").write_text(json.dumps({"args": vars(args), "steps": step, "epochs": log}, indent=1))


@torch.no_grad()
def validate(model, val, limit=400):
    model.eval()
    total, n = 0.0, 0
    for i in range(0, min(len(val), limit), 16):
        batch = [val[j] for j in range(i, min(i + 16, len(val), limit))]
        images, labels, ignore = collate(batch)
        loss, _, _ = compute_loss(model(images), labels, ignore)
        total += loss.item() * len(batch)
        n += len(batch)
    model.train()
    return total / max(n, 1)


if __name__ == "__main__":
    main()

"""Exports trained weights to ONNX in the Ultralytics v8 layout, with Ultralytics-style metadata.

    python3 models/training/export.py --weights RUN/best.pt --out models/hazard-v1 --version 1.0.0
    python3 models/training/export.py --weights RUN/final.pt --out models/hazard-v2 --name hazard-v2 --version 2.0.0 --v2

The traced graph goes through freeze_shapes.py, so the anchor grid and every other shape-derived
value are constants (as in an Ultralytics export) and OpenCV DNN can load the model; the batch
axis stays dynamic.
"""
import argparse
import datetime
import hashlib
import json
from pathlib import Path

import onnx
import torch

import freeze_shapes
from model import Detector, ExportWrapper
from train import CLASSES
from train_v2 import CLASSES as CLASSES_V2

HAZARDS = {
    "fire": ("FIRE-OPEN-FLAME", "major"),
    "smoke": ("FIRE-SMOKE", "major"),
    "blocked_exit": ("EGRESS-BLOCKED-EXIT", "major"),
    "unguarded_edge": ("FALL-UNGUARDED-EDGE", "major"),
    "no_helmet": ("PPE-NO-HELMET", "general"),
    "drums_outside_bund": ("CHEM-DRUMS-OUTSIDE-BUND", "general"),
    # A head wearing a hard hat: detected so it is told apart from a bare head, never flagged.
    "helmet": None,
}
DESCRIPTIONS = {
    "hazard-v1": "HazardScope hazard detector v1 (synthetic industrial survey flights)",
    "hazard-v2": "HazardScope hazard detector v2 (real licensed fire and smoke photos, generated survey flights, composites)",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="hazard-v1")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--v2", action="store_true", help="taxonomy v1 plus helmet (train_v2.py)")
    ap.add_argument("--date", default="2026-11-29")
    args = ap.parse_args()
    classes = CLASSES_V2 if args.v2 else CLASSES

    model = Detector(len(classes))
    state = torch.load(args.weights, map_location="cpu")
    model.load_state_dict(state["model"] if "model" in state else state)
    model.eval()
    wrapper = ExportWrapper(model).eval()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "model.onnx"
    dummy = torch.zeros(1, 3, args.imgsz, args.imgsz)
    torch.onnx.export(
        wrapper, dummy, str(onnx_path), opset_version=17, input_names=["images"], output_names=["output0"],
        dynamic_axes={"images": {0: "batch"}, "output0": {0: "batch"}}, do_constant_folding=True,
    )
    m = freeze_shapes.freeze(onnx.load(str(onnx_path)), imgsz=args.imgsz)
    meta = {
        "description": DESCRIPTIONS.get(args.name, args.name),
        "author": "HazardScope",
        "version": args.version,
        "license": "Apache-2.0",
        "date": datetime.date.fromisoformat(args.date).isoformat(),
        "stride": "32",
        "task": "detect",
        "batch": "1",
        "imgsz": str([args.imgsz, args.imgsz]),
        "names": str({i: n for i, n in enumerate(classes)}),
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, str(onnx_path))
    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()

    manifest_path = out / "manifest.json"
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    old_thresholds = {c["name"]: c["threshold"] for c in previous.get("classes", [])}
    manifest = {
        "name": args.name,
        "version": args.version,
        "file": "model.onnx",
        "sha256": sha,
        "format": "yolov8",
        "boxes": "pixels",
        "input": {"name": "images", "width": args.imgsz, "height": args.imgsz, "channelOrder": "RGB", "scale": 1 / 255,
                  "letterbox": "centre", "padValue": 114, "dynamicBatch": True},
        "classes": [({"name": c, "hazardCode": HAZARDS[c][0], "severity": HAZARDS[c][1]} if HAZARDS[c] else {"name": c})
                    | {"threshold": old_thresholds.get(c, 0.3)} for c in classes],
        "nms": {"iou": 0.5, "maxDetections": 300},
        "tiling": {"tileSize": args.imgsz, "overlap": 0.2, "fullFrame": False, "merge": "nms", "mergeMetric": "ios", "mergeThreshold": 0.6,
                   "batch": 1},
        "training": {"parameters": sum(p.numel() for p in model.parameters())},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB, sha256 {sha[:12]}…)")


if __name__ == "__main__":
    main()

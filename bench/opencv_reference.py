"""OpenCV DNN reference for `npm run bench:detector`.

Runs an ONNX detector with the Ultralytics v8 output layout ([1, 4 + nc, N]: cx, cy, w, h in input
pixels, then class scores) over photos, following Ultralytics' own example
examples/YOLOv8-OpenCV-ONNX-Python/main.py step by step:

  cv2.imread -> pad to a max(h, w) square at the top-left with zeros -> cv2.dnn.blobFromImage
  (1/255, size x size, swapRB) -> setInput/forward -> transpose -> per row cv2.minMaxLoc over the
  class scores, keep >= conf -> cv2.dnn.NMSBoxes -> scale boxes back by max(h, w) / size.

It exists so the benchmark can put the project's engine next to a plain, widely copied baseline on
the same model, photos and machine. It is deliberately not the project's pipeline: whole frame, no
tiling, top-left zero padding rather than the manifest's centred letterbox, one confidence
threshold for all classes. Use Debian's python (/usr/bin/python3 with python3-opencv and numpy).

  /usr/bin/python3 bench/opencv_reference.py --model models/hazard-v1/model.onnx --size 640 \
      [--conf 0.25] [--iou 0.45] [--warmup 2] [--repeat 3] IMAGE [IMAGE...]

Prints one JSON object on stdout (diagnostics go to stderr); {"error": ...} and exit 2 when OpenCV
cannot load the model.
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np


def detect(net, path, size, conf, iou):
    """One photo end to end, as in the Ultralytics example; returns [(class_id, score, [x, y, w, h])]."""
    original = cv2.imread(path)
    if original is None:
        raise RuntimeError(f"cv2.imread could not read {path}")
    height, width, _ = original.shape
    length = max(height, width)
    image = np.zeros((length, length, 3), np.uint8)
    image[0:height, 0:width] = original
    scale = length / size

    blob = cv2.dnn.blobFromImage(image, scalefactor=1 / 255, size=(size, size), swapRB=True)
    net.setInput(blob)
    outputs = net.forward()

    rows = cv2.transpose(outputs[0])  # [4 + nc, N] -> [N, 4 + nc]
    boxes, scores, class_ids = [], [], []
    for row in rows:
        _, max_score, _, (_, max_class) = cv2.minMaxLoc(row[4:])
        if max_score >= conf:
            cx, cy, w, h = row[0], row[1], row[2], row[3]
            boxes.append([cx - 0.5 * w, cy - 0.5 * h, w, h])
            scores.append(max_score)
            class_ids.append(max_class)

    # eta 0.5 as in the example; OpenCV only applies it while the IoU threshold is above 0.5.
    keep = cv2.dnn.NMSBoxes(boxes, scores, conf, iou, 0.5)
    return [(class_ids[i], scores[i], [v * scale for v in boxes[i]]) for i in np.array(keep).flatten()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="ONNX model, Ultralytics v8 output layout")
    parser.add_argument("--size", type=int, default=640, help="model input size (square)")
    parser.add_argument("--conf", type=float, default=0.25)
    parser.add_argument("--iou", type=float, default=0.45)
    parser.add_argument("--warmup", type=int, default=2, help="untimed images before timing")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over all images")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()

    try:
        net = cv2.dnn.readNetFromONNX(args.model)
    except cv2.error as error:
        print(json.dumps({"error": f"OpenCV {cv2.__version__} cannot load {args.model}: {error}"}))
        return 2
    if net.empty():
        print(json.dumps({"error": f"OpenCV {cv2.__version__} loaded an empty network from {args.model}"}))
        return 2

    for i in range(args.warmup):
        detect(net, args.images[i % len(args.images)], args.size, args.conf, args.iou)

    times, detections = [], {}
    cpu_start = time.process_time()
    for _ in range(max(1, args.repeat)):
        for path in args.images:
            started = time.perf_counter()
            found = detect(net, path, args.size, args.conf, args.iou)
            times.append(time.perf_counter() - started)
            detections[os.path.basename(path)] = len(found)
    cpu_seconds = time.process_time() - cpu_start

    ordered = sorted(times)
    quantile = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000
    print(f"{len(times)} timed images, {sum(times):.2f} s wall, {cpu_seconds:.2f} s CPU", file=sys.stderr)
    print(json.dumps({
        "opencv": cv2.__version__,
        "threads": cv2.getNumThreads(),
        "images": len(times),
        "imagesPerSecond": len(times) / sum(times),
        "p50Ms": quantile(0.5),
        "p95Ms": quantile(0.95),
        "cpuSecondsPerImage": cpu_seconds / len(times),
        "detections": detections,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

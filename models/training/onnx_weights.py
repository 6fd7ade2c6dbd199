"""Loads the weights of a shipped model.onnx back into `model.Detector`, so a later training stage
can start from a released model rather than from a checkpoint that only its trainer's machine had.

The export folds each batch norm into the convolution before it, so the ONNX graph holds one
weight and one bias per convolution. They are put back as the convolution's weight and an identity
batch norm carrying the bias (mean 0, variance 1 - eps, scale 1): the same function in eval mode.
A stage that starts from these weights should keep batch norm statistics frozen (`freeze_bn`),
since the folded layers have no running statistics worth updating from small batches.

Convolutions are matched in the order the graph and the module run them, and every shape must agree.
"""
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from model import Conv, Detector


def conv_call_order(model, size=64):
    """nn.Conv2d modules in the order a forward pass calls them."""
    order = []
    hooks = [m.register_forward_hook(lambda mod, _i, _o: order.append(mod)) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return order


def load_onnx_weights(model: Detector, onnx_path):
    graph = onnx.load(str(onnx_path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    modules = conv_call_order(model)
    if len(convs) != len(modules):
        raise ValueError(f"{onnx_path}: {len(convs)} convolutions in the graph, {len(modules)} in the network")
    owner = {m.conv: m for m in model.modules() if isinstance(m, Conv)}
    with torch.no_grad():
        for node, conv in zip(convs, modules):
            weight = torch.from_numpy(init[node.input[1]].copy())
            bias = torch.from_numpy(init[node.input[2]].copy()) if len(node.input) > 2 else torch.zeros(weight.shape[0])
            if weight.shape != conv.weight.shape:
                raise ValueError(f"{onnx_path}: convolution {node.name} is {tuple(weight.shape)}, the network expects {tuple(conv.weight.shape)}")
            conv.weight.copy_(weight)
            if conv.bias is not None:
                conv.bias.copy_(bias)
                continue
            bn = owner[conv].bn
            bn.weight.fill_(1.0)
            bn.bias.copy_(bias)
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
    return model


def freeze_bn(model):
    """Batch norm layers stay in eval mode (fixed statistics) while the rest trains."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    return model


if __name__ == "__main__":
    import argparse

    import cv2
    import numpy as np

    from model import ExportWrapper

    ap = argparse.ArgumentParser(description="checks that the loaded network reproduces the ONNX model's outputs (OpenCV DNN)")
    ap.add_argument("onnx")
    ap.add_argument("--classes", type=int, default=7)
    a = ap.parse_args()
    net = load_onnx_weights(Detector(a.classes), a.onnx).eval()
    x = torch.rand(1, 3, 640, 640)
    ours = ExportWrapper(net)(x).detach().numpy()
    reference = cv2.dnn.readNetFromONNX(a.onnx)
    reference.setInput(x.numpy())
    diff = np.abs(ours - reference.forward())
    print(f"largest difference: boxes {diff[:, :4].max():.2e} px, scores {diff[:, 4:].max():.2e}")

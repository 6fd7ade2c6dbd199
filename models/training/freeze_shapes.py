"""Freeze the shape-computing parts of an exported ONNX graph into constants.

    python3 models/training/freeze_shapes.py IN.onnx OUT.onnx [--imgsz 640] [--batch N]

Why: torch.onnx.export traces Python code that reads tensor shapes (`x.shape`, `chunk`, `flatten`,
the anchor grid built with `torch.arange` in model.py's `make_anchors`) into small subgraphs of
Shape, Gather, Range, Expand, ConstantOfShape, Cast, ... that compute those numbers again on every
run. `do_constant_folding` cannot remove them, because their inputs are feature maps. onnxruntime
runs them, but OpenCV's DNN module (4.6 fails with "Input node with name /Gather_1_output_0 not
found") and other runtimes and converters need such values as constants, as in a standard
Ultralytics export. For a fixed input size every one of them is a constant, so this tool evaluates
them once (numpy, with onnx.shape_inference for the shapes of feature maps), stores the results as
initializers, removes the nodes that are then dead, and runs onnx.checker. Weights and every
arithmetic on pixels are untouched: the outputs are the same as before, only cheaper to compute.

The batch axis stays dynamic by default. The graph is evaluated for two batch sizes; values that
differ are accepted only where they are a Reshape target's batch entry, which becomes 0 ("copy
this dimension from the input", allowzero=0). Anything else that depends on the batch size stops
the tool with an error; `--batch N` then freezes the batch axis to N as well.

Uses only onnx (Debian's python3-onnx 1.12 has no onnx.reference, hence the small evaluator below)
and numpy.
"""
import argparse
import collections
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

PROBE_BATCHES = (2, 5)  # two batch sizes, neither 1, so a broadcast 1 is never taken for the batch


def _np_dtype(onnx_type):
    return np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type])


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _constant_value(node):
    a = _attrs(node)
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64), ("value_ints", np.int64)):
        if key in a:
            return np.array(a[key], dtype=dtype)
    raise ValueError(f"unsupported Constant {node.name}")


def _int_div(a, b):
    """ONNX integer Div truncates towards zero (numpy's // floors)."""
    return (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(a.dtype)


def _slice(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[int(axis)] = slice(int(start), int(end), int(step))
    return x[tuple(index)]


def _reshape(x, shape, allowzero=0):
    shape = [int(d) for d in shape]
    if not allowzero:
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return x.reshape(shape)


def _unsqueeze(x, axes):
    for axis in sorted(int(a) % (x.ndim + len(axes)) for a in axes):
        x = np.expand_dims(x, axis)
    return x


def _range(start, limit, delta):
    count = max(int(np.ceil((limit - start) / delta)), 0)
    return (start + np.arange(count) * delta).astype(np.asarray(start).dtype)


def _binary(fn):
    return lambda n, a, b: [fn(a, b).astype(a.dtype)]


# Operators the shape subgraphs of torch.onnx exports use: (node, *input arrays) -> [output arrays].
OPS = {
    "Identity": lambda n, x: [x],
    "Gather": lambda n, x, i: [np.take(x, i, axis=_attrs(n).get("axis", 0))],
    "Unsqueeze": lambda n, x, axes: [_unsqueeze(x, axes)],
    "Squeeze": lambda n, x, axes=None: [np.squeeze(x, axis=None if axes is None else tuple(int(a) for a in axes))],
    "Concat": lambda n, *xs: [np.concatenate(xs, axis=_attrs(n)["axis"])],
    "Slice": lambda n, x, *args: [_slice(x, *args)],
    "Reshape": lambda n, x, shape: [_reshape(x, shape, _attrs(n).get("allowzero", 0))],
    "Expand": lambda n, x, shape: [np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(d) for d in shape))).copy()],
    "Cast": lambda n, x: [x.astype(_np_dtype(_attrs(n)["to"]))],
    "Range": lambda n, start, limit, delta: [_range(start, limit, delta)],
    "ConstantOfShape": lambda n, shape: [np.full(tuple(int(d) for d in shape), numpy_helper.to_array(_attrs(n)["value"])[0]
                                                 if "value" in _attrs(n) else np.float32(0))],
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": lambda n, a, b: [_int_div(a, b) if a.dtype.kind in "iu" else (a / b).astype(a.dtype)],
    "Neg": lambda n, x: [-x],
    "Equal": lambda n, a, b: [np.equal(a, b)],
    "Where": lambda n, c, a, b: [np.where(c, a, b)],
    "Max": lambda n, *xs: [np.maximum.reduce(xs).astype(xs[0].dtype)],
    "Min": lambda n, *xs: [np.minimum.reduce(xs).astype(xs[0].dtype)],
}


def _static_shapes(model):
    """Shapes onnx.shape_inference can tell, for tensors whose every dimension is a number."""
    inferred = shape_inference.infer_shapes(model)
    shapes = {}
    for info in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        t = info.type.tensor_type
        if t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim):
            shapes[info.name] = tuple(d.dim_value for d in t.shape.dim)
    return shapes


def _with_input_shape(model, imgsz, batch):
    """A copy of the model whose (single image) input is [batch, C, imgsz, imgsz], all numbers."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    initializers = {t.name for t in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise SystemExit(f"expected one image input, found {[i.name for i in inputs]}")
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 4 or not dims[1].HasField("dim_value"):
        raise SystemExit(f"input {inputs[0].name} is not [N, C, H, W] with a fixed C")
    for dim, value in zip(dims, (batch, dims[1].dim_value, imgsz, imgsz)):
        dim.Clear()
        dim.dim_value = value
    del m.graph.value_info[:]
    return m


def evaluate_shape_values(model, imgsz, batch):
    """Every tensor computable without pixel values, for input [batch, C, imgsz, imgsz].

    Returns (values, shapes): numpy arrays by tensor name, and the static shapes of the rest.
    Repeats (evaluate, fold into the working copy, infer shapes again) until nothing new, because
    a folded value (say a Slice end) can make the shape of a later feature map known.
    """
    work = _with_input_shape(model, imgsz, batch)
    values = {t.name: numpy_helper.to_array(t) for t in work.graph.initializer}
    while True:
        shapes = _static_shapes(work)
        found = False
        for node in work.graph.node:
            if node.op_type == "Constant":
                out = [_constant_value(node)]
            elif node.op_type == "Shape" and (node.input[0] in values or node.input[0] in shapes):
                dims = values[node.input[0]].shape if node.input[0] in values else shapes[node.input[0]]
                a = _attrs(node)
                out = [np.array(dims, dtype=np.int64)[a.get("start", 0):a.get("end", len(dims))]]
            elif node.op_type in OPS and all(i in values for i in node.input if i):
                args = [values[i] if i else None for i in node.input]
                while args and args[-1] is None:
                    args.pop()
                out = OPS[node.op_type](node, *args)
            else:
                continue
            values.update(zip(node.output, (np.asarray(v) for v in out)))
            found = True
        if not found:
            return values, shapes
        # Fold into the working copy so shape inference sees the new constants.
        kept = [n for n in work.graph.node if not all(o in values for o in n.output)]
        used = {i for n in kept for i in n.input}
        del work.graph.node[:]
        work.graph.node.extend(kept)
        del work.graph.initializer[:]
        work.graph.initializer.extend(numpy_helper.from_array(values[name], name) for name in sorted(used & values.keys()))


def _batch_free(value_a, value_b, shapes_a, shapes_b, consumers):
    """A batch-dependent value used only as Reshape targets whose differing entries are the batch: 0 there."""
    if value_a.shape != value_b.shape or value_a.ndim != 1:
        return None
    differ = np.nonzero(value_a != value_b)[0]
    for node, index in consumers:
        data = node.input[0]
        if node.op_type != "Reshape" or index != 1 or _attrs(node).get("allowzero", 0) or data not in shapes_a or data not in shapes_b:
            return None
        for i in differ:
            if i >= len(shapes_a[data]) or value_a[i] != shapes_a[data][i] or value_b[i] != shapes_b[data][i]:
                return None
    out = value_a.copy()
    out[differ] = 0
    return out


def freeze(model, imgsz=640, batch=None):
    """Returns a copy of `model` with its shape subgraphs frozen for [batch or N, C, imgsz, imgsz]."""
    graph = model.graph
    if batch is None:
        (values, shapes), (values_b, shapes_b) = (evaluate_shape_values(model, imgsz, b) for b in PROBE_BATCHES)
    else:
        values, shapes = evaluate_shape_values(model, imgsz, batch)
        values_b, shapes_b = values, shapes

    initializers = {t.name for t in graph.initializer}
    consumers = collections.defaultdict(list)
    for node in graph.node:
        for index, name in enumerate(node.input):
            consumers[name].append((node, index))
    folded = [n for n in graph.node if n.op_type != "Constant" and all(o in values for o in n.output)]
    folded_names = {o for n in folded for o in n.output}
    live = [n for n in graph.node if n.op_type == "Constant" or not all(o in values for o in n.output)]

    # New constants: folded tensors that live nodes or the graph outputs still read.
    needed = {i for n in live for i in n.input} | {o.name for o in graph.output}
    frozen = {}
    for name in sorted(needed & folded_names):
        value = values[name]
        if not np.array_equal(value, values_b[name]) or value.shape != values_b[name].shape:
            value = _batch_free(value, values_b[name], shapes, shapes_b, consumers[name])
            if value is None:
                raise SystemExit(f"{name} depends on the batch size in a way a constant cannot express; run with --batch 1")
        frozen[name] = value

    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    del g.node[:]
    g.node.extend(live)
    g.initializer.extend(numpy_helper.from_array(v, name) for name, v in frozen.items())
    del g.value_info[:]
    _remove_dead(g)
    _set_io_shapes(out, imgsz, batch)
    onnx.checker.check_model(out, full_check=True)
    return out


def _remove_dead(g):
    """Drops nodes and initializers nothing on the way to the graph outputs reads."""
    needed = {o.name for o in g.output}
    kept = []
    for node in reversed(g.node):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    del g.node[:]
    g.node.extend(reversed(kept))
    dropped = {t.name for t in g.initializer} - needed
    inits = [t for t in g.initializer if t.name not in dropped]
    inputs = [i for i in g.input if i.name not in dropped]
    del g.initializer[:]
    g.initializer.extend(inits)
    del g.input[:]
    g.input.extend(inputs)


def _set_io_shapes(model, imgsz, batch):
    """Input [batch|N, C, imgsz, imgsz]; outputs as inferred, first axis named like the input's."""
    g = model.graph
    image = g.input[0].type.tensor_type.shape.dim
    batch_dim = onnx.TensorShapeProto.Dimension()
    if batch is None:
        batch_dim.dim_param = image[0].dim_param or "batch"
    else:
        batch_dim.dim_value = batch
    image[0].CopyFrom(batch_dim)
    image[2].Clear()
    image[2].dim_value = imgsz
    image[3].Clear()
    image[3].dim_value = imgsz
    inferred = {o.name: o for o in shape_inference.infer_shapes(model).graph.output}
    for output in g.output:
        dims = inferred[output.name].type.tensor_type.shape.dim
        if len(dims) and all(d.HasField("dim_value") or d.HasField("dim_param") for d in dims):
            output.type.tensor_type.shape.CopyFrom(inferred[output.name].type.tensor_type.shape)
            output.type.tensor_type.shape.dim[0].CopyFrom(batch_dim)


def op_counts(model):
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--imgsz", type=int, default=640, help="square input size the graph is frozen for")
    ap.add_argument("--batch", type=int, default=None, help="also freeze the batch axis to this size (default: keep it dynamic)")
    args = ap.parse_args()
    model = onnx.load(args.input)
    frozen = freeze(model, args.imgsz, args.batch)
    onnx.save(frozen, args.output)
    before, after = op_counts(model), op_counts(frozen)
    print(f"{args.input}: {len(model.graph.node)} nodes -> {args.output}: {len(frozen.graph.node)} nodes", file=sys.stderr)
    for op in sorted(before.keys() | after.keys()):
        if before.get(op, 0) != after.get(op, 0):
            print(f"  {op}: {before.get(op, 0)} -> {after.get(op, 0)}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""make.py — build the model fixtures the tests and benchmarks read.

    /usr/bin/python3 tests/models/make.py CACHE [--bench]

Writes into CACHE:
  resnet18.onnx mobilenet_v2.onnx googlenet.onnx squeezenet1_1.onnx
            torchvision architectures with random weights (torch.manual_seed(0)
            before each), BatchNorm statistics set by 4 random training-mode
            batches, then eval mode, input 'input' 1x3x224x224 f32, output
            'output', opset 13
  conv_bn.onnx
            Conv -> BatchNormalization -> Relu with non-trivial BN statistics
            (input 'x' 1x3x8x8, output 'y' 1x4x8x8), built with onnx.helper
  .done     touched when everything above exists
With --bench also resnet50.onnx (about 100 MB; benchmarks only).

Idempotent: a model already present is skipped.  Each file is written to a
temporary name and renamed, so an interrupted run leaves no partial model.
Needs Debian's python3 (onnx 1.12, torch 1.13, torchvision 0.14).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
TORCHVISION = ["resnet18", "mobilenet_v2", "googlenet", "squeezenet1_1"]
BENCH = ["resnet50"]


def save(path, write):
    """Call write(tmp) and move tmp to path once it has succeeded."""
    tmp = path + ".tmp"
    write(tmp)
    onnx.checker.check_model(onnx.load(tmp))
    os.replace(tmp, path)
    print(f"make.py: wrote {path}")


def torchvision_model(name, path):
    import torch
    import torchvision

    torch.manual_seed(0)
    kw = {"weights": None}
    if name == "googlenet":
        kw.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kw)
    # Random weights leave deep nets' activations vanishing or exploding
    # (googlenet's output would not depend on its input).  Set the
    # BatchNorm statistics from a few random batches, as training would,
    # so every layer sees normalised activations.
    for mod in model.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.momentum = None  # a plain average over the batches
            mod.reset_running_stats()
    with torch.no_grad():
        model.train()
        for _ in range(4):
            model(torch.randn(8, 3, 224, 224))
    model.eval()
    x = torch.randn(1, 3, 224, 224)

    def write(tmp):
        with torch.no_grad():
            torch.onnx.export(model, x, tmp, opset_version=OPSET,
                              input_names=["input"], output_names=["output"],
                              do_constant_folding=True)
    save(path, write)


def conv_bn(path):
    rs = np.random.RandomState(0)

    def f32(*shape, lo=-1.0, hi=1.0):
        return rs.uniform(lo, hi, shape).astype(np.float32)

    inits = [
        numpy_helper.from_array(f32(4, 3, 3, 3), "w"),
        numpy_helper.from_array(f32(4), "b"),
        numpy_helper.from_array(f32(4, lo=0.5, hi=2.0), "bn_scale"),
        numpy_helper.from_array(f32(4), "bn_bias"),
        numpy_helper.from_array(f32(4, lo=-0.5, hi=0.5), "bn_mean"),
        numpy_helper.from_array(f32(4, lo=0.25, hi=4.0), "bn_var"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization",
                         ["c", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
                         ["n"], name="bn", epsilon=1e-3),
        helper.make_node("Relu", ["n"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "conv_bn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        inits)
    model = helper.make_model(graph, producer_name="sqc-tests",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    save(path, lambda tmp: onnx.save(model, tmp))


def main():
    args = sys.argv[1:]
    bench = "--bench" in args
    args = [a for a in args if a != "--bench"]
    if len(args) != 1:
        sys.exit("usage: make.py CACHE [--bench]")
    cache = args[0]
    os.makedirs(cache, exist_ok=True)

    def want(name):
        return not os.path.exists(os.path.join(cache, name + ".onnx"))

    if want("conv_bn"):
        conv_bn(os.path.join(cache, "conv_bn.onnx"))
    for name in TORCHVISION + (BENCH if bench else []):
        if want(name):
            torchvision_model(name, os.path.join(cache, name + ".onnx"))
    with open(os.path.join(cache, ".done"), "w"):
        pass


if __name__ == "__main__":
    main()

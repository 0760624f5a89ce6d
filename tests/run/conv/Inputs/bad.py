"""bad.py OUTDIR: models the matrix-op bindings refuse: a 4-D Conv (x4.pb its
input) and an f64 Conv (xd.pb)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def model(name, dt, xshape, wshape):
    w = numpy_helper.from_array(np.ones(wshape, dt), "w")
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c")], name,
        [helper.make_tensor_value_info("x", w.data_type, xshape)],
        [helper.make_tensor_value_info("y", w.data_type, None)], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


def tensor(name, a):
    with open(os.path.join(out, name), "wb") as f:
        f.write(numpy_helper.from_array(a, "x").SerializeToString())


model("conv4d", np.float32, [1, 1, 3, 3, 3, 3], [1, 1, 2, 2, 2, 2])
tensor("x4.pb", np.ones((1, 1, 3, 3, 3, 3), np.float32))
model("conv_f64", np.float64, [1, 1, 3, 3], [1, 1, 2, 2])
tensor("xd.pb", np.ones((1, 1, 3, 3), np.float64))

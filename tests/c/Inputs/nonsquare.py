# nonsquare.py OUT.onnx CALIB.npy X.npy: a float model whose second conv has
# a 1x3 kernel (Gemmini's conv kernels take square kernels only), calibration
# data and one input, all from fixed seeds.
import sys
import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

r = np.random.default_rng(11)
w1 = nh.from_array(r.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3, "w1")
w2 = nh.from_array(r.standard_normal((4, 4, 1, 3)).astype(np.float32) * 0.3, "w2")
b2 = nh.from_array(r.standard_normal(4).astype(np.float32) * 0.1, "b2")
nodes = [
    h.make_node("Conv", ["x", "w1"], ["c1"], name="conv33", pads=[1, 1, 1, 1]),
    h.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    h.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv13", pads=[0, 1, 0, 1]),
    h.make_node("Relu", ["c2"], ["y"], name="relu2"),
]
g = h.make_graph(nodes, "nonsquare", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 8, 8])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 8, 8])], [w1, w2, b2])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
onnx.checker.check_model(m)
onnx.save(m, sys.argv[1])
np.save(sys.argv[2], r.standard_normal((8, 1, 3, 8, 8)).astype(np.float32))
np.save(sys.argv[3], r.standard_normal((1, 3, 8, 8)).astype(np.float32))

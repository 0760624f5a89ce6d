#!/usr/bin/python3
"""o2weights.py O1.onnx O2.onnx — for every QLinearConv_nhwc of the -O2
model, the QLinearConv of the same name in the -O1 model (same calibration):
its weight must be the -O1 weight [M, C/g, kH, kW] transposed to HWIO
[kH, kW, C/g, M], and its bias, scales and zero points the same.  Prints
one summary line; exits 1 on a mismatch."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def nodes(path):
    m = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return {n.name: (n, init) for n in m.graph.node}


o1, o2 = nodes(sys.argv[1]), nodes(sys.argv[2])
n = 0
for name, (node, init) in o2.items():
    if node.op_type != "QLinearConv_nhwc":
        continue
    ref, rinit = o1[name]
    assert ref.op_type == "QLinearConv", (name, ref.op_type)
    w, rw = init[node.input[3]], rinit[ref.input[3]]
    if w.shape != rw.transpose(2, 3, 1, 0).shape or \
            not np.array_equal(w, rw.transpose(2, 3, 1, 0)):
        print(f"MISMATCH weight of {name}: {w.shape} vs {rw.shape}")
        sys.exit(1)
    for k in (4, 5, 6, 7, 8):
        a = init.get(node.input[k]) if k < len(node.input) else None
        b = rinit.get(ref.input[k]) if k < len(ref.input) else None
        if (a is None) != (b is None) or (a is not None and
                                          not np.array_equal(a, b)):
            print(f"MISMATCH input {k} of {name}")
            sys.exit(1)
    n += 1
print(f"weights: {n} QLinearConv_nhwc = QLinearConv with W transposed to HWIO")

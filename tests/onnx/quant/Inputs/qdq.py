#!/usr/bin/python3
"""qdq.py input FILE | check DIR — data and expected values for qdq.sqir
(parameters copied from the test by hand): each op in float between
dequantize and quantize."""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qref import close, conv2d_acc, dequant, load_out, quant, save  # noqa: E402

X = np.array([1.3, -0.47, 2.9, -3.3], np.float32).reshape(1, 1, 2, 2)
W = np.array([1, -2, 3, 4, -5, 6, -7, 8, 9, 10, 11, -12, 13, -14, 15, -16, 17,
              18]).reshape(2, 1, 3, 3)
B = np.array([10, -7])
G = np.array([(-1) ** k * (k + 1) for k in range(24)]).reshape(3, 8)
GB = np.array([100, -50, 7])
I8 = np.int8

if sys.argv[1] == "input":
    save(sys.argv[2], "x", X)
    sys.exit(0)
xq = quant(X, 0.1, 0, I8)
# float conv = sum over dequantized values; exact in float64 here
acc = conv2d_acc(xq, 0, W, [0, 0], None, [1, 1, 1, 1], [1, 1]) * (
    0.1 * np.array([0.5, 0.25]).reshape(1, 2, 1, 1))
c = acc + (B * np.array([0.05, 0.025])).reshape(1, 2, 1, 1)
cq = quant(c.astype(np.float32), 0.2, -5, I8)
rq = quant(np.maximum(dequant(cq, 0.2, -5), 0), 0.2, -5, I8)
aq = quant(dequant(rq, 0.2, -5) + dequant(cq, 0.2, -5), 0.25, 0, I8)
f = dequant(aq.reshape(1, 8), 0.25, 0).astype(np.float64)
y = f @ (G * 0.05).T + GB * 0.0125
yq = quant(y.astype(np.float32), 0.3, 2, I8)
close("y (codes)", load_out(sys.argv[2], 0) / np.float32(0.3),
      dequant(yq, 0.3, 2) / np.float32(0.3), 1.001)

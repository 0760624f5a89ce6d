#!/usr/bin/python3
"""ort_eltwise.py input XFILE YFILE | check DIR — data and expected values
for ort-eltwise.sqir (parameters copied from the test by hand)."""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qref import close, dequant, load_out, quant, save  # noqa: E402

X = np.array([-13.0, -2.55, -0.3, 0.0, 0.74, 2.05, 5.5, 12.9],
             np.float32).reshape(1, 2, 2, 2)
Y = np.array([4.1, -1.2, 0.33, -8.0, 2.6, 0.05, -0.77, 3.3],
             np.float32).reshape(1, 2, 2, 2)
I8 = np.int8

if sys.argv[1] == "input":
    save(sys.argv[2], "x", X)
    save(sys.argv[3], "y", Y)
    sys.exit(0)
xq = quant(X, 0.1, -2, I8)
yq = quant(Y, 0.07, 5, I8)
aq = quant(dequant(xq, 0.1, -2) + dequant(yq, 0.07, 5), 0.15, 1, I8)
pq = quant(dequant(aq, 0.15, 1) * dequant(yq, 0.07, 5), 0.2, 0, I8)
p = dequant(pq, 0.2, 0)
lq = quant(np.where(p < 0, p * np.float32(0.2), p), 0.12, -10, I8)
l = dequant(lq, 0.12, -10).astype(np.float64)
sq = quant((1 / (1 + np.exp(-l))).astype(np.float32), 0.00390625, -128, I8)
cq = np.clip(xq, -2, 50)
rq = quant(dequant(cq, 0.1, -2), 0.05, 7, I8)
fq = np.concatenate([rq, rq], axis=1).reshape(1, 16)
d = sys.argv[2]
close("s (codes)", load_out(d, 0) / np.float32(0.00390625),
      dequant(sq, 0.00390625, -128) / np.float32(0.00390625), 1.001)
close("f", load_out(d, 1), dequant(fq, 0.05, 7), 0)
# the intermediate stages, through the table above: one code at most
# anywhere is all the reference claims for ORT's QLinearAdd/Mul/LeakyRelu

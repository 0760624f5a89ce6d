#!/usr/bin/python3
"""ort_conv.py input FILE | check DIR — data and expected values for
ort-conv.sqir (parameters copied from the test by hand)."""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qref import close, conv2d_acc, dequant, load_out, mult, quant, requant, save  # noqa: E402

X = (np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4) - 7.3) * np.float32(0.37)
W = np.array([1, -2, 3, 4, -5, 6, -7, 8, 9, 10, 11, -12, 13, -14, 15, -16, 17,
              18], np.int8).reshape(2, 1, 3, 3)
B = np.array([10, -7])
SX, ZX, SW, SY, ZY = 0.1, 3, [0.5, 0.25], 0.2, -5

if sys.argv[1] == "input":
    save(sys.argv[2], "x", X)
    sys.exit(0)
xq = quant(X, SX, ZX, np.int8)
acc = conv2d_acc(xq, ZX, W, [0, 0], B, [1, 1, 1, 1], [2, 2])
m = np.array([mult(SX, s, SY) for s in SW], np.float32).reshape(1, 2, 1, 1)
y = requant(acc, m, ZY, np.int8)
y = np.maximum(y, ZY)				# relu on the codes
want = dequant(y, SY, ZY)
close("r", load_out(sys.argv[2], 0), want, 0)

#!/usr/bin/python3
"""ort_pool.py input FILE | check DIR — data and expected values for
ort-pool.sqir (parameters copied from the test by hand)."""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qref import close, dequant, load_out, quant, save  # noqa: E402

X = (np.sin(np.arange(50, dtype=np.float32) * 0.7) * 9).astype(
    np.float32).reshape(1, 2, 5, 5)
I8 = np.int8

if sys.argv[1] == "input":
    save(sys.argv[2], "x", X)
    sys.exit(0)
xq = quant(X, 0.1, 4, I8)
xp = np.full((1, 2, 7, 7), -128, np.int64)	# MaxPool ignores the padding
xp[:, :, 1:6, 1:6] = xq
mq = np.zeros((1, 2, 6, 6), np.int64)
for i in range(6):
    for j in range(6):
        mq[:, :, i, j] = xp[:, :, i:i + 2, j:j + 2].max(axis=(2, 3))
m = dequant(mq, 0.1, 4).astype(np.float64)
a = m.reshape(1, 2, 3, 2, 3, 2).mean(axis=(3, 5))
aq = quant(a.astype(np.float32), 0.08, -3, I8)
g = dequant(aq, 0.08, -3).astype(np.float64).mean(axis=(2, 3), keepdims=True)
gq = quant(g.astype(np.float32), 0.05, 2, I8)
d = sys.argv[2]
close("a (codes)", load_out(d, 0) / np.float32(0.08),
      dequant(aq, 0.08, -3) / np.float32(0.08), 1.001)
close("g (codes)", load_out(d, 1) / np.float32(0.05),
      dequant(gq, 0.05, 2) / np.float32(0.05), 1.001)

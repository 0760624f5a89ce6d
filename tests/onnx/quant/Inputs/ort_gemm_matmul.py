#!/usr/bin/python3
"""ort_gemm_matmul.py input FILE | check DIR — data and expected values for
ort-gemm-matmul.sqir (parameters copied from the test by hand)."""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qref import close, dequant, load_out, mult, quant, requant, save  # noqa: E402

X = np.array([[-3.1, 0.4, 2.2], [1.7, -0.9, 7.5]], np.float32)
B = np.array([200, 3, 128, 255, 0, 77]).reshape(3, 2)
ZB, SB = np.array([128, 120]), [0.02, 0.03]
W = np.array([127, -127, 5, 60, -100, 33, 0, 90]).reshape(4, 2)	# [N, K]
SW = [0.01, 0.02, 0.03, 0.04]
C = np.array([1000, -2000, 30, 0])
SX, ZX, SM, ZM, SG, ZG = 0.05, 100, 0.1, 90, 0.15, 110

if sys.argv[1] == "input":
    save(sys.argv[2], "x", X)
    sys.exit(0)
xq = quant(X, SX, ZX, np.uint8).astype(np.int64)
acc = (xq - ZX) @ (B - ZB)
mq = requant(acc, np.array([mult(SX, s, SM) for s in SB], np.float32), ZM,
             np.uint8)
acc = (mq.astype(np.int64) - ZM) @ W.T + C
gq = requant(acc, np.array([mult(SM, s, SG) for s in SW], np.float32), ZG,
             np.uint8)
close("m", load_out(sys.argv[2], 1), dequant(mq, SM, ZM), 0)
close("g (codes)", load_out(sys.argv[2], 0) / np.float32(SG),
      dequant(gq, SG, ZG) / np.float32(SG), 1.001)

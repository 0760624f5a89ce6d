"""Writes a two-layer MLP as textual IR and calibration samples for the
mixed-precision tests.  Layer 'bad' (MatMul 16x16) has weights in
[-0.02, 0.02] and one weight of 1.0 on input channel 3, which is always 0
in the data (a dead channel, so the big weight never makes a big
activation).  Per-tensor symmetric int8 gives 'bad' a step of 1/127 =
0.0079: its weights keep only 2 or 3 levels each, so its output is far from
float (hand analysis; the tests check that -O2 keeps exactly that layer
float).  Layer 'good' (MatMul 16x4, weights in [-0.5, 0.5]) quantizes
well.  usage: outlier.py OUT.sqir OUT.npy"""
import sys
import numpy as np

r = np.random.default_rng(5)
w1 = r.uniform(-0.02, 0.02, (16, 16)).astype(np.float32)
w1[3, 7] = 1.0
w2 = r.uniform(-0.5, 0.5, (16, 4)).astype(np.float32)
x = r.standard_normal((8, 1, 16)).astype(np.float32)
x[:, :, 3] = 0.0


def lit(a):
    return "[" + ", ".join(repr(float(v)) for v in a.ravel()) + "]"


with open(sys.argv[1], "w") as f:
    f.write('module opset "" 13\n')
    f.write("const $w1 : f32[16,16] = %s\n" % lit(w1))
    f.write("const $w2 : f32[16,4] = %s\n" % lit(w2))
    f.write("func @main(%x: f32[1,16]) {\n")
    f.write("  %h: f32[1,16] = matmul @bad %x, $w1\n")
    f.write("  %r: f32[1,16] = relu @act %h\n")
    f.write("  %y: f32[1,4] = matmul @good %r, $w2\n")
    f.write("  ret %y\n}\n")
np.save(sys.argv[2], x)

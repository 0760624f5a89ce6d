"""relu2x.py OUTDIR [SAMPLES [SEED]]: a dataset for relu2x.sqir and the
FileCheck lines of the ranges calibrate must find, computed with numpy.

Writes OUTDIR/data.npy (SAMPLES x 2 x 3 float32, normal with a few large
values) and OUTDIR/expect.txt: the minmax range of %x, %y = x*2 and
%r = relu(y), each the min of the per-sample mins and max of the maxes,
printed as sqc prints floats (the shortest decimal that reads back to the
same float32, with a '.' or exponent).
"""
import os
import sys

import numpy as np

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rng = np.random.default_rng(seed)
x = (rng.standard_normal((n, 2, 3)) * rng.choice([0.5, 1, 8], (n, 1, 1)))
x = x.astype(np.float32)
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, 'data.npy'), x)


def fmt(v):
    v = np.float32(v)
    for p in range(1, 10):
        s = '%.*g' % (p, float(v))
        if np.float32(float(s)) == v:
            break
    if not any(c in s for c in '.eEn'):
        s += '.0'
    return s


def rng_(a):
    mins = [s.min() for s in a]
    maxs = [s.max() for s in a]
    return 'range(%s, %s)' % (fmt(min(mins)), fmt(max(maxs)))


y = x * np.float32(2)
r = np.maximum(y, np.float32(0))
with open(os.path.join(out, 'expect.txt'), 'w') as f:
    f.write('CHECK: func @main(%%x: f32[2,3] %s) {\n' % rng_(x))
    f.write('CHECK-NEXT: %%y: f32[2,3] %s = mul @m %%x, $two\n' % rng_(y))
    f.write('CHECK-NEXT: %%r: f32[2,3] %s = relu @r %%y\n' % rng_(r))

"""data.py OUTDIR: inputs for the sqc run and dataset error tests.

good.npy / good.pb  f32[1,1,8,8] for examples/smallcnn.onnx (input 'image')
wrongshape.npy      f32[1,1,8,9]
wrongdtype.npy      f64[1,1,8,8]
calib_nan.npy       4 samples of 1x8x8 with a NaN in sample 2
calib_inf.npy       4 samples with +Inf in sample 0
calib_shape.npy     4 samples of 1x8x9
calib_dtype.npy     4 samples, int32
empty/              an empty directory
badimage/           a directory with one file named x.png that is not a PNG
"""
import os
import sys

import numpy as np
from onnx import numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
x = rng.standard_normal((1, 1, 8, 8)).astype(np.float32)
np.save(os.path.join(out, "good.npy"), x)
with open(os.path.join(out, "good.pb"), "wb") as f:
    f.write(numpy_helper.from_array(x, "image").SerializeToString())
np.save(os.path.join(out, "wrongshape.npy"), np.zeros((1, 1, 8, 9), np.float32))
np.save(os.path.join(out, "wrongdtype.npy"), np.zeros((1, 1, 8, 8), np.float64))
c = rng.standard_normal((4, 1, 8, 8)).astype(np.float32)
n = c.copy()
n[2, 0, 3, 4] = np.nan
np.save(os.path.join(out, "calib_nan.npy"), n)
i = c.copy()
i[0, 0, 0, 1] = np.inf
np.save(os.path.join(out, "calib_inf.npy"), i)
np.save(os.path.join(out, "calib_shape.npy"), np.zeros((4, 1, 8, 9), np.float32))
np.save(os.path.join(out, "calib_dtype.npy"), np.zeros((4, 1, 8, 8), np.int32))
os.makedirs(os.path.join(out, "empty"), exist_ok=True)
os.makedirs(os.path.join(out, "badimage"), exist_ok=True)
with open(os.path.join(out, "badimage", "x.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\nthis is not a png")

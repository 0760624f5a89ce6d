#!/usr/bin/python3
"""cut.py — googlenet's first blocks, and random calibration data for them.

    /usr/bin/python3 examples/googlenet/cut.py GOOGLENET.onnx OUTDIR

Writes OUTDIR/googlenet-3a.onnx: torchvision's GoogLeNet (as exported into
tests/models/cache by tests/models/make.py) from its input 'input'
f32[1,3,224,224] through the first inception block — the stem (Conv-Relu,
MaxPool, Conv-Relu, Conv-Relu, MaxPool) and inception3a (four branches of
1x1/3x3 Conv-Relu and a MaxPool, joined by a Concat) — with the Concat's
output '/inception3a/Concat_output_0' as the graph output.  Cut with
onnx.utils.extract_model, so the weights are the original ones.

Writes OUTDIR/calib.npy: f32[4,3,224,224] drawn from a standard normal
distribution (numpy seed 0; the model expects ImageNet-normalised images,
roughly zero mean and unit variance), only so that the calibrated picture
has ranges and scales to show.
"""
import os
import sys

import numpy as np
import onnx.utils

CUT = "/inception3a/Concat_output_0"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: cut.py GOOGLENET.onnx OUTDIR")
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    onnx.utils.extract_model(src, os.path.join(out, "googlenet-3a.onnx"),
                             ["input"], [CUT])
    x = np.random.RandomState(0).standard_normal((4, 3, 224, 224))
    np.save(os.path.join(out, "calib.npy"), x.astype(np.float32))


if __name__ == "__main__":
    main()

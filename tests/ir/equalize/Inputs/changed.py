#!/usr/bin/python3
"""changed.py A.onnx B.onnx — which initializers of B differ from A's (same
name, by value): shows that equalize rewrote the pairs it should, so the
float comparison next to it is not vacuous.

Prints "changed N of M initializers: NAME..." (names sorted).
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def inits(path):
    g = onnx.load(path).graph
    return {t.name: numpy_helper.to_array(t) for t in g.initializer}


a, b = inits(sys.argv[1]), inits(sys.argv[2])
if sorted(a) != sorted(b):
    print("initializer names differ")
    sys.exit(1)
diff = sorted(k for k in a if a[k].shape != b[k].shape or
              not np.array_equal(a[k], b[k]))
print("changed %d of %d initializers: %s" % (len(diff), len(a), " ".join(diff)))

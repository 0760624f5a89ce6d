"""same.py A B: are two float32 outputs bit-identical?  Each of A and B is
an .npy file (sqc run's output_K.npy) or raw little-endian float32 (the test
driver's output).  Prints 'bit-identical (N values)' or how they differ."""
import sys

import numpy as np


def load(path):
    if path.endswith('.npy'):
        return np.load(path).astype('<f4', copy=False).ravel()
    return np.fromfile(path, dtype='<f4')


a, b = load(sys.argv[1]), load(sys.argv[2])
if a.shape != b.shape:
    print('DIFFER: %d and %d values' % (a.size, b.size))
elif a.tobytes() == b.tobytes():
    print('bit-identical (%d values)' % a.size)
else:
    d = a.view('<u4') != b.view('<u4')
    print('DIFFER: %d of %d values, max |a - b| %g' %
          (d.sum(), a.size, np.abs(a - b).max()))

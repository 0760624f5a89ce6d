# batches.py X.npy DIR B: DIR/bK.npy and DIR/bK.pb (TensorProto named
# 'input'), the K-th batch of B rows of X.
import sys
import numpy
from onnx import numpy_helper

x = numpy.load(sys.argv[1])
b = int(sys.argv[3])
for k in range(len(x) // b):
    part = x[k * b:(k + 1) * b]
    numpy.save('%s/b%d.npy' % (sys.argv[2], k), part)
    with open('%s/b%d.pb' % (sys.argv[2], k), 'wb') as f:
        f.write(numpy_helper.from_array(part, 'input').SerializeToString())

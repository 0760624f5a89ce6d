# accdrop.py LABELS.npy FLOAT.npy PART... TOL: top-1 accuracy of the logits
# in FLOAT.npy and of the PARTs concatenated (.npy, or ONNX Runtime's raw
# out_K.bin float32 with 10 classes); fails unless the second is at least
# the first minus TOL.
import sys
import numpy


def load(p):
    if p.endswith('.bin'):
        return numpy.fromfile(p, dtype=numpy.float32).reshape(-1, 10)
    return numpy.load(p)


labels = numpy.load(sys.argv[1])
ref = (load(sys.argv[2]).argmax(1) == labels).mean()
q = numpy.concatenate([load(p) for p in sys.argv[3:-1]])
acc = (q.argmax(1) == labels).mean()
tol = float(sys.argv[-1])
print('float %.4f int8 %.4f' % (ref, acc))
if acc < ref - tol:
    sys.exit('int8 accuracy %.4f is more than %g below float %.4f' % (acc, tol, ref))
print('ok: int8 accuracy %.4f within %g of float' % (acc, tol))

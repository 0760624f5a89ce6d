# Lists a model's ops (domain:op_type), checks every *_zero_point
# initializer is 0 and counts QLinearConv nodes.
import sys
import numpy
import onnx
from onnx import numpy_helper

m = onnx.load(sys.argv[1])
print('ops:', ' '.join(sorted({n.domain + ':' + n.op_type for n in m.graph.node})))
zps = [numpy_helper.to_array(t) for t in m.graph.initializer if t.name.endswith('_zero_point')]
print('zero points:', len(zps), 'all 0' if all((z == 0).all() for z in zps) else 'NOT all 0')
print('QLinearConv', sum(n.op_type == 'QLinearConv' for n in m.graph.node))

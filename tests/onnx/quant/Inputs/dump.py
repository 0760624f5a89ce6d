#!/usr/bin/python3
"""dump.py MODEL [--check] — print a written ONNX model for FileCheck.

One line per opset import, initializer (name, dtype, shape, first values)
and node (name, domain:op_type, inputs -> outputs, attributes), in file
order.  --check first runs onnx.checker.check_model(full_check=True) and
prints "checker: ok" (a failure raises, exiting non-zero).
"""
import sys

import onnx
from onnx import helper, numpy_helper

m = onnx.load(sys.argv[1])
if "--check" in sys.argv[2:]:
    onnx.checker.check_model(m, full_check=True)
    print("checker: ok")
for o in m.opset_import:
    print(f"opset '{o.domain}' {o.version}")
for t in m.graph.initializer:
    a = numpy_helper.to_array(t)
    print(f"init {t.name} {a.dtype} {list(a.shape)} {a.flatten().tolist()[:12]}")
for n in m.graph.node:
    attrs = " ".join(f"{a.name}={helper.get_attribute_value(a)}"
                     for a in n.attribute)
    print(f"node {n.name} {n.domain}:{n.op_type} {list(n.input)} -> "
          f"{list(n.output)} {attrs}".rstrip())

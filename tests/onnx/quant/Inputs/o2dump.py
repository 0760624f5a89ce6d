#!/usr/bin/python3
"""o2dump.py MODEL — print what the --target=systolic -O2 writer produced,
for FileCheck: graph inputs and outputs with their dims, then per node
"node domain:op_type attr=value ..." (attributes in file order), then per
initializer "init name dtype [dims] [first values]", then
"vi name [dims]" per value_info, and a last line with every zero point.
"""
import sys

import onnx
from onnx import helper, numpy_helper


def dims(vi):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param
            for d in vi.type.tensor_type.shape.dim]


m = onnx.load(sys.argv[1])
for vi in m.graph.input:
    print(f"input {vi.name} {dims(vi)}")
for vi in m.graph.output:
    print(f"output {vi.name} {dims(vi)}")
for n in m.graph.node:
    attrs = " ".join(f"{a.name}={helper.get_attribute_value(a)}"
                     for a in n.attribute)
    print(f"node {n.domain}:{n.op_type} {list(n.input)} -> {list(n.output)}"
          f" {attrs}".rstrip())
zps = []
for t in m.graph.initializer:
    a = numpy_helper.to_array(t)
    print(f"init {t.name} {a.dtype} {list(a.shape)} {a.flatten().tolist()[:16]}")
    if t.name.endswith("_zero_point"):
        zps.append(a)
for vi in m.graph.value_info:
    print(f"vi {vi.name} {dims(vi)}")
print("zero points:", len(zps),
      "all 0" if all((z == 0).all() for z in zps) else "NOT all 0")
counts = {}
for n in m.graph.node:
    k = f"{n.domain}:{n.op_type}"
    counts[k] = counts.get(k, 0) + 1
print("ops:", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))

#!/usr/bin/python3
"""fixture.py — write one malformed input for the bad-input tests.

    /usr/bin/python3 tests/bad/fixture.py KIND OUT [SRC]

KIND:
  empty       a zero-byte file
  truncated   the first half of SRC (a real model)
  random      4096 pseudo-random bytes (fixed seed; the first byte is not one
              that would make the file look like textual IR)
  undefined   node 'add' (Add) reads 'ghost', which nothing defines
  cycle       nodes 'a' and 'b' each read the other's output
  baddata     initializer 'w' has dims [2, 3] (f32, 24 bytes) but 20 bytes
              of raw_data
The ONNX models are otherwise valid opset-13 models built with onnx.helper;
they are serialized without running onnx.checker (which would reject them).
"""
import random
import sys

from onnx import TensorProto, helper

F = TensorProto.FLOAT


def model(nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, list(inits))
    return helper.make_model(graph, producer_name="sqc-tests",
                             opset_imports=[helper.make_opsetid("", 13)])


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


def build(kind, src):
    if kind == "empty":
        return b""
    if kind == "truncated":
        with open(src, "rb") as f:
            data = f.read()
        return data[:len(data) // 2]
    if kind == "random":
        rng = random.Random(1)
        data = bytearray(rng.randrange(256) for _ in range(4096))
        data[0] = 0xff	# not '#', 'm', 'c', 'f' or blank: read as ONNX
        return bytes(data)
    if kind == "undefined":
        m = model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add")],
                  [vi("x", [2])], [vi("y", [2])])
    elif kind == "cycle":
        m = model([helper.make_node("Add", ["x", "t2"], ["t1"], name="a"),
                   helper.make_node("Relu", ["t1"], ["t2"], name="b")],
                  [vi("x", [2])], [vi("t2", [2])])
    elif kind == "baddata":
        w = TensorProto(name="w", data_type=F, dims=[2, 3],
                        raw_data=b"\0" * 20)
        m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                  [vi("x", [2, 3])], [vi("y", [2, 3])], [w])
    else:
        sys.exit(f"fixture.py: unknown kind '{kind}'")
    return m.SerializeToString()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: fixture.py KIND OUT [SRC]")
    data = build(sys.argv[1], sys.argv[3] if len(sys.argv) == 4 else None)
    with open(sys.argv[2], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""fixture.py — ONNX models that exercise the reader (frontend/onnx.c).

    /usr/bin/python3 tests/onnx/reader/fixture.py KIND OUT
    /usr/bin/python3 tests/onnx/reader/fixture.py check ORIG EMITTED

KIND writes OUT (and, for the external-data kinds, weights.bin next to it).
Models that must import:
  alltypes    one initializer per element type 1..16 in the typed field
              (t_f32 ...) and one in raw_data (r_f32 ...; not str), plus a
              Constant node whose value is an i8 tensor in int32_data
  attrs       a com.example.Custom node with one attribute of every kind
              (strings holding NUL bytes, empty lists), metadata, a
              model-local function, opset domain "ai.onnx", doc strings
  external    initializers 'a' (offset 0, length 24) and 'b' (offset 64, no
              length: to the end) in weights.bin
  unsorted    nodes in reverse order; an initializer that is also a graph
              input; dim_param, unknown dims, a rank-unknown input;
              value_info types; an omitted optional input and output
Models that must fail (the message the reader gives is in the .test files):
  ext_absolute  location '/etc/passwd'       ext_dotdot   location '../w.bin'
  ext_past_end  offset past the end          ext_too_long length past the end
  ext_missing   location names no file       ext_size     length != dims
  typed_size    float_data has 5 floats for f32[2,3]
  negdim        an initializer with dims [2, -1]
  rank9         an initializer of rank 9
  bad_dtype     an initializer of data type 17 (newer ONNX's FLOAT8)
  seq_input     a graph input of sequence type
  twice         two nodes define 'y'
  out_undef     a graph output nothing defines
  dup_init      two initializers named 'w'
  no_graph      a ModelProto without a graph
  deep          20000 subgraphs nested in If attributes (hand-encoded)
  bad_attr      an attribute of type tensor without a tensor

`check ORIG EMITTED` compares two models' initializers, Constant/attribute
tensors (as numpy arrays, bit for bit) and attributes; exits 1 on the first
difference.  For reader + writer round trips.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
OPSET = 13


def model(nodes, inputs, outputs, inits=(), **kw):
    graph = helper.make_graph(nodes, "reader", inputs, outputs, list(inits),
                              value_info=kw.pop("value_info", None))
    return helper.make_model(graph, producer_name="sqc-tests",
                             opset_imports=kw.pop("opsets", None) or
                             [helper.make_opsetid("", OPSET)], **kw)


def vi(name, shape, dt=F):
    return helper.make_tensor_value_info(name, dt, shape)


def ident(x="x", y="y"):
    return helper.make_node("Identity", [x], [y], name="id")


# (dtype, numpy values) for every ONNX element type 1..16
def samples():
    c64 = np.array([1 + 2j, -3.5 - 0.25j], dtype=np.complex64)
    return [
        (TensorProto.FLOAT, np.array([[1.5, -2, 3], [0, 1e-30, -7]], np.float32)),
        (TensorProto.UINT8, np.array([0, 1, 200, 255], np.uint8)),
        (TensorProto.INT8, np.array([-128, -1, 0, 127], np.int8)),
        (TensorProto.UINT16, np.array([0, 65535, 1234], np.uint16)),
        (TensorProto.INT16, np.array([-32768, -1, 32767], np.int16)),
        (TensorProto.INT32, np.array([-2**31, 5, 2**31 - 1], np.int32)),
        (TensorProto.INT64, np.array([-2**63, 7, 2**63 - 1], np.int64)),
        (TensorProto.STRING, np.array([b"", b"ab\0c", b"\xff\xfe"], object)),
        (TensorProto.BOOL, np.array([True, False, True], bool)),
        (TensorProto.FLOAT16, np.array([1.0, -2.5, 65504], np.float16)),
        (TensorProto.DOUBLE, np.array([1e300, -0.0, 3.25], np.float64)),
        (TensorProto.UINT32, np.array([0, 2**32 - 1, 77], np.uint32)),
        (TensorProto.UINT64, np.array([0, 2**64 - 1, 88], np.uint64)),
        (TensorProto.COMPLEX64, c64),
        (TensorProto.COMPLEX128, c64.astype(np.complex128) * 1e200),
        (TensorProto.BFLOAT16, np.array([0x3f80, 0xc040, 0x7f80], np.uint16)),
    ]


NAMES = {1: "f32", 2: "u8", 3: "i8", 4: "u16", 5: "i16", 6: "i32", 7: "i64",
         8: "str", 9: "bool", 10: "f16", 11: "f64", 12: "u32", 13: "u64",
         14: "c64", 15: "c128", 16: "bf16"}


def typed(name, dt, a):
    """A TensorProto with a in the typed field onnx.proto assigns to dt."""
    t = TensorProto(name=name, data_type=dt, dims=a.shape)
    flat = a.reshape(-1)
    if dt in (TensorProto.FLOAT,):
        t.float_data.extend(flat.tolist())
    elif dt == TensorProto.COMPLEX64:
        t.float_data.extend(flat.view(np.float32).tolist())
    elif dt == TensorProto.COMPLEX128:
        t.double_data.extend(flat.view(np.float64).tolist())
    elif dt == TensorProto.DOUBLE:
        t.double_data.extend(flat.tolist())
    elif dt == TensorProto.INT64:
        t.int64_data.extend(flat.tolist())
    elif dt in (TensorProto.UINT32, TensorProto.UINT64):
        t.uint64_data.extend(int(v) for v in flat)
    elif dt == TensorProto.STRING:
        t.string_data.extend(flat.tolist())
    elif dt == TensorProto.FLOAT16:
        t.int32_data.extend(flat.view(np.uint16).astype(np.int32).tolist())
    else:  # i32, i8, u8, i16, u16, bool, bf16 (bit patterns): one per int32
        t.int32_data.extend(flat.astype(np.int64).astype(np.int32).tolist())
    return t


def raw(name, dt, a):
    return TensorProto(name=name, data_type=dt, dims=a.shape,
                       raw_data=np.ascontiguousarray(a).tobytes())


def alltypes():
    inits = []
    for dt, a in samples():
        n = NAMES[dt]
        inits.append(typed("t_" + n, dt, a))
        if dt != TensorProto.STRING:
            inits.append(raw("r_" + n, dt, a))
    c = helper.make_node("Constant", [], ["k"], name="k",
                         value=typed("kv", TensorProto.INT8,
                                     np.array([-5, 6], np.int8)))
    add = helper.make_node("Add", ["x", "t_f32"], ["y"], name="add")
    return model([c, add], [vi("x", [2, 3])], [vi("y", [2, 3]),
                 vi("k", [2], TensorProto.INT8)], inits)


def attrs():
    sub = helper.make_graph([ident("a", "b")], "sub", [vi("a", [1])],
                            [vi("b", [1])])
    sp = helper.make_sparse_tensor(
        helper.make_tensor("v", F, [2], [1.0, 2.0]),
        helper.make_tensor("i", TensorProto.INT64, [2], [0, 3]), [4])
    tp = helper.make_tensor_type_proto(F, [1, "n"])
    A = helper.make_attribute
    attrs = [
        A("i", 42), A("f", 0.1), A("s", b"a\0b"),
        A("t", helper.make_tensor("tt", F, [2], [1.0, -1.0])),
        A("g", sub), A("sp", sp), A("tp", tp),
        A("ints", [1, -2, 2**40]), A("floats", [1.5, -0.0]),
        A("strs", [b"x", b"", b"\0"]),
        A("ts", [helper.make_tensor("t1", TensorProto.INT64, [1], [9]),
                 helper.make_tensor("t2", TensorProto.STRING, [2],
                                    [b"p", b"q"])]),
        A("gs", [sub, sub]), A("sps", [sp]), A("tps", [tp, tp]),
    ]
    empty_ints = onnx.AttributeProto(name="empty",
                                     type=onnx.AttributeProto.INTS)
    n = helper.make_node("Custom", ["x"], ["y"], name="custom",
                         domain="com.example")
    n.attribute.extend(attrs + [empty_ints])
    fn = helper.make_function("com.example", "Fn", ["a"], ["b"],
                              [ident("a", "b")],
                              [helper.make_opsetid("", OPSET)])
    m = model([n], [vi("x", [1])], [vi("y", [1])],
              opsets=[helper.make_opsetid("ai.onnx", OPSET),
                      helper.make_opsetid("com.example", 1)],
              functions=[fn])
    m.doc_string = "a model\nwith a doc string"
    m.domain = "org.example"
    m.model_version = 3
    m.producer_version = "1.0"
    helper.set_model_props(m, {"author": "sqc", "empty": ""})
    return m


def ext(entries, dims=(2, 3)):
    t = TensorProto(name="a", data_type=F, dims=list(dims),
                    data_location=TensorProto.EXTERNAL)
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    return model([helper.make_node("Add", ["x", "a"], ["y"], name="add")],
                 [vi("x", list(dims))], [vi("y", list(dims))], [t])


def write_weights(out):
    a = np.arange(6, dtype=np.float32) - 2.5
    b = np.array([7, 8], np.float32)
    data = a.tobytes() + b"\xee" * (64 - 24) + b.tobytes()
    with open(os.path.join(os.path.dirname(out) or ".", "weights.bin"),
              "wb") as f:
        f.write(data)


def external():
    m = ext([("location", "weights.bin"), ("offset", "0"),
             ("length", "24")])
    b = TensorProto(name="b", data_type=F, dims=[2],
                    data_location=TensorProto.EXTERNAL)
    for k, v in [("location", "weights.bin"), ("offset", "64")]:
        e = b.external_data.add()
        e.key, e.value = k, v
    m.graph.initializer.append(b)
    m.graph.output.append(vi("b", [2]))
    return m


def unsorted():
    nodes = [
        helper.make_node("Relu", ["t2"], ["y"], name="last"),
        helper.make_node("Dropout", ["t1", ""], ["t2", ""], name="mid"),
        helper.make_node("Add", ["x", "w"], ["t1"], name="first"),
    ]
    w = numpy_helper.from_array(np.ones((1, 3), np.float32), "w")
    x = helper.make_tensor_value_info("x", F, ["batch", None, 3])
    z = onnx.ValueInfoProto(name="z")
    z.type.tensor_type.elem_type = F  # no shape: rank unknown
    return model(nodes, [x, vi("w", [1, 3]), z], [vi("y", ["batch", 2, 3])],
                 [w], value_info=[vi("t1", ["batch", 2, 3])])


def error_model(kind):
    w24 = np.zeros((2, 3), np.float32)
    add = helper.make_node("Add", ["x", "w"], ["y"], name="add")
    if kind == "typed_size":
        t = TensorProto(name="w", data_type=F, dims=[2, 3],
                        float_data=[1, 2, 3, 4, 5])
        return model([add], [vi("x", [2, 3])], [vi("y", [2, 3])], [t])
    if kind == "negdim":
        t = TensorProto(name="w", data_type=F, dims=[2, -1])
        return model([add], [vi("x", [2, 3])], [vi("y", [2, 3])], [t])
    if kind == "rank9":
        t = raw("w", F, np.zeros([1] * 9, np.float32))
        return model([add], [vi("x", [1])], [vi("y", [1])], [t])
    if kind == "bad_dtype":
        t = TensorProto(name="w", data_type=17, dims=[2], raw_data=b"\0\0")
        return model([add], [vi("x", [2])], [vi("y", [2])], [t])
    if kind == "seq_input":
        s = helper.make_tensor_sequence_value_info("s", F, [2])
        n = helper.make_node("SequenceAt", ["s", "i"], ["y"], name="at")
        return model([n], [s, vi("i", [], TensorProto.INT64)],
                     [vi("y", [2])])
    if kind == "twice":
        return model([helper.make_node("Relu", ["x"], ["y"], name="r1"),
                      helper.make_node("Neg", ["x"], ["y"], name="r2")],
                     [vi("x", [2])], [vi("y", [2])])
    if kind == "out_undef":
        return model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                     [vi("x", [2])], [vi("y", [2]), vi("nowhere", [2])])
    if kind == "dup_init":
        return model([add], [vi("x", [2, 3])], [vi("y", [2, 3])],
                     [numpy_helper.from_array(w24, "w"),
                      numpy_helper.from_array(w24, "w")])
    if kind == "no_graph":
        m = onnx.ModelProto(ir_version=8, producer_name="sqc-tests")
        m.opset_import.add().version = OPSET
        return m
    if kind == "bad_attr":
        n = helper.make_node("Constant", [], ["y"], name="c")
        n.attribute.add(name="value", type=onnx.AttributeProto.TENSOR)
        return model([n], [], [vi("y", [2])])
    ext_kinds = {
        "ext_absolute": [("location", "/etc/passwd")],
        "ext_dotdot": [("location", "sub/../../weights.bin")],
        "ext_past_end": [("location", "weights.bin"), ("offset", "1000")],
        "ext_too_long": [("location", "weights.bin"), ("offset", "64"),
                         ("length", "24")],
        "ext_missing": [("location", "nothing.bin")],
        "ext_size": [("location", "weights.bin"), ("length", "20")],
    }
    if kind in ext_kinds:
        return ext(ext_kinds[kind])
    return None


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def deep(levels=20000):
    """ModelProto.graph -> (GraphProto.node -> NodeProto.attribute ->
    AttributeProto.g ->) * levels, built outside-in in linear time."""
    # (field number, wire type 2) tags: Model.graph 7, Graph.node 1,
    # Node.attribute 5, Attribute.g 6; the innermost graph is empty.
    chain = [7] + [1, 5, 6] * levels
    heads = []
    size = 0
    for field in reversed(chain):
        head = varint(field << 3 | 2) + varint(size)
        heads.append(head)
        size += len(head)
    body = b"".join(reversed(heads))
    return varint(1 << 3) + varint(8) + body  # ir_version 8 first


def check(orig_path, new_path):
    a, b = onnx.load(orig_path), onnx.load(new_path)

    def arr(t):
        """The packed little-endian bytes of t (onnx 1.12's numpy_helper
        cannot decode typed complex data)."""
        dt = t.data_type
        if dt == TensorProto.STRING:
            return list(t.string_data)
        if t.HasField("raw_data"):
            return bytes(t.raw_data)
        if dt in (TensorProto.FLOAT, TensorProto.COMPLEX64):
            return np.array(t.float_data, np.float32).tobytes()
        if dt in (TensorProto.DOUBLE, TensorProto.COMPLEX128):
            return np.array(t.double_data, np.float64).tobytes()
        if dt == TensorProto.INT64:
            return np.array(t.int64_data, np.int64).tobytes()
        if dt in (TensorProto.UINT32, TensorProto.UINT64):
            w = np.uint32 if dt == TensorProto.UINT32 else np.uint64
            return np.array(t.uint64_data, np.uint64).astype(w).tobytes()
        v = np.array(t.int32_data, np.int64)
        if dt == TensorProto.BOOL:
            return (v != 0).astype(np.uint8).tobytes()
        if dt in (TensorProto.INT8, TensorProto.UINT8):
            return (v & 0xff).astype(np.uint8).tobytes()
        if dt == TensorProto.INT32:
            return v.astype(np.int32).tobytes()
        return (v & 0xffff).astype(np.uint16).tobytes()

    def fail(msg):
        sys.exit(f"fixture.py check: {msg}")

    ia = {t.name: t for t in a.graph.initializer}
    ib = {t.name: t for t in b.graph.initializer}
    if set(ia) != set(ib):
        fail(f"initializers differ: {sorted(set(ia) ^ set(ib))}")
    for n, t in ia.items():
        if (t.data_type, list(t.dims), arr(t)) != \
                (ib[n].data_type, list(ib[n].dims), arr(ib[n])):
            fail(f"initializer '{n}' differs")
    na = {n.name: n for n in a.graph.node}
    nb = {n.name: n for n in b.graph.node}
    if set(na) != set(nb):
        fail("node names differ")
    for name, n in na.items():
        m = nb[name]
        if [x.name for x in n.attribute] != [x.name for x in m.attribute]:
            fail(f"node '{name}': attribute names or order differ")
        for x, y in zip(n.attribute, m.attribute):
            if x.type != y.type:
                fail(f"node '{name}': attribute '{x.name}' type differs")
            if x.type == onnx.AttributeProto.TENSOR:
                x.t.ClearField("name"), y.t.ClearField("name")
                if arr(x.t) != arr(y.t) or list(x.t.dims) != list(y.t.dims):
                    fail(f"node '{name}': attribute '{x.name}' differs")
            elif x.type != onnx.AttributeProto.TENSORS and \
                    helper.get_attribute_value(x) != helper.get_attribute_value(y):
                fail(f"node '{name}': attribute '{x.name}' differs")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    kind, out = sys.argv[1], sys.argv[2]
    builders = {"alltypes": alltypes, "attrs": attrs, "external": external,
                "unsorted": unsorted}
    if kind.startswith("ext"):
        write_weights(out)
    if kind == "deep":
        data = deep()
    elif kind in builders:
        data = builders[kind]().SerializeToString()
    else:
        m = error_model(kind)
        if m is None:
            sys.exit(f"fixture.py: unknown kind '{kind}'")
        data = m.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()

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
  truncN      SRC cut to its first N bytes (trunc10, trunc100, ...), or
              truncm1: all but its last byte
  flipN       SRC with byte N xor 0xff (a fixed, deterministic corruption)
  dtype99     initializer 'w' has data_type 99 (no such element type)
  strweight   node 'conv' (Conv) reads string initializer 'w' as its weight
  negdim      initializer 'w' has dims [2, -3]
  hugedims    initializer 'w' has dims [2^32, 2^32, 2^32]: the element count
              overflows 64 bits
  hugebytes   initializer 'w' (f64) has dims [2^31, 2^31]: elements fit in
              64 bits but bytes do not
  hugeinput   node 'f' (Flatten, axis 0) of graph input 'x' f32[2^62, 2^62]:
              the flattened dim overflows
  typedsize   initializer 'w' has dims [2, 3] but 5 entries in float_data
  strcount    string initializer 's' has dims [3] but 2 strings
  dupout      nodes 'a' and 'b' both write 't'
  dupinit     initializer 'w' and node 'a' both define 'w'
  dupinput    graph input 'x' is listed twice
  selfloop    node 'a' (Relu) reads its own output
  dangling    graph output 'z' is defined by nothing
  irversion99 a valid Relu model whose header says ir_version 99
  opset99     a valid Relu model importing opset 99 of the default domain
  nodomain    node 'r' (Relu) is in domain 'com.example', not imported
  rank9       graph input 'x' has rank 9
  rank9init   initializer 'w' has rank 9
  arity300    node 'r' (Relu) has 300 inputs
  deepif      node 'if' (If) whose then_branch nests If graphs 200 deep
  extdotdot   initializer 'w' stored externally at '../x.bin' (OUT should be
              DIR/sub/model.onnx; DIR/x.bin is written, so only the path is
              wrong)
  extabs      initializer 'w' stored externally at '/etc/passwd'
  extnested   external location 'a/../../x.bin'
  extoffset   external data at offset 4096 of a 24-byte w.bin
  extlength   external data at offset 8, length 24, of a 24-byte w.bin
  extmissing  external data in 'nothere.bin', which does not exist
  npy*        a .npy file for `sqc run --input x=OUT` on an f32[1,3,4,4]
              input: npymagic (wrong magic), npyversion (9.0), npyhlen
              (header length past the end of the file); the rest are the
              header dicts in NPY below
  pnghuge     a PNG whose IHDR claims 1000000x1000000 pixels (CRC fixed),
              with one row of data
  pngwide     the same with 2000000x1 pixels (beyond libpng's own limit)
  jpgtrunc    the first 100 bytes of a valid 8x8 JPEG
  jpghuge     a valid 8x8 JPEG whose SOF0 header claims 60000x60000 pixels
The ONNX models are otherwise valid opset-13 models built with onnx.helper;
they are serialized without running onnx.checker (which would reject them).
"""
import os
import random
import struct
import sys
import zlib

from onnx import TensorProto, helper

F = TensorProto.FLOAT


def model(nodes, inputs, outputs, inits=(), opset=13, **kw):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, list(inits))
    return helper.make_model(graph, producer_name="sqc-tests",
                             opset_imports=[helper.make_opsetid("", opset)],
                             **kw)


def addw(w, shape=(2, 3)):
    """y = x + w: a model around one initializer"""
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vi("x", list(shape))], [vi("y", list(shape))], [w])


def relu(**kw):
    return model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                 [vi("x", [2])], [vi("y", [2])], **kw)


def extw(out, loc, offset=None, length=None, blob=None):
    """initializer 'w' f32[2,3] stored externally at loc (relative to out)"""
    w = TensorProto(name="w", data_type=F, dims=[2, 3])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", loc), ("offset", offset), ("length", length)):
        if v is not None:
            e = w.external_data.add()
            e.key, e.value = k, str(v)
    if blob is not None:
        path = os.path.join(os.path.dirname(out) or ".", blob)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"\0" * 24)
    return addw(w)


def npy(header, data=b"", magic=b"\x93NUMPY", version=b"\x01\x00",
        hlen=None):
    """a .npy file; header is the dict text, padded as numpy pads it"""
    h = header.encode()
    h += b" " * ((-(len(magic) + 4 + len(h) + 1)) % 64) + b"\n"
    n = len(h) if hlen is None else hlen
    return magic + version + struct.pack("<H", n) + h + data


NPY = {
    # kind: (header dict, data)
    "npymagic": None,
    "npyversion": None,
    "npyhlen": None,
    "npydescr": ("{'descr': '<U5', 'fortran_order': False, "
                 "'shape': (1, 3, 4, 4), }", b""),
    "npybigendian": ("{'descr': '>f4', 'fortran_order': False, "
                     "'shape': (1, 3, 4, 4), }", b"\0" * 192),
    "npyfortran": ("{'descr': '<f4', 'fortran_order': True, "
                   "'shape': (1, 3, 4, 4), }", b"\0" * 192),
    "npynoshape": ("{'descr': '<f4', 'fortran_order': False, }", b""),
    "npyextrakey": ("{'descr': '<f4', 'fortran_order': False, "
                    "'shape': (1, 3, 4, 4), 'x': 1, }", b"\0" * 192),
    "npynegshape": ("{'descr': '<f4', 'fortran_order': False, "
                    "'shape': (1, -3, 4, 4), }", b""),
    "npyhugeshape": ("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (4294967296, 4294967296, 4294967296), }",
                     b""),
    "npyshortdata": ("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (1, 3, 4, 4), }", b"\0" * 100),
    "npysyntax": ("{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (1, 3, 4, 4}", b"\0" * 192),
    "npyshape": ("{'descr': '<f4', 'fortran_order': False, "
                 "'shape': (1, 3, 4, 5), }", b"\0" * 240),
}


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data)))


def jpeg():
    import io
    from PIL import Image
    img = Image.new("RGB", (8, 8))
    img.putdata([(i * 4, 255 - i * 4, 128) for i in range(64)])
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


def build(kind, src, out):
    if kind.startswith("trunc") and kind != "truncated":
        with open(src, "rb") as f:
            data = f.read()
        n = len(data) - 1 if kind == "truncm1" else int(kind[5:])
        return data[:n]
    if kind.startswith("flip"):
        with open(src, "rb") as f:
            data = bytearray(f.read())
        data[int(kind[4:])] ^= 0xff
        return bytes(data)
    if kind in NPY:
        if kind == "npymagic":
            return npy("{}", magic=b"\x93NUMPX")
        if kind == "npyversion":
            return npy("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (1, 3, 4, 4), }", b"\0" * 192,
                       version=b"\x09\x00")
        if kind == "npyhlen":
            return npy("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (1, 3, 4, 4), }", hlen=60000)
        return npy(*NPY[kind])
    if kind in ("pnghuge", "pngwide"):
        w, h = (1000000, 1000000) if kind == "pnghuge" else (2000000, 1)
        ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
                png_chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) +
                png_chunk(b"IEND", b""))
    if kind == "jpgtrunc":
        return jpeg()[:100]
    if kind == "jpghuge":
        data = bytearray(jpeg())
        sof = data.find(b"\xff\xc0")
        data[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
        return bytes(data)
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
    elif kind == "dtype99":
        m = addw(TensorProto(name="w", data_type=99, dims=[2, 3],
                             raw_data=b"\0" * 24))
    elif kind == "strweight":
        w = helper.make_tensor("w", TensorProto.STRING, [1, 1, 1, 1], [b"a"])
        m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
                  [vi("x", [1, 1, 3, 3])], [vi("y", [1, 1, 3, 3])], [w])
    elif kind == "negdim":
        m = addw(TensorProto(name="w", data_type=F, dims=[2, -3]))
    elif kind == "hugedims":
        m = addw(TensorProto(name="w", data_type=F, dims=[2**32] * 3))
    elif kind == "hugebytes":
        m = addw(TensorProto(name="w", data_type=TensorProto.DOUBLE,
                             dims=[2**31, 2**31]))
    elif kind == "hugeinput":
        m = model([helper.make_node("Flatten", ["x"], ["y"], name="f",
                                    axis=0)],
                  [vi("x", [2**62, 2**62])], [vi("y", None)])
    elif kind == "typedsize":
        m = addw(TensorProto(name="w", data_type=F, dims=[2, 3],
                             float_data=[1.0] * 5))
    elif kind == "strcount":
        s = TensorProto(name="s", data_type=TensorProto.STRING, dims=[3],
                        string_data=[b"a", b"b"])
        m = model([helper.make_node("Identity", ["s"], ["y"], name="id")],
                  [], [helper.make_tensor_value_info(
                      "y", TensorProto.STRING, [3])], [s])
    elif kind == "dupout":
        m = model([helper.make_node("Relu", ["x"], ["t"], name="a"),
                   helper.make_node("Neg", ["x"], ["t"], name="b")],
                  [vi("x", [2])], [vi("t", [2])])
    elif kind == "dupinit":
        w = helper.make_tensor("w", F, [2], [1.0, 2.0])
        m = model([helper.make_node("Relu", ["x"], ["w"], name="a"),
                   helper.make_node("Add", ["x", "w"], ["y"], name="b")],
                  [vi("x", [2])], [vi("y", [2])], [w])
    elif kind == "dupinput":
        m = model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", [2]), vi("x", [2])], [vi("y", [2])])
    elif kind == "selfloop":
        m = model([helper.make_node("Add", ["x", "t"], ["t"], name="a")],
                  [vi("x", [2])], [vi("t", [2])])
    elif kind == "dangling":
        m = model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", [2])], [vi("y", [2]), vi("z", [2])])
    elif kind == "irversion99":
        m = relu(ir_version=99)
    elif kind == "opset99":
        m = model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", [2])], [vi("y", [2])], opset=99)
    elif kind == "nodomain":
        m = model([helper.make_node("Relu", ["x"], ["y"], name="r",
                                    domain="com.example")],
                  [vi("x", [2])], [vi("y", [2])])
    elif kind == "rank9":
        m = model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", [1] * 9)], [vi("y", [1] * 9)])
    elif kind == "rank9init":
        m = addw(helper.make_tensor("w", F, [1] * 9, [1.0]), [1] * 9)
    elif kind == "arity300":
        m = model([helper.make_node("Relu", ["x"] * 300, ["y"], name="r")],
                  [vi("x", [2])], [vi("y", [2])])
    elif kind == "deepif":
        leaf = g = helper.make_graph(
            [helper.make_node("Identity", ["c"], ["o"], name="leaf")],
            "leaf", [], [helper.make_tensor_value_info(
                "o", TensorProto.BOOL, [])])
        for _ in range(200):
            g = helper.make_graph(
                [helper.make_node("If", ["c"], ["o"], name="if",
                                  then_branch=g, else_branch=leaf)],
                "g", [], [helper.make_tensor_value_info(
                    "o", TensorProto.BOOL, [])])
        m = model(list(g.node), [helper.make_tensor_value_info(
            "c", TensorProto.BOOL, [])], list(g.output))
    elif kind == "extdotdot":
        m = extw(out, "../x.bin", blob="../x.bin")
    elif kind == "extabs":
        m = extw(out, "/etc/passwd")
    elif kind == "extnested":
        m = extw(out, "a/../../x.bin", blob="../x.bin")
    elif kind == "extoffset":
        m = extw(out, "w.bin", offset=4096, blob="w.bin")
    elif kind == "extlength":
        m = extw(out, "w.bin", offset=8, length=24, blob="w.bin")
    elif kind == "extmissing":
        m = extw(out, "nothere.bin")
    else:
        sys.exit(f"fixture.py: unknown kind '{kind}'")
    return m.SerializeToString()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: fixture.py KIND OUT [SRC]")
    data = build(sys.argv[1], sys.argv[3] if len(sys.argv) == 4 else None,
                 sys.argv[2])
    with open(sys.argv[2], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()

"""qcases.py SQC OUTDIR [--trials N] [--only NAME,...] [--seed S]

The quantized IR's ops (doc/quantization.md section 8) run by `sqc run` on a
hand-written .sqir and by ONNX Runtime on an equivalent ONNX model with the
same parameters (ONNX QLinearConv / QLinearMatMul / QuantizeLinear /
DequantizeLinear, com.microsoft QGemm / QLinearAdd / QLinearMul /
QLinearLeakyRelu / QLinearSigmoid / QLinearAveragePool /
QLinearGlobalAveragePool), compared bit for bit (tests/oracle/compare.py
--bitexact).  The systolic target's conv/matmul/gemm requantization equals
ONNX Runtime's for finite values; its residual add is modelled in ONNX as two
1x1 QLinearMatMul rescales (sat8(rne(f32(a * f32(sa/sy))))) and an exact
QLinearAdd of the rescaled codes (scales 1, zero points 0).

Each case draws its scales, zero points and codes from a seeded generator
(codes cover the whole range, so outputs saturate).  Prints "ok NAME" per
case and trial; exits 1 on the first mismatch, printing what ran.  With
--trials N every case runs N times with fresh parameters (exploration);
--keep-going reports every mismatch count instead of stopping.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument("sqc")
ap.add_argument("out")
ap.add_argument("--trials", type=int, default=1)
ap.add_argument("--only", default="")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--keep-going", action="store_true")
args = ap.parse_args()

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 4))
ORACLE = ["node", os.path.join(TOP, "tests", "oracle", "run.js")]
COMPARE = [sys.executable, os.path.join(TOP, "tests", "oracle", "compare.py")]
NP2ONNX = {np.float32: TensorProto.FLOAT, np.uint8: TensorProto.UINT8,
           np.int8: TensorProto.INT8, np.int32: TensorProto.INT32}
NP2IR = {np.float32: "f32", np.uint8: "u8", np.int8: "i8", np.int32: "i32",
         np.int64: "i64"}
failures = 0


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def f(x):
    """a float32 value as exact text"""
    return "%.9g" % float(np.float32(x))


def irtype(a, q=None):
    t = "%s[%s]" % (NP2IR[a.dtype.type], ",".join(map(str, a.shape)))
    if q is None:
        return t
    s, z = q[0], q[1]
    if np.ndim(s) == 0:
        return t + " q(%s, %d)" % (f(s), int(z))
    axis, s, z = q[2], np.asarray(s), np.asarray(z)
    return t + " q(axis=%d, [%s], [%s])" % (
        axis, ", ".join(f(v) for v in s), ", ".join(str(int(v)) for v in z))


def irconst(name, a, q=None):
    return "const $%s : %s = [%s]\n" % (
        name, irtype(a, q), ", ".join(str(v) for v in a.flatten().tolist()))


class Case:
    """one comparison: ONNX nodes + initializers, and the .sqir text"""

    def __init__(self, name, target):
        self.name, self.target = name, target
        self.nodes, self.inits, self.inputs = [], [], []
        self.consts, self.body = "", ""
        self.ms = False

    def init(self, name, a):
        self.inits.append(numpy_helper.from_array(np.asarray(a), name))
        return name

    def qinit(self, base, s, z, zdt):
        """name_scale and name_zero_point initializers"""
        self.init(base + "_s", np.asarray(s, np.float32))
        self.init(base + "_z", np.asarray(z, zdt))
        return [base + "_s", base + "_z"]

    def node(self, op, ins, outs, ms=False, **attrs):
        if ms:
            self.ms = True
        self.nodes.append(helper.make_node(
            op, ins, outs, domain="com.microsoft" if ms else "", **attrs))

    def input(self, name, a, q=None):
        self.inputs.append((name, a, q))

    def finish(self, out, outdtype, outty, d):
        os.makedirs(d, exist_ok=True)
        vin = [helper.make_tensor_value_info(n, NP2ONNX[a.dtype.type],
                                             a.shape)
               for n, a, _ in self.inputs]
        vout = [helper.make_tensor_value_info(out, outdtype, None)]
        g = helper.make_graph(self.nodes, self.name, vin, vout, self.inits)
        ops = [helper.make_opsetid("", 13)]
        if self.ms:
            ops.append(helper.make_opsetid("com.microsoft", 1))
        m = helper.make_model(g, opset_imports=ops)
        m.ir_version = 7
        onnx.save(m, os.path.join(d, "model.onnx"))
        sig = ", ".join("%%%s: %s" % (n, irtype(a, q))
                        for n, a, q in self.inputs)
        ir = 'module opset "" 13 target "%s"\n%sfunc @main(%s) {\n%s' \
            "  ret %%%s\n}\n" % (self.target, self.consts, sig, self.body, out)
        with open(os.path.join(d, "model.sqir"), "w") as fp:
            fp.write(ir)
        sargs, oargs = [], []
        for n, a, _ in self.inputs:
            np.save(os.path.join(d, n + ".npy"), a)
            with open(os.path.join(d, n + ".pb"), "wb") as fp:
                fp.write(numpy_helper.from_array(a, n).SerializeToString())
            sargs += ["--input", "%s=%s" % (n, os.path.join(d, n + ".npy"))]
            oargs += ["--input", "%s=%s" % (n, os.path.join(d, n + ".pb"))]
        rc, msg = run([args.sqc, "run", os.path.join(d, "model.sqir")] +
                      sargs + ["-o", os.path.join(d, "sqc")])
        if rc == 0:
            rc, msg = run(ORACLE + [os.path.join(d, "model.onnx")] + oargs +
                          ["--out", os.path.join(d, "ort")])
        if rc != 0:
            print("FAILED to run", d)
            print(msg)
            sys.exit(1)
        a = np.load(os.path.join(d, "sqc", "output_0.npy"))
        b = np.fromfile(os.path.join(d, "ort", "out_0.bin"), dtype=a.dtype)
        b = b.reshape(a.shape)
        diff = np.abs(a.astype(np.int64) - b.astype(np.int64))
        return int((diff != 0).sum()), int(diff.max()), a.size


def qdt(rng):
    return np.uint8 if rng.integers(2) else np.int8


def codes(rng, dt, shape):
    i = np.iinfo(dt)
    return rng.integers(i.min, i.max + 1, shape).astype(dt)


def zero(rng, dt, sym=False):
    if sym or dt == np.int8:
        return 0 if sym else int(rng.integers(-20, 21))
    return int(rng.integers(0, 256))


def scale(rng, lo=-9, hi=-2):
    """half the time a power of two, so that ratios of scales are too and
    rounding ties occur"""
    if rng.integers(2):
        return np.float32(2.0 ** int(rng.integers(lo, hi + 1)))
    return np.float32(2.0 ** rng.uniform(lo, hi))


# ---- the cases ----------------------------------------------------------


def c_conv(rng, target):
    per = target == "ort" and rng.integers(2) == 1
    xdt = np.int8 if target == "systolic" else qdt(rng)
    wdt = np.int8 if target == "systolic" or xdt == np.int8 else qdt(rng)
    sym = target == "systolic"
    n, c, h, w = 1, int(rng.integers(1, 9)), int(rng.integers(3, 12)), \
        int(rng.integers(3, 12))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    kh, kw = min(kh, h), min(kw, w)
    group = 1
    r = rng.integers(3)
    if r == 1:
        group = c                       # depthwise
    elif r == 2 and c % 2 == 0:
        group = 2
    m = group * int(rng.integers(1, 4))
    st = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
    pads = [int(rng.integers(0, kh)), int(rng.integers(0, kw)),
            int(rng.integers(0, kh)), int(rng.integers(0, kw))]
    x = codes(rng, xdt, (n, c, h, w))
    wt = codes(rng, wdt, (m, c // group, kh, kw))
    sx, sy = scale(rng), scale(rng, -6, 0)
    zx, zy = zero(rng, xdt, sym), zero(rng, xdt, sym)
    if per:
        sw = np.array([scale(rng) for _ in range(m)], np.float32)
        zw = np.array([zero(rng, wdt, True) for _ in range(m)])
    else:
        sw, zw = scale(rng), zero(rng, wdt, sym)
    bias = rng.integers(-3000, 3000, (m,)).astype(np.int32)
    cs = Case("conv", target)
    cs.input("x", x, (sx, zx))
    cs.init("w", wt)
    cs.init("b", bias)
    cs.node("QLinearConv", ["x"] + cs.qinit("x", sx, zx, xdt) + ["w"] +
            cs.qinit("w", sw, zw if not per else zw.astype(wdt), wdt) +
            cs.qinit("y", sy, zy, xdt) + ["b"], ["y"], group=group,
            kernel_shape=[kh, kw], strides=st, pads=pads)
    cs.consts += irconst("w", wt, (sw, zw, 0) if per else (sw, zw))
    cs.consts += irconst("b", bias)
    oh = (h + pads[0] + pads[2] - kh) // st[0] + 1
    ow = (w + pads[1] + pads[3] - kw) // st[1] + 1
    cs.body = "  %%y: %s[%d,%d,%d,%d] q(%s, %d) = conv @c %%x, $w, $b {group " \
        "= %d, kernel_shape = [%d, %d], strides = [%d, %d], pads = [%s]}\n" % (
            NP2IR[xdt], n, m, oh, ow, f(sy), zy, group, kh, kw, st[0], st[1],
            ", ".join(map(str, pads)))
    return cs, "y", NP2ONNX[xdt], (sy, zy), xdt


def c_matmul(rng, target):
    xdt = np.int8 if target == "systolic" else qdt(rng)
    bdt = np.int8 if target == "systolic" or xdt == np.int8 else qdt(rng)
    sym = target == "systolic"
    mm, k, nn = int(rng.integers(1, 9)), int(rng.integers(1, 40)), \
        int(rng.integers(1, 12))
    per = target == "ort" and rng.integers(2) == 1
    a = codes(rng, xdt, (mm, k))
    b = codes(rng, bdt, (k, nn))
    sa, sy = scale(rng), scale(rng, -6, 0)
    za, zy = zero(rng, xdt, sym), zero(rng, xdt, sym)
    if per:
        sb = np.array([scale(rng) for _ in range(nn)], np.float32)
        zb = np.array([zero(rng, bdt, True) for _ in range(nn)])
    else:
        sb, zb = scale(rng), zero(rng, bdt, sym)
    cs = Case("matmul", target)
    cs.input("a", a, (sa, za))
    cs.init("b", b)
    cs.node("QLinearMatMul", ["a"] + cs.qinit("a", sa, za, xdt) + ["b"] +
            cs.qinit("b", sb, zb if not per else zb.astype(bdt), bdt) +
            cs.qinit("y", sy, zy, xdt), ["y"])
    cs.consts += irconst("b", b, (sb, zb, 1) if per else (sb, zb))
    cs.body = "  %%y: %s[%d,%d] q(%s, %d) = matmul @m %%a, $b\n" % (
        NP2IR[xdt], mm, nn, f(sy), zy)
    return cs, "y", NP2ONNX[xdt], None, xdt


def c_gemm(rng, target):
    xdt = np.int8 if target == "systolic" else qdt(rng)
    bdt = np.int8 if target == "systolic" or xdt == np.int8 else qdt(rng)
    sym = target == "systolic"
    mm, k, nn = int(rng.integers(1, 9)), int(rng.integers(1, 40)), \
        int(rng.integers(1, 12))
    tb = int(rng.integers(2))
    per = target == "ort" and rng.integers(2) == 1
    a = codes(rng, xdt, (mm, k))
    b = codes(rng, bdt, (nn, k) if tb else (k, nn))
    sa, sy = scale(rng), scale(rng, -6, 0)
    za, zy = zero(rng, xdt, sym), zero(rng, xdt, sym)
    if per:
        sb = np.array([scale(rng) for _ in range(nn)], np.float32)
        zb = np.zeros(nn, np.int64)
    else:
        sb, zb = scale(rng), zero(rng, bdt, sym)
    c = rng.integers(-3000, 3000, (nn,) if rng.integers(2) else (mm, nn)) \
        .astype(np.int32)
    cs = Case("gemm", target)
    cs.input("a", a, (sa, za))
    cs.init("b", b)
    cs.init("c", c)
    cs.node("QGemm", ["a"] + cs.qinit("a", sa, za, xdt) + ["b"] +
            cs.qinit("b", sb, zb if not per else zb.astype(bdt), bdt) +
            ["c"] + cs.qinit("y", sy, zy, xdt), ["y"], ms=True, transB=tb)
    cs.consts += irconst("b", b, (sb, zb, 0 if tb else 1) if per else (sb, zb))
    cs.consts += irconst("c", c)
    cs.body = "  %%y: %s[%d,%d] q(%s, %d) = gemm @g %%a, $b, $c " \
        "{transB = %d}\n" % (NP2IR[xdt], mm, nn, f(sy), zy, tb)
    return cs, "y", NP2ONNX[xdt], None, xdt


def c_conv_relu(rng, target):
    """a quantized conv followed by relu (the interpreter must not fuse them
    as float: relu is max(y, zero point))"""
    cs, out, odt, (sy, zy), xdt = c_conv(rng, target)
    ty = cs.body.split("%y: ")[1].split(" = conv")[0]
    cs.node("DequantizeLinear", ["y", "y_s", "y_z"], ["yf"])
    cs.node("Relu", ["yf"], ["yr"])
    cs.node("QuantizeLinear", ["yr", "y_s", "y_z"], ["z"])
    cs.body += "  %%z: %s = relu @r %%y\n" % ty
    cs.name = "conv_relu"
    return cs, "z", odt, (sy, zy), xdt


def shape(rng):
    return (1, int(rng.integers(1, 5)), int(rng.integers(1, 9)),
            int(rng.integers(1, 40)))


def c_add(rng, target):
    dt = np.int8 if target == "systolic" else qdt(rng)
    sym = target == "systolic"
    sh = shape(rng)
    a = codes(rng, dt, sh)
    bscalar = rng.integers(4) == 0
    b = codes(rng, dt, (1,) if bscalar else sh)
    sa, sb, sy = scale(rng, -6, 0), scale(rng, -6, 0), scale(rng, -6, 0)
    za, zb, zy = zero(rng, dt, sym), zero(rng, dt, sym), zero(rng, dt, sym)
    cs = Case("add", target)
    cs.input("a", a, (sa, za))
    if bscalar:
        cs.init("b", b)
        cs.consts += irconst("b", b, (sb, zb))
    else:
        cs.input("b", b, (sb, zb))
    cs.body = "  %%y: %s q(%s, %d) = add @n %%a, %sb\n" % (
        irtype(a), f(sy), zy, "$" if bscalar else "%")
    if target == "ort":
        cs.node("QLinearAdd", ["a"] + cs.qinit("a", sa, za, dt) + ["b"] +
                cs.qinit("b", sb, zb, dt) + cs.qinit("y", sy, zy, dt), ["y"],
                ms=True)
        return cs, "y", NP2ONNX[dt], None, dt
    # systolic resadd: rescale each operand by a 1x1 QLinearMatMul, then add
    # the codes exactly
    one = cs.init("one", np.array([[1]], np.int8))
    cs.init("flat", np.array([-1, 1], np.int64))
    cs.init("shp", np.array(sh, np.int64))
    ones = cs.qinit("u", 1.0, 0, np.int8)
    for v, s in (("a", sa), ("b", sb)):
        cs.node("Reshape", [v, "flat"], [v + "f"])
        cs.node("QLinearMatMul", [v + "f"] + cs.qinit(v + "r", s, 0, np.int8) +
                [one] + ones + cs.qinit(v + "o", sy, 0, np.int8), [v + "p"])
    cs.init("shpb", np.array((1, 1, 1, 1) if bscalar else sh, np.int64))
    cs.node("Reshape", ["ap", "shp"], ["aa"])
    cs.node("Reshape", ["bp", "shpb"], ["bb"])
    cs.node("Expand", ["bb", "shp"], ["bq"])
    cs.node("QLinearAdd", ["aa"] + ones + ["bq"] + ones + ones, ["y"],
            ms=True)
    return cs, "y", NP2ONNX[dt], None, dt


def c_mul(rng, target):
    dt = np.int8 if target == "systolic" else qdt(rng)
    sh = shape(rng)
    a = codes(rng, dt, sh)
    bscalar = rng.integers(4) == 0
    b = codes(rng, dt, (1,) if bscalar else sh)
    sa, sb, sy = scale(rng, -5, 0), scale(rng, -5, 0), scale(rng, -3, 2)
    za, zb, zy = zero(rng, dt), zero(rng, dt), zero(rng, dt)
    cs = Case("mul", target)
    cs.input("a", a, (sa, za))
    if bscalar:
        cs.init("b", b)
        cs.consts += irconst("b", b, (sb, zb))
    else:
        cs.input("b", b, (sb, zb))
    cs.body = "  %%y: %s q(%s, %d) = mul @n %%a, %sb\n" % (
        irtype(a), f(sy), zy, "$" if bscalar else "%")
    cs.node("QLinearMul", ["a"] + cs.qinit("a", sa, za, dt) + ["b"] +
            cs.qinit("b", sb, zb, dt) + cs.qinit("y", sy, zy, dt), ["y"],
            ms=True)
    return cs, "y", NP2ONNX[dt], None, dt


def lutcase(rng, target, op, irop, attrs, irattrs):
    dt = qdt(rng)
    x = np.arange(256).astype(np.uint8).view(dt).reshape(1, 256)
    x = np.concatenate([x, codes(rng, dt, (1, 256))], 1)
    sx, sy = scale(rng, -7, 0), scale(rng, -9, -2)
    zx, zy = zero(rng, dt), zero(rng, dt)
    cs = Case(irop, target)
    cs.input("x", x, (sx, zx))
    cs.node(op, ["x"] + cs.qinit("x", sx, zx, dt) + cs.qinit("y", sy, zy, dt),
            ["y"], ms=True, **attrs)
    cs.body = "  %%y: %s q(%s, %d) = %s @n %%x%s\n" % (
        irtype(x), f(sy), zy, irop, irattrs)
    return cs, "y", NP2ONNX[dt], None, dt


def c_leaky_relu(rng, target):
    alpha = float(np.float32(rng.uniform(0.01, 0.5)))
    if rng.integers(2):
        alpha = [0.5, 0.25, 0.125, 0.375][int(rng.integers(4))]
    return lutcase(rng, target, "QLinearLeakyRelu", "leaky_relu",
                   {"alpha": alpha}, " {alpha = %s}" % f(alpha))


def c_sigmoid(rng, target):
    return lutcase(rng, target, "QLinearSigmoid", "sigmoid", {}, "")


def c_relu_clip(rng, target, clip):
    dt = np.int8 if target == "systolic" else qdt(rng)
    sh = shape(rng)
    x = codes(rng, dt, sh)
    s, z = scale(rng), zero(rng, dt, target == "systolic")
    cs = Case("clip" if clip else "relu", target)
    cs.input("x", x, (s, z))
    q = cs.qinit("x", s, z, dt)
    cs.node("DequantizeLinear", ["x"] + q, ["xf"])
    if clip:
        i = np.iinfo(dt)
        lo, hi = sorted(int(v) for v in rng.integers(i.min, i.max + 1, 2))
        cs.init("lo", np.float32((lo - z) * s))
        cs.init("hi", np.float32((hi - z) * s))
        cs.node("Clip", ["xf", "lo", "hi"], ["yf"])
        cs.consts += irconst("lo", np.array(lo, dt), (s, z))
        cs.consts += irconst("hi", np.array(hi, dt), (s, z))
        cs.body = "  %%y: %s q(%s, %d) = clip @n %%x, $lo, $hi\n" % (
            irtype(x), f(s), z)
    else:
        cs.node("Relu", ["xf"], ["yf"])
        cs.body = "  %%y: %s q(%s, %d) = relu @n %%x\n" % (irtype(x), f(s), z)
    cs.node("QuantizeLinear", ["yf"] + q, ["y"])
    return cs, "y", NP2ONNX[dt], None, dt


def c_relu(rng, target):
    return c_relu_clip(rng, target, False)


def c_clip(rng, target):
    return c_relu_clip(rng, target, True)


def c_avgpool(rng, target):
    dt = qdt(rng)
    nsp = int(rng.integers(1, 3))
    sp = [int(rng.integers(2, 12)) for _ in range(nsp)]
    x = codes(rng, dt, [1, int(rng.integers(1, 5))] + sp)
    glob = rng.integers(4) == 0
    k = sp if glob else [int(rng.integers(1, d + 1)) for d in sp]
    st = [1] * nsp if glob else [int(rng.integers(1, 3)) for _ in sp]
    pads = [0] * (2 * nsp) if glob else \
        [int(rng.integers(0, kk)) for kk in k + k]
    cip = int(rng.integers(2))
    sx, sy = scale(rng), scale(rng)
    zx, zy = zero(rng, dt), zero(rng, dt)
    out = [(d + pads[j] + pads[nsp + j] - k[j]) // st[j] + 1
           for j, d in enumerate(sp)]
    cs = Case("avgpool", target)
    cs.input("x", x, (sx, zx))
    cs.node("QLinearAveragePool", ["x"] + cs.qinit("x", sx, zx, dt) +
            cs.qinit("y", sy, zy, dt), ["y"], ms=True, kernel_shape=k,
            strides=st, pads=pads, count_include_pad=cip)
    cs.body = "  %%y: %s[%s] q(%s, %d) = average_pool @n %%x {kernel_shape " \
        "= [%s], strides = [%s], pads = [%s], count_include_pad = %d}\n" % (
            NP2IR[dt], ",".join(map(str, list(x.shape[:2]) + out)), f(sy), zy,
            ", ".join(map(str, k)), ", ".join(map(str, st)),
            ", ".join(map(str, pads)), cip)
    return cs, "y", NP2ONNX[dt], None, dt


def c_gavgpool(rng, target):
    dt = qdt(rng)
    x = codes(rng, dt, (int(rng.integers(1, 3)), int(rng.integers(1, 20)),
                        int(rng.integers(1, 15)), int(rng.integers(1, 15))))
    sx, sy = scale(rng), scale(rng)
    zx, zy = zero(rng, dt), zero(rng, dt)
    cs = Case("gavgpool", target)
    cs.input("x", x, (sx, zx))
    cs.node("QLinearGlobalAveragePool", ["x"] + cs.qinit("x", sx, zx, dt) +
            cs.qinit("y", sy, zy, dt), ["y"], ms=True, channels_last=0)
    cs.body = "  %%y: %s[%d,%d,1,1] q(%s, %d) = global_average_pool @n " \
        "%%x\n" % (NP2IR[dt], x.shape[0], x.shape[1], f(sy), zy)
    return cs, "y", NP2ONNX[dt], None, dt


def c_quantize(rng, target):
    dt = np.int8 if target == "systolic" else qdt(rng)
    sh = shape(rng)
    x = (rng.standard_normal(sh) * 2.0 ** rng.uniform(-3, 6)).astype(
        np.float32)
    x.flat[:4] = [np.inf, -np.inf, 0.0, -0.0]
    s, z = scale(rng), zero(rng, dt, target == "systolic")
    cs = Case("quantize", target)
    cs.input("x", x)
    cs.node("QuantizeLinear", ["x"] + cs.qinit("x", s, z, dt), ["y"])
    cs.body = "  %%y: %s q(%s, %d) = quantize @n %%x\n" % (
        irtype(np.zeros(sh, dt)), f(s), z)
    return cs, "y", NP2ONNX[dt], None, dt


def c_requantize(rng, target):
    dt = qdt(rng)
    sh = shape(rng)
    x = codes(rng, dt, sh)
    s1, s2 = scale(rng), scale(rng)
    z1, z2 = zero(rng, dt), zero(rng, dt)
    cs = Case("requantize", target)
    cs.input("x", x, (s1, z1))
    cs.node("DequantizeLinear", ["x"] + cs.qinit("x", s1, z1, dt), ["xf"])
    cs.node("QuantizeLinear", ["xf"] + cs.qinit("y", s2, z2, dt), ["y"])
    cs.body = "  %%y: %s q(%s, %d) = requantize @n %%x\n" % (
        irtype(x), f(s2), z2)
    return cs, "y", NP2ONNX[dt], None, dt


def c_dequantize(rng, target):
    dt = qdt(rng)
    sh = shape(rng)
    x = codes(rng, dt, sh)
    s, z = scale(rng), zero(rng, dt)
    cs = Case("dequantize", target)
    cs.input("x", x, (s, z))
    cs.node("DequantizeLinear", ["x"] + cs.qinit("x", s, z, dt), ["y"])
    cs.body = "  %%y: %s = dequantize @n %%x\n" % irtype(
        x.astype(np.float32))
    return cs, "y", TensorProto.FLOAT, None, np.float32


def c_passthrough(rng, target):
    """max_pool, transpose, reshape, concat on codes"""
    dt = np.int8 if target == "systolic" else qdt(rng)
    x = codes(rng, dt, (1, 3, 6, 8))
    s, z = scale(rng), zero(rng, dt, target == "systolic")
    q = "q(%s, %d)" % (f(s), z)
    ir = NP2IR[dt]
    cs = Case("passthrough", target)
    cs.input("x", x, (s, z))
    cs.init("shp", np.array([1, 3, 6, 2], np.int64))
    cs.node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2],
            pads=[1, 0, 0, 1])
    cs.node("Transpose", ["p"], ["t"], perm=[0, 1, 3, 2])
    cs.node("Reshape", ["t", "shp"], ["r"])
    cs.node("Concat", ["r", "r"], ["y"], axis=1)
    cs.consts += "const $shp : i64[4] = [1, 3, 6, 2]\n"
    cs.body = (
        "  %%p: %s[1,3,3,4] %s = max_pool @a %%x {kernel_shape = [2, 2], "
        "strides = [2, 2], pads = [1, 0, 0, 1]}\n"
        "  %%t: %s[1,3,4,3] %s = transpose @b %%p {perm = [0, 1, 3, 2]}\n"
        "  %%r: %s[1,3,6,2] %s = reshape @c %%t, $shp\n"
        "  %%y: %s[1,6,6,2] %s = concat @d %%r, %%r {axis = 1}\n") % (
            ir, q, ir, q, ir, q, ir, q)
    return cs, "y", NP2ONNX[dt], None, dt


def c_passthrough2(rng, target):
    """slice, gather, resize (nearest), flatten, unsqueeze, squeeze on
    codes"""
    dt = np.int8 if target == "systolic" else qdt(rng)
    x = codes(rng, dt, (1, 4, 6, 8))
    s, z = scale(rng), zero(rng, dt, target == "systolic")
    q = "q(%s, %d)" % (f(s), z)
    ir = NP2IR[dt]
    cs = Case("passthrough2", target)
    cs.input("x", x, (s, z))
    for name, v in (("st", [1, 0]), ("en", [4, 8]), ("ax", [1, 3]),
                    ("sp", [1, 2]), ("ix", [2, 0]), ("a0", [0])):
        cs.init(name, np.array(v, np.int64))
        cs.consts += irconst(name, np.array(v, np.int64))
    cs.init("sc", np.array([1, 1, 2, 1.5], np.float32))
    cs.consts += "const $sc : f32[4] = [1, 1, 2, 1.5]\n"
    cs.node("Slice", ["x", "st", "en", "ax", "sp"], ["a"])
    cs.node("Gather", ["a", "ix"], ["b"], axis=1)
    cs.node("Resize", ["b", "", "sc"], ["c"], mode="nearest")
    cs.node("Flatten", ["c"], ["d"], axis=2)
    cs.node("Unsqueeze", ["d", "a0"], ["e"])
    cs.node("Squeeze", ["e", "a0"], ["y"])
    cs.body = (
        "  %%a: %s[1,3,6,4] %s = slice @a %%x, $st, $en, $ax, $sp\n"
        "  %%b: %s[1,2,6,4] %s = gather @b %%a, $ix {axis = 1}\n"
        "  %%c: %s[1,2,12,6] %s = resize @c %%b, _, $sc {mode = \"nearest\"}\n"
        "  %%d: %s[2,72] %s = flatten @d %%c {axis = 2}\n"
        "  %%e: %s[1,2,72] %s = unsqueeze @e %%d, $a0\n"
        "  %%y: %s[2,72] %s = squeeze @f %%e, $a0\n") % (
            (ir, q) * 6)
    return cs, "y", NP2ONNX[dt], None, dt


# ---- directed cases: parameters where a different float operation order
# (fused or not, which product first) or rounding (half to even or away)
# changes some output, found by search; each runs once over every code.

HX = float.fromhex
ADD_PARAMS = [  # sa, sb, sy, za, zb, zy, b (None: every (a, b) pair)
    # fixed part: fma(rA, za, rB*zb), not fma(rB, zb, rA*za)
    ("0x1.64f648p-1", "0x1.cc669p-3", "0x1.3292bap-5", 74, 236, 41, None),
    # ... and not f32(rA*za) + f32(rB*zb)
    ("0x1.c54bacp-2", "0x1.eeeaf4p-1", "0x1.72aeecp-4", 199, 91, 164, None),
    # y = fma(a, rA, fma(b, rB, fixed)), not unfused
    ("0x1.efc90ap-3", "0x1.5e31ccp+0", "0x1.932b3ep-5", 58, 233, 147, None),
    # scalar b: fixed' = fma(b, rB, fixed)
    ("0x1.e44eep-5", "0x1.84ae28p-2", "0x1.d39036p-4", 229, 231, 219, 184),
]
MUL_PARAMS = [  # f32(f32(p * r) + zy), r = f32(f32(sa*sb)/sy): not fused,
    # not sa * f32(sb/sy)
    ("0x1.845878p-4", "0x1.6328p-3", "0x1.9c2e48p-1", 13, 104, 231, None),
    ("0x1.e7a608p-5", "0x1.4e8c7p-4", "0x1.a7561ep+0", 109, 41, 115, None),
]
SIG_PARAMS = [  # MLAS logistic with fused multiply-adds (sx, zx, sy, zy)
    ("0x1.207d26p-2", 113, "0x1.dc69a8p-8", 4),
    ("0x1.5e1c8ap-6", 236, "0x1.2b8ecep-10", 143),
    ("0x1.72cep-4", 130, "0x1.a711fcp-9", 202),
]


def d_binary(rng, target, op, irop, prm):
    sa, sb, sy = (np.float32(HX(v)) for v in prm[:3])
    za, zb, zy, bv = prm[3:]
    if bv is None:
        a = np.repeat(np.arange(256), 256).astype(np.uint8).reshape(1, -1)
        b = np.tile(np.arange(256), 256).astype(np.uint8).reshape(1, -1)
    else:
        a = np.arange(256).astype(np.uint8).reshape(1, -1)
        b = np.array([bv], np.uint8)
    cs = Case(irop, target)
    cs.input("a", a, (sa, za))
    if bv is None:
        cs.input("b", b, (sb, zb))
    else:
        cs.init("b", b)
        cs.consts += irconst("b", b, (sb, zb))
    cs.body = "  %%y: %s q(%s, %d) = %s @n %%a, %sb\n" % (
        irtype(a), f(sy), zy, irop, "%" if bv is None else "$")
    cs.node(op, ["a"] + cs.qinit("a", sa, za, np.uint8) + ["b"] +
            cs.qinit("b", sb, zb, np.uint8) + cs.qinit("y", sy, zy, np.uint8),
            ["y"], ms=True)
    return cs, "y", TensorProto.UINT8, None, np.uint8


def d_sigmoid(rng, target, prm):
    sx, zx, sy, zy = np.float32(HX(prm[0])), prm[1], np.float32(HX(prm[2])), \
        prm[3]
    x = np.arange(256).astype(np.uint8).reshape(1, 256)
    cs = Case("sigmoid", target)
    cs.input("x", x, (sx, zx))
    cs.node("QLinearSigmoid", ["x"] + cs.qinit("x", sx, zx, np.uint8) +
            cs.qinit("y", sy, zy, np.uint8), ["y"], ms=True)
    cs.body = "  %%y: %s q(%s, %d) = sigmoid @n %%x\n" % (irtype(x), f(sy), zy)
    return cs, "y", TensorProto.UINT8, None, np.uint8


def d_pool_ties(rng, target, glob, dt):
    """sx = sy and two taps: every odd sum is a tie (half to even)"""
    x = codes(rng, dt, (1, 64, 1, 2 if glob else 8))
    cs = Case("pool_ties", target)
    cs.input("x", x, (0.5, 0))
    q = cs.qinit("x", 0.5, 0, dt)
    if glob:
        cs.node("QLinearGlobalAveragePool", ["x"] + q + q, ["y"], ms=True,
                channels_last=0)
        cs.body = "  %%y: %s[1,64,1,1] q(0.5, 0) = global_average_pool " \
            "@n %%x\n" % NP2IR[dt]
    else:
        cs.node("QLinearAveragePool", ["x"] + q + q, ["y"], ms=True,
                kernel_shape=[1, 2])
        cs.body = "  %%y: %s[1,64,1,7] q(0.5, 0) = average_pool @n %%x " \
            "{kernel_shape = [1, 2]}\n" % NP2IR[dt]
    return cs, "y", NP2ONNX[dt], None, dt


DIRECTED = [("add_fused_%d" % k, lambda r, t, p=p: d_binary(
    r, t, "QLinearAdd", "add", p)) for k, p in enumerate(ADD_PARAMS)]
DIRECTED += [("mul_order_%d" % k, lambda r, t, p=p: d_binary(
    r, t, "QLinearMul", "mul", p)) for k, p in enumerate(MUL_PARAMS)]
DIRECTED += [("sigmoid_fma_%d" % k, lambda r, t, p=p: d_sigmoid(r, t, p))
             for k, p in enumerate(SIG_PARAMS)]
DIRECTED += [("gavgpool_ties_u8", lambda r, t: d_pool_ties(r, t, 1, np.uint8)),
             ("gavgpool_ties_i8", lambda r, t: d_pool_ties(r, t, 1, np.int8)),
             ("avgpool_ties_u8", lambda r, t: d_pool_ties(r, t, 0, np.uint8)),
             ("avgpool_ties_i8", lambda r, t: d_pool_ties(r, t, 0, np.int8))]

CASES = [("conv", c_conv, ["ort", "systolic"]),
         ("conv_relu", c_conv_relu, ["ort", "systolic"]),
         ("matmul", c_matmul, ["ort", "systolic"]),
         ("gemm", c_gemm, ["ort", "systolic"]),
         ("add", c_add, ["ort", "systolic"]),
         ("mul", c_mul, ["ort", "systolic"]),
         ("relu", c_relu, ["ort", "systolic"]),
         ("clip", c_clip, ["ort", "systolic"]),
         ("leaky_relu", c_leaky_relu, ["ort"]),
         ("sigmoid", c_sigmoid, ["ort"]),
         ("avgpool", c_avgpool, ["ort"]),
         ("gavgpool", c_gavgpool, ["ort"]),
         ("quantize", c_quantize, ["ort", "systolic"]),
         ("dequantize", c_dequantize, ["ort"]),
         ("requantize", c_requantize, ["ort"]),
         ("passthrough", c_passthrough, ["ort", "systolic"]),
         ("passthrough2", c_passthrough2, ["ort", "systolic"])]
CASES += [(name, fn, ["ort"]) for name, fn in DIRECTED]

only = set(args.only.split(",")) if args.only else None
for name, fn, targets in CASES:
    if only and name not in only:
        continue
    for target in targets:
        bad = tot = worst = 0
        for t in range(1 if (name, fn) in DIRECTED else args.trials):
            rng = np.random.default_rng([args.seed, t, len(name),
                                         ord(name[0]), len(target)])
            cs, out, odt, _, _ = fn(rng, target)
            d = os.path.join(args.out, "%s_%s_%d" % (name, target, t))
            nbad, mx, n = cs.finish(out, odt, None, d)
            bad += nbad
            tot += n
            worst = max(worst, mx)
            if nbad and not args.keep_going:
                print("MISMATCH %s %s trial %d: %d of %d codes differ (max "
                      "%d); see %s" % (name, target, t, nbad, n, mx, d))
                sys.exit(1)
        if bad:
            failures += 1
            print("MISMATCH %s %s: %d of %d differ, max %d" % (
                name, target, bad, tot, worst))
        else:
            print("ok %s %s (%d values)" % (name, target, tot))
sys.exit(1 if failures else 0)

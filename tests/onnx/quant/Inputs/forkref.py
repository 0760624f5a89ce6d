#!/usr/bin/python3
"""forkref.py MODEL --input NAME=X.npy [...] -o DIR — run an ONNX model the
way the Systolic fork of ONNX Runtime (ucb-bar/onnxruntime-riscv, CPU mode)
computes it, with NumPy, and write DIR/output_K.npy (tests/oracle/compare.py
reads them).

An independent reading of ../shared/reference/seed-quantizer.md, not of
sqc's code: it interprets exactly the ops sqc's --target=systolic output
uses, and refuses any other op.

  QuantizeLinear      sat(rne(f32(x / scale)) + zp)                   (§5.9)
  DequantizeLinear    f32(x - zp) * scale                             (§5.9)
  QLinearConv         NCHW, W [M, C/g, kH, kW]                        (§5.4)
  QLinearConv_nhwc    NHWC, W HWIO [kH, kW, C/g, M]                   (§5.5)
      acc = bias[oc] + sum x*w in int32 (padding contributes 0, the zero
      point), M = f32(f32(xs*ws)/ys), y = sat8(rne(f32(f32(acc) * M))),
      relu: y = max(y, 0) after saturation (§5.3).  maxpool = 1: on
      Path 1 (the Gemmini conv: group 1, square input, pre-pool output and
      kernel, dilations 1, four equal pads, equal strides, square pool
      kernel, equal pool strides, pool_pads[0] == pool_pads[1]) the pool's
      output dim is (out + 2*pool_pad - pool_size)/pool_stride + 1 and
      window cells in the pool padding count as 0; otherwise (Path 2)
      RunMaxPool2D: max over in-bounds cells only.
  QLinearMatMul       §5.6: acc = sum a*b, the same requantization, no relu
  QLinearAdd          com.microsoft, the fork's SystolicAdd (§5.7):
      a' = sat8(rne(f32(a) * f32(as/ys))), b' likewise,
      y = clamp(a' + b', relu ? 0 : -128, 127); equal shapes only
  QLinearRelu         max(x, 0), same scale (§5.1)
  MaxPool             ONNX MaxPool, padding ignored (§5.9)
  Transpose, Reshape, Concat, Flatten, Clip   ONNX definitions
  GlobalAveragePool   float32: a sequential float32 sum over H*W per
                      channel, divided by f32(H*W).  ONNX does not fix the
                      summation order; --gap=exact sums exactly, --gap=sum8
                      in the order of sqc's interpreter (for a model whose
                      output is this float op, so that the rest can still
                      be checked bit for bit)
  Gemm, Add, Relu     float32 (ONNX definitions)

Every int8 kernel checks the fork's preconditions (§5.2): zero points 0,
scalar scales, a 1-D bias of M elements; a violation is an error, as it is
in the fork.  Rounding is exact round half to even (np.rint on the float32
product), which is what sqc's systolic target computes by default
(doc/systolic.md section 3); the Gemmini C macro's rare off-by-one is not
modelled.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

F32 = np.float32


class ForkError(Exception):
    pass


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def scalar(t, what):
    a = np.asarray(t)
    if a.size != 1:
        raise ForkError(f"{what}: Systolic needs a scalar ({a.shape})")
    return a.reshape(())


def zero(t, what):
    if scalar(t, what) != 0:
        raise ForkError(f"Systolic can only handle zero offset for {what}")


def sat8(v):
    return np.clip(v, -128, 127).astype(np.int8)


def requant(acc, xs, ws, ys):
    """§5.3: acc int32 -> int8 with M = f32(f32(xs*ws)/ys)"""
    m = F32(F32(F32(xs) * F32(ws)) / F32(ys))
    t = acc.astype(F32) * m
    assert t.dtype == F32
    return sat8(np.rint(t))


def wrap32(a):
    """an int64 sum as the int32 it is in C (two's complement wraparound)"""
    return ((a.astype(np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)


# --- convolution ----------------------------------------------------------

def conv_nhwc_acc(x, w, b, group, strides, pads, dil):
    """x int8 [N,H,W,C], w HWIO [KH,KW,C/g,M] -> int32 [N,OH,OW,M].  The
    products are summed exactly (float64 holds these sums exactly:
    |x*w| <= 2^14, K < 2^20)."""
    n, h, wd, c = x.shape
    kh, kw, cg, m = w.shape
    if c != cg * group or m % group:
        raise ForkError(f"conv: C={c}, weight {w.shape}, group {group}")
    pt, pl, pb, pr = pads
    xp = np.zeros((n, h + pt + pb, wd + pl + pr, c), np.float64)
    xp[:, pt:pt + h, pl:pl + wd, :] = x
    ekh, ekw = dil[0] * (kh - 1) + 1, dil[1] * (kw - 1) + 1
    oh = (h + pt + pb - ekh) // strides[0] + 1
    ow = (wd + pl + pr - ekw) // strides[1] + 1
    mg = m // group
    acc = np.zeros((n, oh, ow, m), np.int64)
    for g in range(group):
        cols = np.empty((n, oh, ow, kh, kw, cg), np.float64)
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dil[0], j * dil[1]
                cols[:, :, :, i, j, :] = xp[:,
                    r0:r0 + strides[0] * (oh - 1) + 1:strides[0],
                    c0:c0 + strides[1] * (ow - 1) + 1:strides[1],
                    g * cg:(g + 1) * cg]
        wm = w[:, :, :, g * mg:(g + 1) * mg].astype(np.float64)
        acc[..., g * mg:(g + 1) * mg] = np.rint(
            cols.reshape(n * oh * ow, kh * kw * cg) @
            wm.reshape(kh * kw * cg, mg)).astype(np.int64).reshape(
                n, oh, ow, mg)
    if b is not None:
        acc += b.astype(np.int64)
    return wrap32(acc)


def maxpool_nhwc(y, k, s, pads, pad_value):
    """max over windows of y [N,H,W,C]; pads [t,l,b,r] filled with
    pad_value (None: ignored, i.e. the dtype's minimum, as RunMaxPool2D's
    -128 start value)"""
    n, h, w, c = y.shape
    fill = np.iinfo(y.dtype).min if pad_value is None else pad_value
    yp = np.full((n, h + pads[0] + pads[2], w + pads[1] + pads[3], c), fill,
                 y.dtype)
    yp[:, pads[0]:pads[0] + h, pads[1]:pads[1] + w, :] = y
    oh = (h + pads[0] + pads[2] - k[0]) // s[0] + 1
    ow = (w + pads[1] + pads[3] - k[1]) // s[1] + 1
    out = np.full((n, oh, ow, c), np.iinfo(y.dtype).min, y.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out = np.maximum(out, yp[:, i:i + s[0] * (oh - 1) + 1:s[0],
                                     j:j + s[1] * (ow - 1) + 1:s[1], :])
    return out


def qlinearconv_nhwc(x, xs, xz, w, ws, wz, ys, yz, b, at):
    for z, what in ((xz, "x"), (wz, "w"), (yz, "y")):
        zero(z, what)
    xs, ws, ys = (scalar(v, "scale") for v in (xs, ws, ys))
    if x.dtype != np.int8 or w.dtype != np.int8:
        raise ForkError("QLinearConv_nhwc: int8 only")
    if x.ndim != 4 or w.ndim != 4:
        raise ForkError("QLinearConv_nhwc: 2-D kernels only")
    kh, kw, _, m = w.shape
    if b is not None and (b.ndim != 1 or b.shape[0] != m):
        raise ForkError("the bias must be 1-D with M elements")
    if at.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ForkError("auto_pad is not modelled")
    ks = list(at.get("kernel_shape", [kh, kw]))
    if ks != [kh, kw]:
        raise ForkError(f"kernel_shape {ks} != HWIO weight {w.shape}")
    group = at.get("group", 1)
    strides = list(at.get("strides", [1, 1]))
    pads = list(at.get("pads", [0, 0, 0, 0]))
    dil = list(at.get("dilations", [1, 1]))
    relu = at.get("relu", 0)
    acc = conv_nhwc_acc(x, w, b, group, strides, pads, dil)
    y = requant(acc, xs, ws, ys)
    if relu:
        y = np.maximum(y, 0).astype(np.int8)
    if not at.get("maxpool", 0):
        return y
    pk = list(at["pool_kernel_shape"])
    ps = list(at.get("pool_strides", [1, 1]))
    pp = list(at.get("pool_pads", [0, 0, 0, 0]))
    for name, dflt in (("pool_auto_pad", None), ("pool_ceil_mode", 0),
                       ("pool_storage_order", 0)):
        if name in at and at[name] not in (dflt, b"NOTSET", "NOTSET"):
            raise ForkError(f"{name} is rejected by PoolAttributes")
    if list(at.get("pool_dilations", [1, 1])) != [1, 1]:
        raise ForkError("pool dilations must be 1")
    if pp[0] != pp[2] or pp[1] != pp[3]:
        raise ForkError("pool pads must be symmetric")
    path1 = (group == 1 and x.shape[1] == x.shape[2] and
             y.shape[1] == y.shape[2] and kh == kw and dil == [1, 1] and
             len(set(pads)) == 1 and strides[0] == strides[1] and
             pk[0] == pk[1] and ps[0] == ps[1] and pp[0] == pp[1])
    if path1:
        # Gemmini conv_cpu: pool dim (out + 2p - k)/s + 1, padding = 0
        return maxpool_nhwc(y, pk, ps, [pp[0]] * 4, 0)
    return maxpool_nhwc(y, pk, ps, pp, None)


def qlinearconv(x, xs, xz, w, ws, wz, ys, yz, b, at):
    """§5.4: NCHW; the same arithmetic, no fused pool"""
    if at.get("maxpool", 0):
        raise ForkError("fused maxpool is not supported in NCHW")
    y = qlinearconv_nhwc(x.transpose(0, 2, 3, 1), xs, xz,
                         w.transpose(2, 3, 1, 0), ws, wz, ys, yz, b, at)
    return y.transpose(0, 3, 1, 2)


# --- other quantized ops --------------------------------------------------

def qlinearmatmul(a, as_, az, b, bs, bz, ys, yz):
    for z, what in ((az, "a"), (bz, "b"), (yz, "y")):
        zero(z, what)
    acc = np.rint(np.matmul(a.astype(np.float64), b.astype(np.float64)))
    return requant(wrap32(acc.astype(np.int64)), scalar(as_, "scale"),
                   scalar(bs, "scale"), scalar(ys, "scale"))


def qlinearadd(a, as_, az, b, bs, bz, ys, yz, at):
    for z, what in ((az, "A"), (bz, "B"), (yz, "C")):
        zero(z, what)
    if a.shape != b.shape:
        raise ForkError(f"QLinearAdd: shapes {a.shape} and {b.shape} "
                        "(only span-vs-span is implemented)")
    ys = F32(scalar(ys, "scale"))
    sa = F32(F32(scalar(as_, "scale")) / ys)
    sb = F32(F32(scalar(bs, "scale")) / ys)
    a2 = sat8(np.rint(a.astype(F32) * sa)).astype(np.int32)
    b2 = sat8(np.rint(b.astype(F32) * sb)).astype(np.int32)
    lo = 0 if at.get("relu", 0) else -128
    return np.clip(a2 + b2, lo, 127).astype(np.int8)


def quantizelinear(x, s, z, at):
    z = np.zeros((), np.uint8) if z is None else z
    shape = [1] * x.ndim
    if np.asarray(s).size > 1:
        shape[at.get("axis", 1) % x.ndim] = -1
    s = np.asarray(s, F32).reshape(shape if np.asarray(s).size > 1 else ())
    zz = np.asarray(z).astype(np.int32).reshape(
        shape if np.asarray(z).size > 1 else ())
    q = np.rint(x.astype(F32) / s).astype(np.float64) + zz
    info = np.iinfo(np.asarray(z).dtype)
    return np.clip(q, info.min, info.max).astype(np.asarray(z).dtype)


def dequantizelinear(x, s, z, at):
    z = np.zeros((), x.dtype) if z is None else z
    shape = [1] * x.ndim
    if np.asarray(s).size > 1:
        shape[at.get("axis", 1) % x.ndim] = -1
    s = np.asarray(s, F32).reshape(shape if np.asarray(s).size > 1 else ())
    zz = np.asarray(z).astype(np.int32).reshape(
        shape if np.asarray(z).size > 1 else ())
    return (x.astype(np.int32) - zz).astype(F32) * s


# --- plain ONNX ops ---------------------------------------------------------

def maxpool(x, at):
    nsp = x.ndim - 2
    if nsp != 2:
        raise ForkError("MaxPool: 2-D only here")
    if at.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ForkError("auto_pad is not modelled")
    if at.get("storage_order", 0) or list(at.get("dilations", [1, 1])) != [1, 1]:
        raise ForkError("MaxPool: storage_order/dilations not modelled")
    k = list(at["kernel_shape"])
    s = list(at.get("strides", [1, 1]))
    p = list(at.get("pads", [0, 0, 0, 0]))
    h, w = x.shape[2], x.shape[3]
    if at.get("ceil_mode", 0):
        # ONNX: ceil; a last window that starts in the end padding goes
        out = []
        for d, n in enumerate((h, w)):
            o = -(-(n + p[d] + p[d + 2] - k[d]) // s[d]) + 1
            if (o - 1) * s[d] >= n + p[d]:
                o -= 1
            out.append(o)
        # pad the end far enough; extra cells are ignored (min value)
        p = [p[0], p[1], max(p[2], (out[0] - 1) * s[0] + k[0] - h - p[0]),
             max(p[3], (out[1] - 1) * s[1] + k[1] - w - p[1])]
    xn = x.transpose(0, 2, 3, 1)
    if x.dtype == F32:
        xp = np.full((xn.shape[0], h + p[0] + p[2], w + p[1] + p[3],
                      xn.shape[3]), -np.inf, F32)
        xp[:, p[0]:p[0] + h, p[1]:p[1] + w, :] = xn
        oh = (h + p[0] + p[2] - k[0]) // s[0] + 1
        ow = (w + p[1] + p[3] - k[1]) // s[1] + 1
        y = np.full((xn.shape[0], oh, ow, xn.shape[3]), -np.inf, F32)
        for i in range(k[0]):
            for j in range(k[1]):
                y = np.maximum(y, xp[:, i:i + s[0] * (oh - 1) + 1:s[0],
                                     j:j + s[1] * (ow - 1) + 1:s[1], :])
    else:
        y = maxpool_nhwc(xn, k, s, p, None)
    return y.transpose(0, 3, 1, 2)


def reshape(x, shape, at):
    shape = [int(v) for v in shape]
    if not at.get("allowzero", 0):
        shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return x.reshape(shape)


def flatten(x, at):
    ax = at.get("axis", 1) % (x.ndim + 1) if x.ndim else 0
    return x.reshape(int(np.prod(x.shape[:ax])), -1)


GAP = "seq"


def globalaveragepool(x):
    if x.dtype != F32:
        raise ForkError("GlobalAveragePool: float only")
    n, c = x.shape[:2]
    v = x.reshape(n, c, -1)
    sp = v.shape[2]
    if GAP == "exact":
        s = v.astype(np.float64).sum(axis=2).astype(F32)
    elif GAP == "sum8":
        # eight interleaved float32 partial sums, combined pairwise, then
        # the tail in order: the order sqc's interpreter uses
        # (runtime/pool.c sum8)
        acc = [np.zeros((n, c), F32) for _ in range(8)]
        i = 0
        while i + 8 <= sp:
            for j in range(8):
                acc[j] = acc[j] + v[:, :, i + j]
            i += 8
        s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + \
            ((acc[2] + acc[6]) + (acc[3] + acc[7]))
        for i in range(i, sp):
            s = s + v[:, :, i]
    else:
        s = np.zeros((n, c), F32)
        for i in range(sp):
            s = s + v[:, :, i]
    y = s / F32(sp)
    return y.reshape(n, c, *([1] * (x.ndim - 2))).astype(F32)


def gemm(a, b, c, at):
    a = a.T if at.get("transA", 0) else a
    b = b.T if at.get("transB", 0) else b
    y = F32(at.get("alpha", 1.0)) * (a.astype(F32) @ b.astype(F32))
    if c is not None:
        y = y + F32(at.get("beta", 1.0)) * c
    return y.astype(F32)


def clip(x, lo, hi, at):
    if lo is None and "min" in at:
        lo = np.asarray(at["min"], x.dtype)
    if hi is None and "max" in at:
        hi = np.asarray(at["max"], x.dtype)
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x.astype(x.dtype)


def run(model, feeds):
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env.update(feeds)
    env[""] = None
    for node in model.graph.node:
        ins = [env[i] for i in node.input] + [None] * 9
        at = attrs(node)
        op = (node.domain or "", node.op_type)
        if op == ("", "QuantizeLinear"):
            y = quantizelinear(ins[0], ins[1], ins[2], at)
        elif op == ("", "DequantizeLinear"):
            y = dequantizelinear(ins[0], ins[1], ins[2], at)
        elif op == ("", "QLinearConv_nhwc"):
            y = qlinearconv_nhwc(*ins[:9], at)
        elif op == ("", "QLinearConv"):
            y = qlinearconv(*ins[:9], at)
        elif op == ("", "QLinearMatMul"):
            y = qlinearmatmul(*ins[:8])
        elif op == ("com.microsoft", "QLinearAdd"):
            y = qlinearadd(*ins[:8], at)
        elif op == ("", "QLinearRelu"):
            if ins[0].dtype != np.int8:
                raise ForkError("QLinearRelu: int8 only")
            y = np.maximum(ins[0], 0).astype(np.int8)
        elif op == ("", "MaxPool"):
            if len(node.output) > 1 and node.output[1]:
                raise ForkError("MaxPool indices are not modelled")
            y = maxpool(ins[0], at)
        elif op == ("", "Transpose"):
            y = ins[0].transpose(at.get("perm", None))
        elif op == ("", "Reshape"):
            y = reshape(ins[0], ins[1], at)
        elif op == ("", "Concat"):
            y = np.concatenate([env[i] for i in node.input], axis=at["axis"])
        elif op == ("", "Flatten"):
            y = flatten(ins[0], at)
        elif op == ("", "GlobalAveragePool"):
            y = globalaveragepool(ins[0])
        elif op == ("", "Gemm"):
            y = gemm(ins[0], ins[1], ins[2], at)
        elif op == ("", "Add") and ins[0].dtype == F32:
            y = (ins[0] + ins[1]).astype(F32)
        elif op == ("", "Relu") and ins[0].dtype == F32:
            y = np.maximum(ins[0], F32(0))
        elif op == ("", "Clip"):
            y = clip(ins[0], ins[1], ins[2], at)
        else:
            raise ForkError(f"op {op[0]}:{op[1]} is not modelled")
        env[node.output[0]] = y
    return [env[o.name] for o in model.graph.output]


def main():
    global GAP
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("-o", required=True)
    ap.add_argument("--gap", choices=["seq", "exact", "sum8"], default="seq",
                    help="GlobalAveragePool sum: sequential float32 (default),"
                    " exact (float64, rounded once) or sum8 (sqc's order)")
    args = ap.parse_args()
    GAP = args.gap
    model = onnx.load(args.model)
    feeds = {}
    for spec in args.input:
        name, path = spec.split("=", 1)
        feeds[name] = np.load(path)
    try:
        outs = run(model, feeds)
    except ForkError as e:
        print(f"forkref: {e}", file=sys.stderr)
        sys.exit(1)
    os.makedirs(args.o, exist_ok=True)
    for k, y in enumerate(outs):
        np.save(os.path.join(args.o, f"output_{k}.npy"), y)


if __name__ == "__main__":
    main()

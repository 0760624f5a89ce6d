"""qref.py — a NumPy reference for the quantized ops the ONNX writer emits,
written from the ONNX and ONNX Runtime operator definitions (not from sqc):

  quant(x, s, z, dt)   QuantizeLinear: sat(rne(f32(x / s)) + z)
  dequant(q, s, z)     DequantizeLinear: f32(q - z) * s
  requant(acc, m, z, dt)  the QLinear* output stage: sat(rne(f32(acc) * m) + z)
  mult(sx, sw, sy)     the multiplier ONNX Runtime forms: f32(f32(sx * sw) / sy)
  conv2d_acc(...)      int accumulator of QLinearConv (group 1, NCHW)

plus the test-data plumbing: save(path, name, array) writes a TensorProto,
load_out(dir, k) reads the oracle's out_K.bin/json, close(a, b, codes)
asserts |a - b| <= codes elementwise.
"""
import json
import os
import sys

import numpy as np
from onnx import numpy_helper

f32 = np.float32


def rng(dt):
    i = np.iinfo(dt)
    return i.min, i.max


def quant(x, s, z, dt):
    lo, hi = rng(dt)
    q = np.rint(np.asarray(x, f32) / f32(s)).astype(np.float64) + z
    return np.clip(q, lo, hi).astype(dt)


def dequant(q, s, z):
    return (np.asarray(q, np.int64) - np.asarray(z, np.int64)).astype(f32) * f32(s)


def mult(sx, sw, sy):
    return f32(f32(f32(sx) * f32(sw)) / f32(sy))


def requant(acc, m, z, dt):
    lo, hi = rng(dt)
    p = np.asarray(acc, np.int64).astype(f32) * np.asarray(m, f32)
    return np.clip(np.rint(p).astype(np.int64) + z, lo, hi).astype(dt)


def conv2d_acc(x, zx, w, zw, b, pads, strides):
    """x [N,C,H,W] int, w [M,C,kh,kw] int, zw per output channel; int64 acc"""
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.full((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), zx,
                 np.int64)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x
    oh = (xp.shape[2] - kh) // strides[0] + 1
    ow = (xp.shape[3] - kw) // strides[1] + 1
    acc = np.zeros((n, m, oh, ow), np.int64)
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * strides[0]:i * strides[0] + kh,
                     j * strides[1]:j * strides[1] + kw] - zx
            for o in range(m):
                acc[:, o, i, j] = ((w[o].astype(np.int64) - zw[o]) * win).sum(
                    axis=(1, 2, 3))
    if b is not None:
        acc += np.asarray(b, np.int64).reshape(1, m, 1, 1)
    return acc


def save(path, name, a):
    t = numpy_helper.from_array(np.asarray(a), name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def load_out(d, k):
    with open(os.path.join(d, f"out_{k}.json")) as f:
        meta = json.load(f)
    a = np.fromfile(os.path.join(d, f"out_{k}.bin"), dtype=meta["dtype"])
    return a.reshape(meta["dims"])


def close(what, got, want, tol):
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    if got.shape != want.shape:
        sys.exit(f"{what}: shape {got.shape}, expected {want.shape}")
    d = np.abs(got - want).max() if got.size else 0.0
    if d > tol:
        sys.exit(f"{what}: max difference {d} > {tol}\n got  {got.ravel()}\n"
                 f" want {want.ravel()}")
    print(f"{what}: ok (max difference {d})")

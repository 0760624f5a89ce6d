"""cases.py SQC OUTDIR: conv / matmul / qlinear cases the ONNX node tests
leave out, each run by `sqc run` and by ONNX Runtime (tests/oracle/run.js)
and compared (tests/oracle/compare.py: bit-exact for the quantized ops,
rtol 1e-4 / atol 1e-5 for float).  Prints "ok NAME" per case; exits 1 on
the first mismatch or failure, printing what ran.

A case is one node with fixed random inputs (numpy seed per case), written
as OUTDIR/NAME/model.onnx and OUTDIR/NAME/input_K.pb.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SQC, OUT = sys.argv[1], sys.argv[2]
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 4))
ORACLE = ["node", os.path.join(TOP, "tests", "oracle", "run.js")]
COMPARE = [sys.executable, os.path.join(TOP, "tests", "oracle", "compare.py")]

NP2ONNX = {np.float32: TensorProto.FLOAT, np.uint8: TensorProto.UINT8,
           np.int8: TensorProto.INT8, np.int32: TensorProto.INT32}


def case(name, op, inputs, outdtype, attrs, opset=13, consts=()):
    """inputs: list of (name, array); consts: names stored as initializers"""
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    vin, init, k = [], [], 0
    for n, a in inputs:
        if n in consts:
            init.append(numpy_helper.from_array(a, n))
            continue
        vin.append(helper.make_tensor_value_info(n, NP2ONNX[a.dtype.type],
                                                 a.shape))
        with open(os.path.join(d, f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
        k += 1
    node = helper.make_node(op, [n for n, _ in inputs], ["y"], **attrs)
    out = helper.make_tensor_value_info("y", outdtype, None)
    g = helper.make_graph([node], name, vin, [out], init)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    onnx.save(m, os.path.join(d, "model.onnx"))
    args = []
    for j in range(k):
        args += ["--input", os.path.join(d, f"input_{j}.pb")]
    run([SQC, "run", os.path.join(d, "model.onnx")] + args +
        ["-o", os.path.join(d, "sqc")])
    oargs = []
    for j in range(k):
        oargs += ["--input", f"{vin[j].name}=" + os.path.join(d, f"input_{j}.pb")]
    run(ORACLE + [os.path.join(d, "model.onnx")] + oargs +
        ["--out", os.path.join(d, "ort")])
    tol = ["--bitexact"] if outdtype != TensorProto.FLOAT else \
        ["--rtol", "1e-4", "--atol", "1e-5"]
    run(COMPARE + [os.path.join(d, "sqc"), os.path.join(d, "ort")] + tol)
    print("ok", name)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("FAILED:", " ".join(cmd))
        print(p.stdout + p.stderr)
        sys.exit(1)


rng = np.random.default_rng(0)


def f32(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def q(dt, *shape):
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max + 1, shape).astype(dt)


F = TensorProto.FLOAT

# ---- Conv ----
case("conv_same_lower", "Conv", [("x", f32(1, 2, 7, 8)), ("w", f32(3, 2, 4, 3))],
     F, dict(auto_pad="SAME_LOWER", strides=[2, 2]))
case("conv_same_upper", "Conv", [("x", f32(1, 2, 7, 8)), ("w", f32(3, 2, 4, 3))],
     F, dict(auto_pad="SAME_UPPER", strides=[2, 3]))
case("conv_valid_dilated", "Conv", [("x", f32(2, 3, 9, 10)), ("w", f32(4, 3, 3, 2)),
                                    ("b", f32(4))],
     F, dict(auto_pad="VALID", dilations=[2, 3]))
case("conv_groups_asym", "Conv", [("x", f32(1, 8, 11, 9)), ("w", f32(12, 2, 3, 3)),
                                  ("b", f32(12))],
     F, dict(group=4, pads=[0, 1, 2, 1], strides=[1, 2]))
case("conv_depthwise_big", "Conv", [("x", f32(1, 24, 40, 40)), ("w", f32(24, 1, 3, 3)),
                                    ("b", f32(24))],
     F, dict(group=24, pads=[1, 1, 1, 1]))
case("conv_depthwise_s2", "Conv", [("x", f32(1, 16, 57, 33)), ("w", f32(32, 1, 5, 5))],
     F, dict(group=16, pads=[2, 2, 2, 2], strides=[2, 2]))
case("conv_big", "Conv", [("x", f32(1, 64, 30, 30)), ("w", f32(80, 64, 3, 3)),
                          ("b", f32(80))], F, dict(pads=[1, 1, 1, 1]))
case("conv_1x1_s2", "Conv", [("x", f32(1, 32, 15, 15)), ("w", f32(40, 32, 1, 1))],
     F, dict(strides=[2, 2]))
case("conv_1d", "Conv", [("x", f32(2, 3, 20)), ("w", f32(5, 3, 3)), ("b", f32(5))],
     F, dict(pads=[2, 1], strides=[2], dilations=[2]))
case("conv_7x7_s2", "Conv", [("x", f32(1, 3, 64, 64)), ("w", f32(16, 3, 7, 7))],
     F, dict(pads=[3, 3, 3, 3], strides=[2, 2]))

case("conv_3d", "Conv", [("x", f32(1, 4, 5, 6, 7)), ("w", f32(6, 2, 2, 3, 2)),
                         ("b", f32(6))],
     F, dict(group=2, pads=[1, 0, 1, 0, 1, 1], strides=[1, 2, 2], dilations=[2, 1, 1]))

# ---- ConvTranspose ----
case("convt_output_shape_odd", "ConvTranspose",
     [("x", f32(1, 2, 4, 5)), ("w", f32(2, 3, 3, 3))],
     F, dict(strides=[2, 2], output_shape=[8, 9]))
case("convt_same_lower", "ConvTranspose",
     [("x", f32(1, 2, 4, 5)), ("w", f32(2, 3, 3, 3)), ("b", f32(3))],
     F, dict(strides=[2, 2], auto_pad="SAME_LOWER"))
case("convt_same_upper", "ConvTranspose",
     [("x", f32(1, 2, 4, 5)), ("w", f32(2, 3, 3, 3))],
     F, dict(strides=[2, 2], auto_pad="SAME_UPPER"))
case("convt_same_small", "ConvTranspose", [("x", f32(1, 1, 3, 3)), ("w", f32(1, 2, 1, 1))],
     F, dict(strides=[2, 2], auto_pad="SAME_UPPER"))
case("convt_groups_dilated", "ConvTranspose",
     [("x", f32(2, 4, 5, 4)), ("w", f32(4, 3, 3, 2)), ("b", f32(6))],
     F, dict(group=2, dilations=[2, 1], strides=[2, 3], pads=[1, 0, 2, 1],
             output_padding=[1, 2]))
case("convt_1d", "ConvTranspose", [("x", f32(1, 3, 7)), ("w", f32(3, 2, 4))],
     F, dict(strides=[3], pads=[1, 2]))
case("convt_big", "ConvTranspose", [("x", f32(1, 32, 12, 12)), ("w", f32(32, 16, 4, 4)),
                                    ("b", f32(16))],
     F, dict(strides=[2, 2], pads=[1, 1, 1, 1]))

case("convt_3d", "ConvTranspose", [("x", f32(1, 2, 3, 4, 3)), ("w", f32(2, 2, 2, 3, 2))],
     F, dict(strides=[2, 1, 2], pads=[0, 1, 1, 0, 1, 0], output_padding=[1, 0, 1]))

# ---- Gemm ----
case("gemm_c_column", "Gemm", [("a", f32(5, 3)), ("b", f32(5, 4)), ("c", f32(3, 1))],
     F, dict(transA=1, alpha=0.5, beta=2.0))
case("gemm_c_scalar", "Gemm", [("a", f32(3, 5)), ("b", f32(4, 5)),
                               ("c", np.array(1.5, np.float32))],
     F, dict(transB=1))
case("gemm_fc", "Gemm", [("a", f32(2, 300)), ("b", f32(70, 300)), ("c", f32(70))],
     F, dict(transB=1))
case("gemm_big", "Gemm", [("a", f32(100, 130)), ("b", f32(130, 90)), ("c", f32(1, 90))],
     F, dict(alpha=1.25, beta=-0.5))

# ---- MatMul ----
case("matmul_broadcast", "MatMul", [("a", f32(2, 1, 3, 4)), ("b", f32(5, 4, 2))], F, {})
case("matmul_1d_left", "MatMul", [("a", f32(4)), ("b", f32(2, 4, 3))], F, {})
case("matmul_1d_right", "MatMul", [("a", f32(2, 3, 4)), ("b", f32(4))], F, {})
case("matmul_1d_both", "MatMul", [("a", f32(6)), ("b", f32(6))], F, {})
case("matmul_batch_flat", "MatMul", [("a", f32(3, 20, 300)), ("b", f32(300, 70))], F, {})
case("matmul_a_broadcast", "MatMul", [("a", f32(20, 30)), ("b", f32(3, 30, 7))], F, {})

# ---- quantized ----
U8, I8 = TensorProto.UINT8, TensorProto.INT8
s = lambda *v: np.array(v if len(v) > 1 else v[0], np.float32)
case("qlinearconv_u8_bias", "QLinearConv",
     [("x", q(np.uint8, 1, 4, 9, 8)), ("xs", s(0.02)), ("xz", np.uint8(130)),
      ("w", q(np.uint8, 6, 2, 3, 3)), ("ws", s(0.003)), ("wz", np.uint8(120)),
      ("ys", s(0.05)), ("yz", np.uint8(100)),
      ("b", rng.integers(-5000, 5000, 6).astype(np.int32))],
     U8, dict(group=2, pads=[1, 0, 1, 2], strides=[2, 1]), opset=13)
case("qlinearconv_u8_perchannel", "QLinearConv",
     [("x", q(np.uint8, 1, 3, 7, 7)), ("xs", s(0.01)), ("xz", np.uint8(128)),
      ("w", q(np.uint8, 4, 3, 3, 3)), ("ws", rng.uniform(0.001, 0.01, 4).astype(np.float32)),
      ("wz", np.array([128, 120, 130, 127], np.uint8)),
      ("ys", s(0.1)), ("yz", np.uint8(128))],
     U8, dict(pads=[1, 1, 1, 1]), consts=("w", "ws", "wz"))
case("qlinearconv_s8", "QLinearConv",
     [("x", q(np.int8, 1, 3, 8, 8)), ("xs", s(0.02)), ("xz", np.int8(-3)),
      ("w", q(np.int8, 5, 3, 3, 3)), ("ws", rng.uniform(0.001, 0.01, 5).astype(np.float32)),
      ("wz", np.zeros(5, np.int8)),
      ("ys", s(0.2)), ("yz", np.int8(5)),
      ("b", rng.integers(-3000, 3000, 5).astype(np.int32))],
     I8, dict(strides=[2, 2]), consts=("w", "ws", "wz", "b"))
case("qlinearmatmul_u8_3d", "QLinearMatMul",
     [("a", q(np.uint8, 2, 5, 40)), ("as", s(0.01)), ("az", np.uint8(120)),
      ("b", q(np.uint8, 40, 6)), ("bs", s(0.02)), ("bz", np.uint8(130)),
      ("ys", s(0.3)), ("yz", np.uint8(110))], U8, {})
case("qlinearmatmul_s8", "QLinearMatMul",
     [("a", q(np.int8, 4, 50)), ("as", s(0.01)), ("az", np.int8(3)),
      ("b", q(np.int8, 50, 7)), ("bs", s(0.02)), ("bz", np.int8(0)),
      ("ys", s(0.5)), ("yz", np.int8(-2))], I8, {})

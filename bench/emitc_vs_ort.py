#!/usr/bin/python3
"""emitc_vs_ort.py — the C that `sqc --emit=c` generates, timed against ONNX
Runtime running the same network quantized for it (`make bench`).

    /usr/bin/python3 bench/emitc_vs_ort.py [--repeat N] [--rounds R] [MODEL ...]

Models (default): resnet18, mobilenet_v2, googlenet, squeezenet1_1 from
tests/models/cache.  One calibration table per model (4 fixed-seed normal
samples, not timed) serves both sides:

C:    `sqc -O2 --min-sqnr=0 MODEL --calib-table=T --emit=c -o model.c`
      (--target=systolic, int8; --min-sqnr=0: no layer kept float, so both
      sides run every conv in int8, as the ORT model does), compiled with `cc -O2 -std=c99` with bench/cbench.c against
      build/libsqcrt.a (runtime/systolic.c's CPU kernels: the host reference,
      not a Gemmini), one thread; cbench times N calls of <p>_run (float in,
      float out) after 3 warm-ups and reports the median.
ORT:  `sqc -O1 --target=ort MODEL --calib-table=T -o q.onnx` (int8 QLinear
      ops) run by onnxruntime-node, CPU, one thread, graph optimizations
      'all', median of N session.run calls after 3 warm-ups (the same node
      script as bench/run_vs_ort.py).
Each model is measured R rounds, alternating; the lowest median of the rounds
is shown.  Ratio = C ms / ORT ms.  The input: 1x3x224x224 float32 uniform in
[-1, 1), numpy seed 0.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_vs_ort import CACHE, SQC, TOP, time_ort  # noqa: E402

MODELS = ["resnet18", "mobilenet_v2", "googlenet", "squeezenet1_1"]


def sh(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (argv[0], p.stderr.decode(errors="replace").strip()[-300:]))
    return p.stdout.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("models", nargs="*")
    a = ap.parse_args()
    models = a.models or [os.path.join(CACHE, m + ".onnx") for m in MODELS]
    cc = os.environ.get("CC", "cc")
    print("%-14s | %9s | %9s | %7s" % ("model", "C ms", "ORT ms", "C/ORT"))
    with tempfile.TemporaryDirectory() as tmp:
        calib = os.path.join(tmp, "calib.npy")
        np.save(calib, np.random.default_rng(0).standard_normal((4, 1, 3, 224, 224)).astype(np.float32))
        xbin = os.path.join(tmp, "x.bin")
        np.random.default_rng(0).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32).tofile(xbin)
        for m in models:
            name = os.path.basename(m)[:-5]
            table = os.path.join(tmp, name + ".calib")
            cfile = os.path.join(tmp, "model.c")
            exe = os.path.join(tmp, "model")
            qonnx = os.path.join(tmp, "q.onnx")
            sh([SQC, "-O2", "--min-sqnr=0", m, "--calib=" + calib, "--calib-table=" + table,
                "--emit=c", "-o", cfile])
            sh([cc, "-O2", "-std=c99", "-DMODEL_H=\"model.h\"", "-DP=model", "-DPU=MODEL",
                "-I" + tmp, "-I" + os.path.join(TOP, "runtime"), cfile,
                os.path.join(TOP, "bench", "cbench.c"), os.path.join(TOP, "build", "libsqcrt.a"),
                "-lm", "-o", exe])
            sh([SQC, "-O1", "--target=ort", m, "--calib-table=" + table, "-o", qonnx])
            ct, ot = [], []
            for _ in range(a.rounds):
                ct.append(json.loads(sh([exe, xbin, str(a.repeat)]).strip())["median"])
                ot.append(time_ort(qonnx, xbin, a.repeat, None))
            c, o = min(ct), min(ot)
            print("%-14s | %9.2f | %9.2f | %7.2f" % (name, c, o, c / o))
    print("C: sqc -O2 --emit=c, cc -O2, runtime/ CPU kernels, one thread; ORT: the --target=ort int8 model,")
    print("one thread, optimizations 'all'.  Lowest of %d rounds of the median of %d runs." % (a.rounds, a.repeat))


if __name__ == "__main__":
    main()

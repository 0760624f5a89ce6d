#!/usr/bin/python3
"""quantize.py — time and memory of quantizing with a ready calibration table
(`make bench`).

    /usr/bin/python3 bench/quantize.py [MODEL ...]

For each model (default: resnet50 and resnet18 from tests/models/cache) it
first makes a calibration table from 4 fixed-seed random samples (not timed),
then runs `sqc -O1 --target=ort MODEL --calib-table=TABLE -o TMP` REPS times
(read, canonicalize, table read, quantize, propagate-quant, export) and
reports the median wall time and peak RSS.  The yardstick, measured in the
same run: ONNX Runtime creating an InferenceSession for the quantized model
it wrote (default optimizations, one thread).  Issue [3/5] asks for resnet50
under 1 s.
"""
import os
import sys
import tempfile

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from import_export import CACHE, REPS, TOP, median, run  # noqa: E402

ORT_LOAD = r"""
const ort = require(process.argv[2]);
(async () => {
  const t0 = process.hrtime.bigint();
  await ort.InferenceSession.create(process.argv[1], {intraOpNumThreads: 1});
  const t1 = process.hrtime.bigint();
  console.log(Number(t1 - t0) / 1e9);
})();
"""


def main():
    models = sys.argv[1:] or [os.path.join(CACHE, m + ".onnx") for m in ("resnet50", "resnet18")]
    sqc = os.path.join(TOP, "sqc")
    ortmod = os.path.join(TOP, "tests", "oracle", "node_modules", "onnxruntime-node")
    print("%-12s | %9s %9s | %9s | %7s" % ("model", "sqc s", "sqc MB", "ORT s", "t/ORT"))
    with tempfile.TemporaryDirectory() as tmp:
        calib = os.path.join(tmp, "calib.npy")
        numpy.save(calib, numpy.random.default_rng(0).standard_normal(
            (4, 1, 3, 224, 224)).astype(numpy.float32))
        for m in models:
            table = os.path.join(tmp, os.path.basename(m) + ".calib")
            out = os.path.join(tmp, "q.onnx")
            run([sqc, "--passes=canonicalize,calibrate", m, "--calib=" + calib,
                 "--calib-table=" + table, "--emit=ir", "-o", "/dev/null"])
            st, sr, ot = [], [], []
            for _ in range(REPS):
                w, r, _ = run([sqc, "-O1", "--target=ort", m, "--calib-table=" + table, "-o", out])
                st.append(w)
                sr.append(r)
            for _ in range(REPS):
                _, _, o = run(["node", "-e", ORT_LOAD, out, ortmod], capture=True)
                ot.append(float(o.decode().strip()))
            t, o_t = median(st), median(ot)
            print("%-12s | %9.3f %9.1f | %9.3f | %7.2f" % (
                os.path.basename(m)[:-5], t, max(sr) / 1e6, o_t, t / o_t))
    print("sqc s: the whole process (read, -O1 with the table, write), median of %d;" % REPS)
    print("ORT s: InferenceSession creation for the quantized model, median of %d." % REPS)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""import_export.py — time and memory of sqc's ONNX import + export (`make bench`).

    /usr/bin/python3 bench/import_export.py [MODEL ...]

For each model (default: resnet50 and the torchvision fixtures in
tests/models/cache), runs `sqc -O0 --emit=onnx MODEL -o TMP` REPS times and
reports the median wall time and the peak resident set size (from wait4's
rusage, per process), next to the model file size.  As the yardstick measured
in the same run, it times ONNX Runtime loading the same model (creating an
InferenceSession with optimizations disabled, in node) the same way, and prints
sqc's time and memory as ratios of ONNX Runtime's.
"""
import os
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(TOP, "tests", "models", "cache")
REPS = 5

ORT_LOAD = r"""
const ort = require(process.argv[2]);
(async () => {
  const t0 = process.hrtime.bigint();
  await ort.InferenceSession.create(process.argv[1],
      {graphOptimizationLevel: 'disabled', intraOpNumThreads: 1});
  const t1 = process.hrtime.bigint();
  console.log(Number(t1 - t0) / 1e9);
})();
"""


def run(argv, capture=False):
    """Run argv; return (wall seconds, peak RSS bytes, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    out = p.stdout.read() if capture else b""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit("bench: %s failed (status %d)" % (" ".join(argv), status))
    return wall, ru.ru_maxrss * 1024, out


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    models = sys.argv[1:]
    if not models:
        if not os.path.exists(os.path.join(CACHE, "resnet50.onnx")):
            subprocess.check_call(["/usr/bin/python3", os.path.join(TOP, "tests", "models", "make.py"),
                                   CACHE, "--bench"])
        models = [os.path.join(CACHE, m + ".onnx") for m in
                  ("resnet50", "resnet18", "googlenet", "mobilenet_v2", "squeezenet1_1")]
    sqc = os.path.join(TOP, "sqc")
    ortmod = os.path.join(TOP, "tests", "oracle", "node_modules", "onnxruntime-node")
    print("%-16s %9s | %9s %9s %6s | %9s %9s | %7s %7s" % (
        "model", "size MB", "sqc s", "sqc MB", "RSS/sz", "ORT s", "ORT MB", "t/ORT", "RSS/ORT"))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.onnx")
        for m in models:
            size = os.path.getsize(m)
            st, sr = [], []
            for _ in range(REPS):
                w, r, _ = run([sqc, "-O0", "--emit=onnx", m, "-o", out])
                st.append(w)
                sr.append(r)
            ot, orr = [], []
            for _ in range(REPS):
                w, r, o = run(["node", "-e", ORT_LOAD, m, ortmod], capture=True)
                ot.append(float(o.decode().strip()))  # session creation only
                orr.append(r)
            t, r, o_t, o_r = median(st), max(sr), median(ot), max(orr)
            print("%-16s %9.1f | %9.3f %9.1f %6.2f | %9.3f %9.1f | %7.2f %7.2f" % (
                os.path.basename(m)[:-5], size / 1e6, t, r / 1e6, r / size, o_t, o_r / 1e6,
                t / o_t, r / o_r))
    print("sqc s: wall time of the whole process (import + verify + export), median of %d;" % REPS)
    print("ORT s: InferenceSession creation alone (optimizations off), median of %d; MB: peak RSS." % REPS)


if __name__ == "__main__":
    main()

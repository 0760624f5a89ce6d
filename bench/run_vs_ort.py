#!/usr/bin/python3
"""run_vs_ort.py — execution time of `sqc run` against ONNX Runtime (`make bench`).

    /usr/bin/python3 bench/run_vs_ort.py [--repeat N] [--rounds R] [MODEL ...]

Models (default): resnet18, mobilenet_v2, googlenet, squeezenet1_1 and
resnet50 from tests/models/cache (made by tests/models/make.py CACHE --bench
when resnet50 is missing).  Every model gets the same input: a 1x3x224x224
float32 tensor, uniform in [-1, 1) from numpy seed 0, bound to the model's
first input.

sqc:  `sqc run MODEL --input NAME=X.npy --repeat N -o DIR`; sqc times
      exec_run in-process and prints the median ms per run on stderr.
ORT:  onnxruntime-node (tests/oracle/node_modules), CPU, intraOpNumThreads 1,
      interOpNumThreads 1, sequential execution, graphOptimizationLevel 'all'
      (ORT's default and best level: constant folding, node fusions and layout
      optimizations) — ONNX Runtime at its best on one thread.  A node script
      runs 3 warm-up runs, then times N calls of session.run in-process
      (process.hrtime) and reports the median.
Each model is measured R rounds, sqc and ORT alternating, and the table shows
the lowest median of the rounds (the machine is shared; the lowest median is
the least disturbed).  Ratio = sqc ms / ORT ms; issue [2/5] asks for <= 1.5 on
resnet18, mobilenet_v2 and googlenet.

Accuracy: sqc's outputs are compared with those of a second ORT session with
graph optimizations disabled (the oracle's configuration, tests/oracle/run.js).
"max rel" is, over the outputs, max |sqc - ORT| / max |ORT| (the worst error
relative to the output's scale); "elts" counts elements outside
|sqc - ORT| <= 1e-5 + 1e-4 |ORT| (tests/oracle/compare.py's rule).

Calibration throughput: `sqc --passes=canonicalize,calibrate --calib=X.npy
--calib-table=T -j1` and `-j2` on resnet18 with 100 samples (uniform in
[-1, 1), numpy seed 1; the default method, minmax), best of R rounds.
samples/s = 100 / wall time of the whole process, and again net of the time
the same command takes without the calibrate pass (import, canonicalize,
printing the IR); the two tables must be byte-identical.  A failure of the
calibrate pass prints its error instead.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(TOP, "tests", "models", "cache")
SQC = os.path.join(TOP, "sqc")
ORTMOD = os.path.join(TOP, "tests", "oracle", "node_modules", "onnxruntime-node")
MODELS = ["resnet18", "mobilenet_v2", "googlenet", "squeezenet1_1", "resnet50"]
TARGET = {"resnet18": 1.5, "mobilenet_v2": 1.5, "googlenet": 1.5}
SHAPE = (1, 3, 224, 224)

sys.path.insert(0, os.path.join(TOP, "tests", "oracle"))
import compare as cmp  # noqa: E402  (loads out_K.bin/json and output_K.npy dirs)

ORT_BENCH = r"""
const fs = require('fs'), path = require('path');
const [ortmod, model, xbin, dims, n, outdir] = process.argv.slice(1);
const ort = require(ortmod);
function write(dir, names, res) {
	fs.mkdirSync(dir, { recursive: true });
	names.forEach((name, k) => {
		const t = res[name];
		fs.writeFileSync(path.join(dir, `out_${k}.bin`),
			Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
		fs.writeFileSync(path.join(dir, `out_${k}.json`),
			JSON.stringify({ name, dtype: t.type, dims: t.dims }) + '\n');
	});
}
(async () => {
	ort.env.logLevel = 'error';
	const raw = fs.readFileSync(xbin);
	const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
	const opts = { executionProviders: ['cpu'], intraOpNumThreads: 1,
		interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 };
	const sess = await ort.InferenceSession.create(model,
		Object.assign({ graphOptimizationLevel: 'all' }, opts));
	const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', x, JSON.parse(dims)) };
	for (let i = 0; i < 3; i++) await sess.run(feeds);
	const t = [];
	for (let i = 0; i < Number(n); i++) {
		const t0 = process.hrtime.bigint();
		await sess.run(feeds);
		t.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	t.sort((a, b) => a - b);
	if (outdir) {	// reference outputs: optimizations off, as the oracle runs
		const ref = await ort.InferenceSession.create(model,
			Object.assign({ graphOptimizationLevel: 'disabled' }, opts));
		write(outdir, ref.outputNames, await ref.run(feeds));
	}
	console.log(JSON.stringify({ median: t[t.length >> 1], min: t[0] }));
})().catch((e) => { console.error('bench: error: ' + e.message); process.exit(1); });
"""

RUNLINE = re.compile(r"run: (\d+) runs, median ([0-9.]+) ms, min ([0-9.]+) ms")


def model_input(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    return next(v.name for v in m.graph.input if v.name not in inits)


def time_sqc(model, name, xnpy, n, outdir):
    argv = [SQC, "run", model, "--input", f"{name}={xnpy}", "--repeat", str(n)]
    if outdir:
        argv += ["-o", outdir]
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    m = RUNLINE.search(err)
    if p.returncode != 0 or not m:
        line = next((ln for ln in err.splitlines() if "error" in ln), err.strip()[-200:])
        raise RuntimeError(f"sqc run failed (exit {p.returncode}): {line}")
    return float(m.group(2))


def time_ort(model, xbin, n, outdir):
    p = subprocess.run(["node", "-e", ORT_BENCH, ORTMOD, model, xbin,
                        json.dumps(list(SHAPE)), str(n), outdir or ""],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("ORT failed: " + p.stderr.decode(errors="replace").strip()[-300:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])["median"]


def accuracy(sqcdir, ortdir):
    """(max over outputs of max|a-b|/max|b|, elements outside rtol 1e-4 atol 1e-5)."""
    a, b = cmp.load(sqcdir), cmp.load(ortdir)
    if len(a) != len(b):
        raise RuntimeError(f"sqc gave {len(a)} outputs, ORT {len(b)}")
    worst, bad = 0.0, 0
    for (_, x), (_, y) in zip(a, b):
        if x.shape != y.shape:
            raise RuntimeError(f"output shapes differ: {x.shape} vs {y.shape}")
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        d = np.abs(x64 - y64)
        scale = float(np.max(np.abs(y64))) or 1.0
        worst = max(worst, float(np.max(d)) / scale)
        bad += int(np.sum(~(d <= 1e-5 + 1e-4 * np.abs(y64))))
    return worst, bad


def wall(argv):
    """(seconds, exit status, stderr) of one run of argv."""
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0, p.returncode, p.stderr.decode(errors="replace")


def calibration(tmp, samples, rounds):
    """Print resnet18 calibration throughput with -j1 and -j2."""
    model = os.path.join(CACHE, "resnet18.onnx")
    data = os.path.join(tmp, "calib.npy")
    rs = np.random.RandomState(1)
    np.save(data, rs.uniform(-1, 1, (samples,) + SHAPE[1:]).astype(np.float32))
    print()
    print(f"calibration: resnet18, {samples} samples, minmax (sqc --passes=canonicalize,"
          f"calibrate --calib=X.npy --calib-table=T -jN), best of {rounds}")
    # the same process without calibrate: import, canonicalize, IR printing
    base = min(wall([SQC, "--passes=canonicalize", model])[0] for _ in range(rounds))
    res = {}
    for j in (1, 2):
        best = None
        for r in range(rounds):
            table = os.path.join(tmp, f"calib-j{j}-{r}.table")
            t, code, err = wall([SQC, "--passes=canonicalize,calibrate", f"--calib={data}",
                                 f"--calib-table={table}", "-j", str(j), model])
            if code != 0 or not os.path.exists(table):
                line = next((ln for ln in err.splitlines() if "error" in ln), err.strip()[-200:])
                print(f"  -j{j}: calibration failed ({line or 'no table written'})")
                return
            with open(table, "rb") as f:
                body = f.read()
            if best is None or t < best[0]:
                best = (t, body)
        res[j] = best
        t = best[0]
        print(f"  -j{j}: {t:6.2f} s  {samples / t:6.1f} samples/s; without the "
              f"{base:.2f} s the process takes without calibrate: "
              f"{samples / (t - base):6.1f} samples/s")
    same = res[1][1] == res[2][1]
    net = (res[1][0] - base) / (res[2][0] - base)
    print(f"  -j2 speedup: {res[1][0] / res[2][0]:.2f}x whole process, {net:.2f}x "
          f"calibration alone (target >= 1.7x); tables "
          f"{'identical' if same else 'DIFFER'} ({len(res[1][1])} bytes)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="names in tests/models/cache or .onnx paths")
    p.add_argument("--repeat", type=int, default=20, help="timed runs (default 20)")
    p.add_argument("--rounds", type=int, default=2,
                   help="alternating sqc/ORT rounds; the lowest median wins")
    p.add_argument("--no-calib", action="store_true")
    p.add_argument("--calib-samples", type=int, default=100)
    args = p.parse_args()

    names = args.models or MODELS
    if "resnet50" in names and not os.path.exists(os.path.join(CACHE, "resnet50.onnx")):
        subprocess.check_call([sys.executable, os.path.join(TOP, "tests", "models", "make.py"),
                               CACHE, "--bench"])
    paths = [n if n.endswith(".onnx") else os.path.join(CACHE, n + ".onnx") for n in names]
    x = np.random.RandomState(0).uniform(-1, 1, SHAPE).astype(np.float32)

    print(f"sqc run vs ONNX Runtime (onnxruntime-node): 1 thread, median of "
          f"{args.repeat} runs, best of {args.rounds} rounds; input {list(SHAPE)} f32")
    print("%-14s %9s %9s %9s %7s | %10s %6s" % (
        "model", "sqc ms", "ORT ms", "sqc/ORT", "target", "max rel", "elts"))
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        xnpy, xbin = os.path.join(tmp, "x.npy"), os.path.join(tmp, "x.bin")
        np.save(xnpy, x)
        x.tofile(xbin)
        for path in paths:
            label = os.path.basename(path)[:-5]
            sqcout, ortout = os.path.join(tmp, label, "sqc"), os.path.join(tmp, label, "ort")
            os.makedirs(os.path.join(tmp, label), exist_ok=True)
            try:
                name = model_input(path)
                st, ot = [], []
                for r in range(args.rounds):
                    st.append(time_sqc(path, name, xnpy, args.repeat, sqcout if r == 0 else None))
                    ot.append(time_ort(path, xbin, args.repeat, ortout if r == 0 else None))
                rel, bad = accuracy(sqcout, ortout)
            except RuntimeError as e:
                print("%-14s %s" % (label, e))
                failed = True
                continue
            s, o = min(st), min(ot)
            tgt = TARGET.get(label)
            verdict = ("" if tgt is None else
                       "<=%.1f ok" % tgt if s / o <= tgt else ">%.1f NO" % tgt)
            print("%-14s %9.2f %9.2f %9.2f %7s | %10.2e %6d%s" % (
                label, s, o, s / o, verdict, rel, bad, "" if rel <= 1e-4 else "  > 1e-4"))
        print("sqc ms: exec_run alone (sqc run --repeat); ORT ms: session.run alone, "
              "graphOptimizationLevel 'all'")
        print("max rel: max |sqc-ORT| / max |ORT| over the outputs, against ORT with "
              "optimizations off; elts: elements outside rtol 1e-4 atol 1e-5")
        if not args.no_calib:
            calibration(tmp, args.calib_samples, args.rounds)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

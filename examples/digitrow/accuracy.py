#!/usr/bin/python3
"""accuracy.py — digit and whole-line accuracy of digitrow logits.

    accuracy.py LABELS OUT... [--min A] [--min-line A] [--max A] [--max-line A]

LABELS is test_labels.npy, i64[n, K] (K = 4 digits a line).  Each OUT is the
logits of the same n lines, f32[n, K, 10] or f32[n, K*10]: a .npy file
(`sqc run -o FILE.npy`), a directory written by `sqc run -o DIR`
(output_0.npy) or by tests/oracle/run.js (out_0.bin + out_0.json), or
several of these joined by commas, read in order and concatenated along the
first axis (the batches of a fixed-batch quantized model).  Only the first
output is read.  Example:

    ./sqc run examples/digitrow/digitrow.onnx --input-shape input=300,1,8,32 \\
        --input input=examples/digitrow/test_images.npy -o /tmp/f.npy
    /usr/bin/python3 examples/digitrow/accuracy.py \\
        examples/digitrow/test_labels.npy /tmp/f.npy

Prints one line per OUT:
    OUT: digits 0.9833 (1180/1200), lines 0.9333 (280/300)
Exits 1 when a digit accuracy is below --min or above --max, a line accuracy
below --min-line or above --max-line (defaults 0 and 1: no bound), or an
input is unreadable or of the wrong shape.  (--max asserts that a run is
known to be bad, e.g. the seed-exact int8 collapse.)
"""
import argparse
import json
import os
import sys

import numpy as np


def fail(msg):
	print(f"accuracy: error: {msg}", file=sys.stderr)
	sys.exit(1)


def load(path):
	"""The first output stored at path, as an array."""
	if os.path.isfile(path) and path.endswith(".npy"):
		return np.load(path)
	if os.path.exists(os.path.join(path, "output_0.npy")):
		return np.load(os.path.join(path, "output_0.npy"))
	if os.path.exists(os.path.join(path, "out_0.json")):
		with open(os.path.join(path, "out_0.json")) as f:
			meta = json.load(f)
		if meta["dtype"] != "float32":
			fail(f"{path}/out_0.json: dtype {meta['dtype']}, "
			    "expected float32")
		a = np.fromfile(os.path.join(path, "out_0.bin"), dtype="<f4")
		return a.reshape(meta["dims"])
	fail(f"{path}: not a .npy file nor a directory holding output_0.npy "
	    "or out_0.json")


def logits(spec, k):
	"""The logits named by spec (paths joined by commas), f32[n, k, 10]."""
	parts = [load(p) for p in spec.split(",")]
	for p, a in zip(spec.split(","), parts):
		if a.dtype.kind != "f" or a.ndim not in (2, 3) or \
		    a.shape[1:] not in ((k, 10), (k * 10,)):
			fail(f"{p}: logits are {a.dtype}{list(a.shape)}, expected "
			    f"float [n, {k}, 10] or [n, {k * 10}]")
	return np.concatenate([a.reshape(len(a), k, 10) for a in parts])


def main():
	p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	p.add_argument("labels")
	p.add_argument("out", nargs="+")
	p.add_argument("--min", type=float, default=0.0,
	    help="exit 1 if a digit accuracy is below this")
	p.add_argument("--min-line", type=float, default=0.0,
	    help="exit 1 if a line accuracy is below this")
	p.add_argument("--max", type=float, default=1.0,
	    help="exit 1 if a digit accuracy is above this")
	p.add_argument("--max-line", type=float, default=1.0,
	    help="exit 1 if a line accuracy is above this")
	args = p.parse_args()

	try:
		labels = np.load(args.labels)
	except (OSError, ValueError) as e:
		fail(f"{args.labels}: {e}")
	if labels.ndim != 2 or labels.dtype.kind not in "iu":
		fail(f"{args.labels}: labels are {labels.dtype}"
		    f"{list(labels.shape)}, expected integers [n, K]")
	n, k = labels.shape
	ok = True
	width = max(len(o) for o in args.out)
	for o in args.out:
		a = logits(o, k)
		if len(a) != n:
			fail(f"{o}: {len(a)} lines of logits for {n} labels")
		right = a.argmax(-1) == labels
		dig, line = float(np.mean(right)), float(np.mean(right.all(1)))
		msg = (f"{o + ':':<{width + 1}} digits {dig:.4f} "
		    f"({int(right.sum())}/{right.size}), lines {line:.4f} "
		    f"({int(right.all(1).sum())}/{n})")
		if dig < args.min:
			msg += f"  DIGITS BELOW {args.min:g}"
			ok = False
		if line < args.min_line:
			msg += f"  LINES BELOW {args.min_line:g}"
			ok = False
		if dig > args.max:
			msg += f"  DIGITS ABOVE {args.max:g}"
			ok = False
		if line > args.max_line:
			msg += f"  LINES ABOVE {args.max_line:g}"
			ok = False
		print(msg)
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()

#!/usr/bin/python3
"""accuracy.py — top-1 accuracy of model outputs against labels.

    accuracy.py LABELS OUT... [--ref REF] [--min A]

LABELS is a .npy of integer class labels, shape [n].  Each OUT (and REF) is
the logits of the same n images, f32[n, classes]: a directory written by
`sqc run -o DIR` (output_0.npy), by tests/oracle/run.js (out_0.bin +
out_0.json), or an ONNX test data set (output_0.pb); or a .npy file (`sqc run
-o FILE.npy`).  Only the first output is read.  For the digits example:

    ./sqc run examples/digits/digits.onnx \
        --input input=examples/digits/test_images.npy -o /tmp/logits.npy
    /usr/bin/python3 examples/digits/accuracy.py \
        examples/digits/test_labels.npy /tmp/logits.npy

Prints one line per OUT:
    OUT: top-1 accuracy 0.9933 (298/300)
With --ref, adds how OUT's logits differ from REF's: the number of
predictions that differ and the largest difference relative to the reference
logits' scale, max|out - ref| / max|ref| ("rel. diff").
Exits 1 when an accuracy is below --min (default 0) or an input is unreadable
or of the wrong shape.
"""
import argparse
import json
import os
import sys

import numpy as np


def fail(msg):
    print(f"accuracy: error: {msg}", file=sys.stderr)
    sys.exit(1)


def logits(path):
    """The first output stored at path, as a 2-D float array."""
    if os.path.isfile(path) and path.endswith(".npy"):
        a = np.load(path)
    elif os.path.exists(os.path.join(path, "output_0.npy")):
        a = np.load(os.path.join(path, "output_0.npy"))
    elif os.path.exists(os.path.join(path, "out_0.json")):
        with open(os.path.join(path, "out_0.json")) as f:
            meta = json.load(f)
        if meta["dtype"] != "float32":
            fail(f"{path}/out_0.json: dtype {meta['dtype']}, expected float32")
        a = np.fromfile(os.path.join(path, "out_0.bin"), dtype="<f4")
        a = a.reshape(meta["dims"])
    elif os.path.exists(os.path.join(path, "output_0.pb")):
        import onnx
        from onnx import numpy_helper
        t = onnx.TensorProto()
        with open(os.path.join(path, "output_0.pb"), "rb") as f:
            t.ParseFromString(f.read())
        a = numpy_helper.to_array(t)
    else:
        fail(f"{path}: not a .npy file nor a directory holding output_0.npy, "
             "out_0.json or output_0.pb")
    if a.ndim != 2 or a.dtype.kind != "f":
        fail(f"{path}: logits are {a.dtype}{list(a.shape)}, "
             "expected a float [n, classes] array")
    return a


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("labels")
    p.add_argument("out", nargs="+")
    p.add_argument("--ref", help="compare each OUT's logits with REF's")
    p.add_argument("--min", type=float, default=0.0,
                   help="exit 1 if an accuracy is below this")
    args = p.parse_args()

    try:
        labels = np.load(args.labels)
    except (OSError, ValueError) as e:
        fail(f"{args.labels}: {e}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        fail(f"{args.labels}: labels are {labels.dtype}{list(labels.shape)}, "
             "expected integers [n]")
    n = len(labels)
    ref = logits(args.ref) if args.ref else None
    if ref is not None and ref.shape[0] != n:
        fail(f"{args.ref}: {ref.shape[0]} rows of logits for {n} labels")

    ok = True
    width = max(len(o) for o in args.out)
    for o in args.out:
        a = logits(o)
        if a.shape[0] != n:
            fail(f"{o}: {a.shape[0]} rows of logits for {n} labels")
        pred = a.argmax(1)
        right = int(np.sum(pred == labels))
        acc = right / n
        line = f"{o + ':':<{width + 1}} top-1 accuracy {acc:.4f} ({right}/{n})"
        if ref is not None and os.path.samefile(o, args.ref):
            line += " (the reference)"
        elif ref is not None:
            if a.shape != ref.shape:
                fail(f"{o}: logits {list(a.shape)}, {args.ref} has "
                     f"{list(ref.shape)}")
            d = np.abs(a.astype(np.float64) - ref)
            scale = float(np.max(np.abs(ref))) or 1.0
            same = int(np.sum(pred == ref.argmax(1)))
            line += (f", {n - same} predictions differ from {args.ref}, "
                     f"max rel. diff {d.max() / scale:.1e}")
        if acc < args.min:
            line += f"  BELOW {args.min:g}"
            ok = False
        print(line)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

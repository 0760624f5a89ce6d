#!/usr/bin/python3
"""compare.py — compare two sets of model outputs.

    compare.py A B [--bitexact | --rtol R --atol A]

A and B are directories, each written by tests/oracle/run.js (out_K.bin +
out_K.json), by `sqc run -o DIR` (output_K.npy), or an ONNX test data set
(output_K.pb).  Outputs are
matched by position; their names (where both sides have one), dtypes and
shapes must agree.

--bitexact   every element must have the same bits (any NaN equals any NaN)
default      |a - b| <= atol + rtol * |b| elementwise, B being the reference;
             NaN equals NaN.  The defaults are the ONNX backend tests'
             (rtol 1e-3, atol 1e-7).

Prints one line per output with its worst difference and a final verdict;
exits 0 when everything matches, 1 on a mismatch or an unreadable input.
"""
import argparse
import json
import os
import sys

import numpy as np

DTYPES = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16,
    "int8": np.int8, "uint8": np.uint8, "int16": np.int16,
    "uint16": np.uint16, "int32": np.int32, "uint32": np.uint32,
    "int64": np.int64, "uint64": np.uint64, "bool": np.bool_,
}


def fail(msg):
    print(f"compare: error: {msg}", file=sys.stderr)
    sys.exit(1)


def count(d, pattern):
    n = 0
    while os.path.exists(os.path.join(d, pattern % n)):
        n += 1
    return n


def load(d):
    """Return [(name, ndarray)] for the outputs stored in directory d."""
    if not os.path.isdir(d):
        fail(f"{d}: not a directory")
    res = []
    if os.path.exists(os.path.join(d, "out_0.json")):
        for k in range(count(d, "out_%d.json")):
            with open(os.path.join(d, f"out_{k}.json")) as f:
                meta = json.load(f)
            with open(os.path.join(d, f"out_{k}.bin"), "rb") as f:
                raw = f.read()
            if meta["dtype"] == "string":
                a = np.array(json.loads(raw), dtype=object)
            elif meta["dtype"] in DTYPES:
                a = np.frombuffer(raw, dtype=DTYPES[meta["dtype"]])
            else:
                fail(f"{d}/out_{k}.json: unknown dtype {meta['dtype']}")
            res.append((meta["name"], a.reshape(meta["dims"])))
    elif os.path.exists(os.path.join(d, "output_0.pb")):
        import onnx
        from onnx import numpy_helper
        for k in range(count(d, "output_%d.pb")):
            t = onnx.TensorProto()
            with open(os.path.join(d, f"output_{k}.pb"), "rb") as f:
                t.ParseFromString(f.read())
            a = numpy_helper.to_array(t)
            if a.dtype.kind in "SU":
                a = a.astype(str).astype(object)
            res.append((t.name, a))
    elif os.path.exists(os.path.join(d, "output_0.npy")):
        # written by `sqc run -o DIR`; matched by position, no names
        for k in range(count(d, "output_%d.npy")):
            res.append((None, np.load(os.path.join(d, f"output_{k}.npy"))))
    else:
        fail(f"{d}: holds none of out_0.json, output_0.pb, output_0.npy")
    return res


def bits(a):
    """View a numeric array as unsigned integers of the same width."""
    if a.dtype == np.bool_:
        return a.view(np.uint8)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def compare(a, b, args):
    """Return (ok, description of the worst difference)."""
    if a.dtype == object or b.dtype == object:
        bad = int(np.sum(a != b))
        return bad == 0, f"{bad} differing strings"
    af = a.dtype.kind == "f"
    nan = np.isnan(a) & np.isnan(b) if af else np.zeros(a.shape, bool)
    if a.size == 0:
        return True, "empty"
    da = a.astype(np.float64)
    db = b.astype(np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.where(nan | (da == db), 0.0, np.abs(da - db))
    diff = np.where(np.isnan(diff), np.inf, diff)	# NaN against a number
    worst = int(np.argmax(diff))
    where = np.unravel_index(worst, a.shape) if a.ndim else ()
    what = f"max |a-b| {diff.flat[worst]:.6g}"
    if diff.flat[worst] != 0:
        what += (f" at {list(map(int, where))}"
                 f" (a={a.flat[worst]!r}, b={b.flat[worst]!r})")
    if args.bitexact:
        bad = ~(nan | (bits(a) == bits(b)))
    else:
        lim = args.atol + args.rtol * np.abs(db)
        bad = ~(nan | (diff <= lim))
    nbad = int(np.sum(bad))
    if nbad:
        what += f", {nbad} of {a.size} elements differ"
    return nbad == 0, what


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--bitexact", action="store_true")
    p.add_argument("--rtol", type=float, default=1e-3)
    p.add_argument("--atol", type=float, default=1e-7)
    args = p.parse_args()

    outa, outb = load(args.a), load(args.b)
    ok = True
    if len(outa) != len(outb):
        print(f"compare: {args.a} has {len(outa)} outputs, "
              f"{args.b} has {len(outb)}")
        ok = False
    for k, ((na, a), (nb, b)) in enumerate(zip(outa, outb)):
        label = f"output {k} '{na or nb}'"
        if na and nb and na != nb:
            print(f"compare: {label}: named '{na}' in A, '{nb}' in B")
            ok = False
            continue
        if a.dtype != b.dtype or a.shape != b.shape:
            print(f"compare: {label}: A is {a.dtype}{list(a.shape)}, "
                  f"B is {b.dtype}{list(b.shape)}")
            ok = False
            continue
        good, what = compare(a, b, args)
        print(f"compare: {label} {a.dtype}{list(a.shape)}: {what}"
              f"{'' if good else '  MISMATCH'}")
        ok = ok and good
    mode = "bit-exact" if args.bitexact else \
        f"rtol {args.rtol:g} atol {args.atol:g}"
    print(f"compare: {'match' if ok else 'MISMATCH'} ({mode})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

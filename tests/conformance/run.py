#!/usr/bin/python3
"""run.py — run ONNX's own model tests through `sqc run` and score them.

    /usr/bin/python3 tests/conformance/run.py [options] [PATTERN ...]

Tests: every directory /usr/share/libonnx-testdata/data/SUITE/NAME/ with a
model.onnx, SUITE one of node, pytorch-converted, pytorch-operator, simple;
a test is named SUITE/NAME.  PATTERNs (shell globs, matched against SUITE/NAME
and against NAME) pick a subset; default all.

Eligibility: a test runs when every node of its model (subgraphs included)
is in the default ONNX domain and has an op type in sqc's op table
(ir/ops.h, parsed here), and every graph input and output is a tensor.
Otherwise it is a SKIP whose reason names the unsupported ops, or the
non-tensor input or output.

Running: for each test_data_set_N of an eligible test,

    sqc run model.onnx --input NAME=input_K.pb ... -o OUT/N

binding input_K.pb to the graph input its TensorProto names, else to the
K-th graph input that is not an initializer (ONNX Runtime's rule, see
tests/oracle/run.js; a UINT16 file for a BFLOAT16 input, which is how the
test data stores bf16, is retyped into a copy first).  Then OUT/N/output_K.npy
are compared with the data set's output_K.pb by tests/oracle/compare.py's
rules (outputs by position, equal dtypes and shapes, |sqc - expected| <=
atol + rtol * |expected|, NaN equals NaN) at rtol 1e-4, atol 1e-5.  A test passes when every data set
does; it fails with the first problem found: sqc's error line, its exit
signal, a timeout, or the worst mismatching output.  Tests run in parallel
(-j, default 2), each sqc process under --timeout seconds.

--executor=ort runs the same models in ONNX Runtime (tests/oracle/run.js)
instead of sqc: a check of this script and of the test data, not of sqc.

Expected failures: tests/conformance/expected.txt lists the tests known to
fail, one "SUITE/NAME  reason" a line ('#' starts a comment).  Such a
failure prints as XFAIL; a failure not listed prints as FAIL.  A listed test
that passes prints as XPASS (remove its line).  With --check the exit status
is 1 when any test FAILs or when fewer than --min-rate (0.9) of the eligible
tests pass; otherwise 0.  --write-expected rewrites the list from this run's
failures, keeping the reason already written for a test still failing;
--update-doc rewrites the generated parts of doc/conformance.md (counts per
suite, failures with their reasons, skipped tests grouped by reason).

Output: one line per test (PASS, FAIL, XFAIL, XPASS, SKIP; --quiet prints
only FAIL and XPASS), failing tests counted by op type, then totals:
eligible, passed, failed, pass rate.  build/conformance/results.json gets
every test's status, reason, op types and time; outputs go to
build/conformance/out/SUITE/NAME/N/.
"""
import argparse
import collections
import concurrent.futures
import fnmatch
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types

import onnx

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
BUILD = os.path.join(TOP, "build", "conformance")
EXPECTED = os.path.join(TOP, "tests", "conformance", "expected.txt")
ORACLE = os.path.join(TOP, "tests", "oracle")

sys.path.insert(0, ORACLE)
import compare as cmp  # noqa: E402  (tests/oracle/compare.py)


def op_table():
    """The ONNX op types of ir/ops.h: {op_type: sqc id}."""
    ops = {}
    with open(os.path.join(TOP, "ir", "ops.h")) as f:
        for line in f:
            m = re.match(r'\s*OP\(\s*(\w+)\s*,\s*"(\w+)"', line)
            if m:
                ops[m.group(2)] = m.group(1)
    if not ops:
        sys.exit("run.py: error: no OP(...) lines in ir/ops.h")
    return ops


class Test:
    def __init__(self, suite, name):
        self.suite, self.name = suite, name
        self.id = f"{suite}/{name}"
        self.dir = os.path.join(DATA, suite, name)
        self.model = os.path.join(self.dir, "model.onnx")
        self.ops = []		# distinct op types, with a domain prefix if any
        self.inputs = []	# [(name, static shape?, elem_type)], no initializers
        self.skip = None	# reason it is not eligible
        self.status = None	# PASS FAIL XFAIL XPASS SKIP
        self.reason = ""
        self.secs = 0.0

    def datasets(self):
        ds = glob.glob(os.path.join(self.dir, "test_data_set_*"))
        return sorted(ds, key=lambda d: int(d.rsplit("_", 1)[1]))


def walk(graph, seen):
    for n in graph.node:
        dom = "" if n.domain in ("", "ai.onnx") else n.domain
        seen.add((dom, n.op_type))
        for a in n.attribute:
            if a.HasField("g"):
                walk(a.g, seen)
            for g in a.graphs:
                walk(g, seen)


def scan(t, ops):
    """Fill in t.ops, t.inputs and t.skip."""
    try:
        m = onnx.load(t.model)
    except Exception as e:  # noqa: BLE001 (any unreadable model is a skip)
        t.skip = f"model.onnx does not load in onnx: {e}"
        return
    seen = set()
    walk(m.graph, seen)
    t.ops = sorted(f"{d}::{o}" if d else o for d, o in seen)
    bad = sorted(f"{d}::{o}" if d else o for d, o in seen if d or o not in ops)
    inits = {i.name for i in m.graph.initializer}
    nontensor = []
    for kind, vals in (("input", m.graph.input), ("output", m.graph.output)):
        for v in vals:
            if kind == "input" and v.name in inits:
                continue
            which = v.type.WhichOneof("value")
            if which != "tensor_type":
                nontensor.append(f"{kind} '{v.name}' is {which or 'untyped'}")
            elif kind == "input":
                tt = v.type.tensor_type
                static = tt.HasField("shape") and all(
                    d.HasField("dim_value") for d in tt.shape.dim)
                t.inputs.append((v.name, static, tt.elem_type))
    if bad:
        t.skip = "unsupported ops: " + ", ".join(bad)
    elif nontensor:
        t.skip = "non-tensor " + "; ".join(nontensor)


def discover(patterns):
    tests = []
    for s in SUITES:
        for d in sorted(glob.glob(os.path.join(DATA, s, "*", "model.onnx"))):
            t = Test(s, os.path.basename(os.path.dirname(d)))
            if patterns and not any(fnmatch.fnmatchcase(t.id, p) or
                                    fnmatch.fnmatchcase(t.name, p)
                                    for p in patterns):
                continue
            tests.append(t)
    return tests


def read_expected(path):
    exp = {}
    if not os.path.exists(path):
        return exp
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 1)
            if len(parts) < 2:
                sys.exit(f"{path}:{n}: error: '{parts[0]}' needs a reason "
                         "after the test name")
            exp[parts[0]] = parts[1]
    return exp


def write_expected(path, tests, old):
    fails = [t for t in tests if t.status in ("FAIL", "XFAIL")]
    header = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if not line.startswith("#"):
                    break
                header.append(line)
    with open(path + ".tmp", "w") as f:
        f.writelines(header)
        for t in sorted(fails, key=lambda t: t.id):
            f.write(f"{t.id}  {old.get(t.id, t.reason)}\n")
    os.replace(path + ".tmp", path)
    print(f"run.py: wrote {len(fails)} expected failures to {path}")


DOC = os.path.join(TOP, "doc", "conformance.md")
MARK = "<!-- run.py --update-doc: %s %s -->"


def doc_numbers(tests, totals, args):
    rows = collections.OrderedDict((s, collections.Counter()) for s in SUITES)
    for t in tests:
        c = rows[t.suite]
        c["tests"] += 1
        c["skip"] += t.status == "SKIP"
        c["pass"] += t.status in ("PASS", "XPASS")
        c["fail"] += t.status in ("FAIL", "XFAIL")
    out = ["| suite | tests | skipped | eligible | passed | failed |",
           "|---|---|---|---|---|---|"]
    for s, c in rows.items():
        out.append(f"| {s} | {c['tests']} | {c['skip']} | "
                   f"{c['tests'] - c['skip']} | {c['pass']} | {c['fail']} |")
    out += [f"| **all** | **{totals['tests']}** | **{totals['skipped']}** | "
            f"**{totals['eligible']}** | **{totals['passed']}** | "
            f"**{totals['failed']}** |", "",
            f"Pass rate **{100 * totals['pass_rate']:.1f}%** of the eligible "
            f"tests (executor {args.executor}, rtol {args.rtol:g}, "
            f"atol {args.atol:g}; the acceptance asks for 90%)."]
    return out


def doc_lists(tests, expected):
    short = lambda t: t.name[5:] if t.name.startswith("test_") else t.name  # noqa: E731
    out = ["### Failures", ""]
    fails = sorted((t for t in tests if t.status in ("FAIL", "XFAIL")),
                   key=lambda t: t.id)
    if fails:
        out += ["| test | reason (expected.txt) | what sqc printed |",
                "|---|---|---|"]
        for t in fails:
            why = expected.get(t.id, "**not in expected.txt**")
            what = t.reason.replace("|", "\\|")
            out.append(f"| {t.id} | {why} | {what} |")
    else:
        out.append("None.")
    out += ["", "### Skipped tests, by reason", "",
            "Test names without their `test_` prefix; suites other than node "
            "are named.", "", "| reason | n | tests |", "|---|---|---|"]
    groups = {}
    for t in tests:
        if t.status == "SKIP":
            groups.setdefault(t.reason, []).append(t)
    for why, ts in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        names = ", ".join(f"{t.suite}/{short(t)}" if t.suite != "node"
                          else short(t) for t in ts)
        out.append(f"| {why} | {len(ts)} | {names} |")
    return out


def update_doc(tests, expected, totals, args):
    """Replace the generated blocks of doc/conformance.md."""
    with open(DOC) as f:
        text = f.read()
    for block, lines in (("numbers", doc_numbers(tests, totals, args)),
                         ("lists", doc_lists(tests, expected))):
        begin, end = MARK % (block, "begin"), MARK % (block, "end")
        if begin not in text or end not in text:
            sys.exit(f"run.py: error: {DOC} lacks the lines {begin} and {end}")
        head, rest = text.split(begin, 1)
        text = head + "\n".join([begin, ""] + lines + ["", end]) + \
            rest.split(end, 1)[1]
    with open(DOC + ".tmp", "w") as f:
        f.write(text)
    os.replace(DOC + ".tmp", DOC)
    print(f"run.py: updated {os.path.relpath(DOC, TOP)}")


# ---- running one test ---------------------------------------------------------

def first_error(text, t):
    """The line of a tool's stderr that says what went wrong, shortened."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    pick = next((ln for ln in lines if "error:" in ln), None)
    if pick is None:
        pick = lines[-1] if lines else "(no message)"
    pick = pick.replace(t.dir + "/", "").replace(TOP + "/", "")
    return pick[:300]


def status_reason(code, err, t, tool):
    if code < 0:
        try:
            sig = signal.Signals(-code).name
        except ValueError:
            sig = f"signal {-code}"
        tail = first_error(err, t) if err.strip() else ""
        return f"{tool} killed by {sig}" + (f" ({tail})" if tail else "")
    return f"{tool} exit {code}: {first_error(err, t)}"


def bind(t, ds, od):
    """[(graph input name, input_K.pb path, dims)] for data set directory ds.

    The test data stores bfloat16 inputs as UINT16 TensorProtos (numpy has
    no bfloat16); such a file for a BFLOAT16 input is retyped (same bits)
    into a copy in od."""
    names = [n for n, _, _ in t.inputs]
    elem = {n: e for n, _, e in t.inputs}
    out, k = [], 0
    while os.path.exists(os.path.join(ds, f"input_{k}.pb")):
        path = os.path.join(ds, f"input_{k}.pb")
        tp = onnx.TensorProto()
        with open(path, "rb") as f:
            tp.ParseFromString(f.read())
        if tp.name in names:
            name = tp.name
        elif k < len(names):
            name = names[k]
        else:
            raise RuntimeError(f"{os.path.basename(ds)}/input_{k}.pb: "
                               f"more input files than the model has inputs")
        if tp.data_type == onnx.TensorProto.UINT16 and \
                elem[name] == onnx.TensorProto.BFLOAT16:
            tp.data_type = onnx.TensorProto.BFLOAT16
            path = os.path.join(od, f"input_{k}.bf16.pb")
            with open(path, "wb") as f:
                f.write(tp.SerializeToString())
        shape = ",".join(str(d) for d in tp.dims)
        out.append((name, path, shape))
        k += 1
    return out


def compare_dirs(got, want, rtol, atol):
    """None when every output matches, else a one-line description."""
    opts = types.SimpleNamespace(bitexact=False, rtol=rtol, atol=atol)
    try:
        a, b = cmp.load(got), cmp.load(want)
    except SystemExit:
        return f"cannot read the outputs in {os.path.relpath(got, TOP)}"
    if len(a) != len(b):
        return f"{len(a)} outputs, expected {len(b)}"
    for k, ((_, x), (nb, y)) in enumerate(zip(a, b)):
        label = f"output {k} '{nb}'" if nb else f"output {k}"
        if x.dtype != y.dtype or x.shape != y.shape:
            return (f"{label} is {x.dtype}{list(x.shape)}, "
                    f"expected {y.dtype}{list(y.shape)}")
        ok, what = cmp.compare(x, y, opts)
        if not ok:
            return f"{label} {y.dtype}{list(y.shape)}: {what}"
    return None


def run_test(t, args):
    t0 = time.time()
    out = os.path.join(BUILD, "out", t.suite, t.name)
    shutil.rmtree(out, ignore_errors=True)
    sets = t.datasets()
    if not sets:
        t.status, t.reason = "FAIL", "no test_data_set_* directory"
        return t
    t.status = "PASS"
    for ds in sets:
        n = ds.rsplit("_", 1)[1]
        od = os.path.join(out, n)
        os.makedirs(od)
        try:
            binding = bind(t, ds, od)
        except Exception as e:  # noqa: BLE001
            t.status, t.reason = "FAIL", f"data set {n}: {e}"
            break
        static = {n: st for n, st, _ in t.inputs}
        if args.executor == "sqc":
            argv = [args.sqc, "run", t.model]
            for name, path, shape in binding:
                argv += ["--input", f"{name}={path}"]
                if not static.get(name, True) and shape:
                    argv += ["--input-shape", f"{name}={shape}"]
            argv += ["-o", od]
            tool = "sqc"
        else:
            argv = ["node", os.path.join(ORACLE, "run.js"), t.model]
            for name, path, _ in binding:
                argv += ["--input", f"{name}={path}"]
            argv += ["--out", od]
            tool = "ort"
        try:
            p = subprocess.run(argv, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            t.status = "FAIL"
            t.reason = f"{tool} timed out after {args.timeout:g} s"
            if len(sets) > 1:
                t.reason = f"data set {n}: {t.reason}"
            break
        err = p.stderr.decode(errors="replace")
        if p.returncode != 0:
            t.status = "FAIL"
            t.reason = status_reason(p.returncode, err, t, tool)
            if len(sets) > 1:
                t.reason = f"data set {n}: {t.reason}"
            break
        why = compare_dirs(od, ds, args.rtol, args.atol)
        if why:
            t.status = "FAIL"
            t.reason = (f"data set {n}: " if len(sets) > 1 else "") + why
            break
    t.secs = time.time() - t0
    return t


# ---- main -----------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("patterns", nargs="*", metavar="PATTERN")
    p.add_argument("--sqc", default=os.path.join(TOP, "sqc"))
    p.add_argument("--executor", choices=["sqc", "ort"], default="sqc")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds per sqc run (default 60)")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--expected", default=EXPECTED)
    p.add_argument("--results", help="the JSON report (default "
                   "build/conformance/results.json)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 on a failure not in the expected list or a "
                        "pass rate below --min-rate")
    p.add_argument("--min-rate", type=float, default=0.9)
    p.add_argument("--list", action="store_true",
                   help="only print eligibility (SKIP reasons and RUN)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only FAIL and XPASS lines and the totals")
    p.add_argument("--write-expected", action="store_true",
                   help="rewrite the expected list from this run's failures")
    p.add_argument("--update-doc", action="store_true",
                   help="rewrite the generated lists in doc/conformance.md")
    args = p.parse_args()
    # scratch beside the compiler's objects: build-san/conformance for
    # build-san/sqc (make check SANITIZE=1), else build/conformance
    global BUILD
    d = os.path.dirname(os.path.abspath(args.sqc))
    if d != TOP and d.startswith(TOP + os.sep):
        BUILD = os.path.join(d, "conformance")
    if args.results is None:
        args.results = os.path.join(BUILD, "results.json")

    if args.executor == "sqc" and not args.list and not os.access(args.sqc, os.X_OK):
        sys.exit(f"run.py: error: {args.sqc} is not an executable; run make sqc")
    ops = op_table()
    tests = discover(args.patterns)
    if not tests:
        sys.exit("run.py: error: no test matches " + " ".join(args.patterns))
    for t in tests:
        scan(t, ops)
    expected = read_expected(args.expected)
    eligible = [t for t in tests if not t.skip]
    for t in tests:
        if t.skip:
            t.status, t.reason = "SKIP", t.skip

    if args.list:
        for t in tests:
            print(f"SKIP {t.id}: {t.skip}" if t.skip else f"RUN  {t.id}")
        print(f"{len(eligible)} of {len(tests)} tests eligible")
        return 0

    t0 = time.time()
    if not args.quiet:
        for t in tests:
            if t.skip:
                print(f"SKIP {t.id}: {t.skip}")
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futs = [pool.submit(run_test, t, args) for t in eligible]
        for f in concurrent.futures.as_completed(futs):
            t = f.result()
            listed = t.id in expected
            if t.status == "FAIL" and listed:
                t.status = "XFAIL"
            elif t.status == "PASS" and listed:
                t.status = "XPASS"
            if not args.quiet or t.status in ("FAIL", "XPASS"):
                tail = f": {t.reason}" if t.reason else ""
                if t.status == "XPASS":
                    tail = ": passes now; remove it from expected.txt"
                print(f"{t.status} {t.id}{tail}", flush=True)
    wall = time.time() - t0

    passed = [t for t in eligible if t.status in ("PASS", "XPASS")]
    failed = [t for t in eligible if t.status in ("FAIL", "XFAIL")]
    new = [t for t in eligible if t.status == "FAIL"]
    xpass = [t for t in eligible if t.status == "XPASS"]
    ids, alleids = {t.id for t in tests}, {t.id for t in eligible}
    stale = sorted(k for k in expected if k not in alleids and
                   (not args.patterns or k in ids))
    rate = len(passed) / len(eligible) if eligible else 0.0

    byop = collections.Counter()
    for t in failed:
        byop.update(t.ops)
    if byop:
        print("failing tests by op type: " + ", ".join(
            f"{o} {n}" for o, n in byop.most_common()))
    for k in stale:
        print(f"NOTE {k} is in {os.path.relpath(args.expected, TOP)} "
              f"but is not eligible (or does not exist): remove it")
    print(f"{len(tests)} tests: {len(tests) - len(eligible)} skipped, "
          f"{len(eligible)} eligible; {len(passed)} passed, {len(failed)} "
          f"failed ({len(failed) - len(new)} expected, {len(new)} new); "
          f"pass rate {100 * rate:.1f}% ({wall:.0f} s, -j{args.jobs}, "
          f"{args.executor}, rtol {args.rtol:g} atol {args.atol:g})")

    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    res = {
        "executor": args.executor, "rtol": args.rtol, "atol": args.atol,
        "totals": {"tests": len(tests), "skipped": len(tests) - len(eligible),
                   "eligible": len(eligible), "passed": len(passed),
                   "failed": len(failed), "new_failures": len(new),
                   "unexpected_passes": len(xpass),
                   "pass_rate": round(rate, 4), "seconds": round(wall, 1)},
        "tests": [{"test": t.id, "status": t.status, "reason": t.reason,
                   "ops": t.ops, "seconds": round(t.secs, 3)} for t in tests],
    }
    with open(args.results + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    os.replace(args.results + ".tmp", args.results)

    if args.write_expected:
        write_expected(args.expected, eligible, expected)
    if args.update_doc:
        update_doc(tests, expected, res["totals"], args)
    if args.check:
        bad = []
        if new:
            bad.append(f"{len(new)} new failure(s): "
                       + ", ".join(t.id for t in new[:10])
                       + (" ..." if len(new) > 10 else ""))
        if rate < args.min_rate:
            bad.append(f"pass rate {100 * rate:.1f}% is below "
                       f"{100 * args.min_rate:.0f}%")
        if bad:
            print("run.py: check failed: " + "; ".join(bad))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""run_all.py — run every test suite and sum the results.

    /usr/bin/python3 tests/run_all.py [--sanitizer-logs DIR] [UNIT_TEST_BINARY ...]

Runs each Criterion unit test binary named on the command line, then lit over
tests/.  A Criterion binary's counts come from its final line
  [====] Synthesis: Tested: N | Passing: N | Failing: N | Crashing: N
and lit's from its xUnit XML report (lit's own output goes to the terminal as
it runs, so failures show in full).  Prints one line per suite, then exactly
one last line

  N passed, N failed[, N skipped]

summing every suite (lit's unsupported tests are the skipped ones).  A suite
that cannot run or whose report cannot be read counts as one failure.
Exits 1 if anything failed, 0 otherwise.  `make check` calls it.

With --sanitizer-logs DIR (`make check SANITIZE=1`, whose ASAN_OPTIONS set
log_path into DIR), DIR is emptied first and every ASan/LSan report file
found there afterwards counts as one failure of a "sanitizer" suite (the
first five are printed): a report fails the run even where the process's
nonzero exit was what a test expected.  (UBSan reports go to stderr and
abort the process, a failure by itself; see the Makefile.)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"
LIT = "/usr/lib/llvm-14/build/utils/lit/lit.py"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SYNTH = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| "
                   r"Failing: (\d+) \| Crashing: (\d+)")


class Result:
    def __init__(self, name, passed=0, failed=0, skipped=0, note=""):
        self.name, self.passed, self.failed = name, passed, failed
        self.skipped, self.note = skipped, note

    def line(self):
        s = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            s += f", {self.skipped} skipped"
        return s


def run_unit(binary):
    name = os.path.basename(binary)
    try:
        p = subprocess.run([binary, "--color=never"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, cwd=TOP)
    except OSError as e:
        return Result(name, failed=1, note=f"could not run: {e.strerror}")
    out = ANSI.sub("", p.stdout.decode(errors="replace"))
    m = None
    for m in SYNTH.finditer(out):
        pass
    if m is None:
        sys.stdout.write(out)
        return Result(name, failed=1,
                      note=f"could not run: no Synthesis line, exit {p.returncode}")
    tested, passing, failing, crashing = map(int, m.groups())
    # Crashing tests are also counted as Failing; disabled ones not at all.
    r = Result(name, passing, max(tested - passing, failing, crashing))
    if r.failed or p.returncode != 0:
        sys.stdout.write(out)
        if not r.failed:	# a nonzero exit the counts do not explain
            r.failed, r.note = 1, f"exit status {p.returncode}"
    return r


def run_lit():
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "lit.xml")
        cmd = [PYTHON, LIT, "-sv", "--xunit-xml-output", xml,
               os.path.join(TOP, "tests")]
        sys.stdout.flush()
        try:
            p = subprocess.run(cmd, cwd=TOP)
        except OSError as e:
            return Result("lit", failed=1, note=f"could not run: {e.strerror}")
        try:
            root = ET.parse(xml).getroot()
        except (OSError, ET.ParseError):
            return Result("lit", failed=1,
                          note=f"could not run: no report, exit {p.returncode}")
    r = Result("lit")
    for suite in root.iter("testsuite"):
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0))
        skipped = int(suite.get("skipped", 0))
        r.passed += tests - failed - skipped
        r.failed += failed
        r.skipped += skipped
    if p.returncode != 0 and r.failed == 0:
        r.failed, r.note = 1, f"exit status {p.returncode}"
    return r


def sanitizer_reports(logdir, show=5):
    """One failure per report file in logdir; the first few are printed."""
    names = sorted(os.listdir(logdir))
    for name in names[:show]:
        path = os.path.join(logdir, name)
        with open(path, errors="replace") as f:
            sys.stdout.write(f"==== {path}\n{f.read()}")
    r = Result("sanitizer", failed=len(names))
    r.note = f"{len(names)} reports in {logdir}" if names else "no reports"
    return r


def main():
    args = sys.argv[1:]
    logdir = None
    if args[:1] == ["--sanitizer-logs"] and len(args) >= 2:
        logdir, args = args[1], args[2:]
        shutil.rmtree(logdir, ignore_errors=True)
        os.makedirs(logdir)
    results = []
    for binary in args:
        t0 = time.time()
        r = run_unit(binary)
        r.secs = time.time() - t0
        results.append(r)
    t0 = time.time()
    r = run_lit()
    r.secs = time.time() - t0
    results.append(r)
    if logdir is not None:
        r = sanitizer_reports(logdir)
        r.secs = 0.0
        results.append(r)

    for r in results:
        note = f"; {r.note}" if r.note else ""
        print(f"{r.name}: {r.line()} ({r.secs:.1f} s{note})")
    total = Result("total", sum(r.passed for r in results),
                   sum(r.failed for r in results),
                   sum(r.skipped for r in results))
    print(total.line())
    sys.exit(1 if total.failed else 0)


if __name__ == "__main__":
    main()
